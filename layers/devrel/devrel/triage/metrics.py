"""Classification and ranking metrics for the triage evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


def class_scores(truth: Sequence[str], predicted: Sequence[str | None],
                 labels: Sequence[str]) -> dict[str, ClassScores]:
    """Per-label precision, recall and F1.

    A None prediction (abstention) counts as no label: it lowers recall but never precision.
    """
    scores = {}
    for label in labels:
        true_positive = sum(1 for t, p in zip(truth, predicted, strict=True) if p == label and t == label)
        predicted_count = sum(1 for p in predicted if p == label)
        support = sum(1 for t in truth if t == label)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = ClassScores(precision, recall, f1, support)
    return scores


def macro_f1(scores: dict[str, ClassScores]) -> float:
    return sum(score.f1 for score in scores.values()) / len(scores) if scores else 0.0


def accuracy(truth: Sequence[str], predicted: Sequence[str | None]) -> float:
    """Share of answered items that are right (abstentions excluded)."""
    answered = [(t, p) for t, p in zip(truth, predicted, strict=True) if p is not None]
    return sum(1 for t, p in answered if t == p) / len(answered) if answered else 0.0


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of queries whose answer is within the top k (rank is 1-based; None: not found)."""
    return sum(1 for rank in ranks if rank is not None and rank <= k) / len(ranks) if ranks else 0.0


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    return sum(1.0 / rank for rank in ranks if rank is not None) / len(ranks) if ranks else 0.0
