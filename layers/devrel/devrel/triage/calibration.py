"""Choosing score thresholds from held-out predictions, and the folds that produce them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def threshold_for_precision(scores: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray,
                            target: float, min_support: int = 3) -> float | None:
    """The lowest score at which acting on every item scoring at least that much meets `target` precision.

    Precision is measured on the held-out items given (`correct[i]` says whether acting on item i
    would have been right). At least `min_support` items must clear the threshold, so a lucky
    handful at the very top does not set it. None when no threshold reaches the target: then the
    caller should never act on its own.
    """
    scores = np.asarray(scores, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    if len(scores) == 0:
        return None
    order = np.argsort(-scores, kind="stable")
    ranked_scores, ranked_correct = scores[order], correct[order]
    precision = np.cumsum(ranked_correct) / np.arange(1, len(scores) + 1)
    # A cut is only possible between distinct scores: use the last position of each tied run.
    last_of_run = np.append(ranked_scores[1:] != ranked_scores[:-1], True)
    ok = last_of_run & (precision >= target) & (np.arange(1, len(scores) + 1) >= min_support)
    if not ok.any():
        return None
    return float(ranked_scores[np.flatnonzero(ok)[-1]])


def stratified_folds(labels: Sequence[str], n_folds: int, seed: int = 0) -> list[np.ndarray]:
    """Row indices of each held-out fold, every label spread evenly across folds."""
    if n_folds < 2:
        raise ValueError("need at least 2 folds")
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(n_folds)]
    by_label: dict[str, list[int]] = {}
    for row, label in enumerate(labels):
        by_label.setdefault(label, []).append(row)
    cursor = 0
    for label in sorted(by_label):
        rows = np.array(by_label[label])
        rng.shuffle(rows)
        for row in rows:
            folds[cursor % n_folds].append(int(row))
            cursor += 1
    return [np.array(sorted(fold), dtype=np.int64) for fold in folds]
