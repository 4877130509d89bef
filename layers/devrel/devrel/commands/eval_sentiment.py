"""`devrel eval sentiment`: accuracy and macro F1 of message sentiment on labelled developer messages.

Data: semicolon-separated `id;label;text` rows (the Senti4SD gold standard's partitions use this
shape), labels negative / neutral / positive. With `--train`, the neutral band is chosen by k-fold
cross-validation on it and then scored on `--test`; without, the shipped thresholds are scored.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devrel.health.sentiment import NEGATIVE_BELOW, POSITIVE_ABOVE, polarity, score

LABELS = ("negative", "neutral", "positive")
GRID = [round(x * 0.05, 2) for x in range(0, 17)]


def register_eval(eval_subparsers: Any) -> None:
    parser = eval_subparsers.add_parser("sentiment", help="message sentiment: accuracy and macro F1",
                                        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--test", type=Path, required=True, help="labelled messages to score (id;label;text)")
    parser.add_argument("--train", type=Path, help="labelled messages to choose the neutral band on (k-fold CV)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=run)


def read_messages(path: Path) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.reader(handle, delimiter=";"):
            if len(row) >= 3 and row[1].strip().lower() in LABELS:
                rows.append((row[1].strip().lower(), ";".join(row[2:])))
    if not rows:
        raise SystemExit(f"{path}: no `id;label;text` rows with labels {', '.join(LABELS)}")
    return rows


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    scores = []
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def evaluate(gold: Sequence[str], compounds: Sequence[float], negative_below: float, positive_above: float
             ) -> dict[str, float]:
    predicted = [polarity(c, negative_below, positive_above) for c in compounds]
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    return {"accuracy": round(accuracy, 4), "macro_f1": round(macro_f1(gold, predicted), 4)}


def choose_band(gold: Sequence[str], compounds: Sequence[float]) -> tuple[float, float]:
    """The (negative, positive) thresholds with the best macro F1 on these messages."""
    best = max(((-low, high) for low in GRID for high in GRID),
               key=lambda band: evaluate(gold, compounds, *band)["macro_f1"])
    return best


def cross_validate(gold: list[str], compounds: list[float], folds: int) -> dict[str, Any]:
    order = list(range(len(gold)))
    random.Random(13).shuffle(order)
    results, bands = [], []
    for fold in range(folds):
        held = set(order[fold::folds])
        train = [i for i in order if i not in held]
        band = choose_band([gold[i] for i in train], [compounds[i] for i in train])
        bands.append(band)
        results.append(evaluate([gold[i] for i in held], [compounds[i] for i in held], *band))
    return {"accuracy": round(sum(r["accuracy"] for r in results) / folds, 4),
            "macro_f1": round(sum(r["macro_f1"] for r in results) / folds, 4),
            "bands": bands, "chosen": choose_band(gold, compounds)}


def run(args: argparse.Namespace) -> int:
    test = read_messages(args.test)
    test_compounds = [score(text) for _, text in test]
    test_gold = [label for label, _ in test]
    report: dict[str, Any] = {"messages": len(test),
                              "majority_class": round(max(test_gold.count(x) for x in LABELS) / len(test), 4),
                              "vader_default": evaluate(test_gold, test_compounds, -0.05, 0.05),
                              "shipped": evaluate(test_gold, test_compounds, NEGATIVE_BELOW, POSITIVE_ABOVE)}
    if args.train:
        train = read_messages(args.train)
        cv = cross_validate([label for label, _ in train], [score(text) for _, text in train], args.folds)
        report["train_cv"] = {"accuracy": cv["accuracy"], "macro_f1": cv["macro_f1"]}
        report["band_from_train"] = cv["chosen"]
        report["test_with_band_from_train"] = evaluate(test_gold, test_compounds, *cv["chosen"])
    if args.json:
        print(json.dumps(report))
        return 0
    for key, value in report.items():
        print(f"{key:28s} {value}")
    return 0
