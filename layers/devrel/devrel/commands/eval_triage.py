"""`devrel eval triage` and `devrel eval duplicates`: triage quality on labelled data.

eval triage: per-class precision/recall/F1 and macro F1 of the issue-type classifier, with
abstention off (top label always) and on (only labels that clear their calibrated threshold),
on `--train/--test` CSVs or by k-fold cross-validation of `--data`.

eval duplicates: recall@1/5/10 and MRR of finding each pair's original among all other reports,
for the hybrid score (with and without its time penalty, when the reports say when they were
opened) and a plain TF-IDF cosine baseline in the same run, plus a threshold
calibrated to `--target-precision` and checked on held-out halves.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

from devrel.commands.common import add_model_arguments, command_settings, knowledge_dir
from devrel.runtime import build_embedder, build_llm
from devrel.triage.classifier import Prediction, TrainingConfig
from devrel.triage.datasets import read_issues, read_pairs, read_reports
from devrel.triage.duplicates import DEFAULT_LEXICAL_WEIGHT, DEFAULT_RECENCY_DAYS, DEFAULT_RECENCY_WEIGHT
from devrel.triage.evaluation import (
    duplicates_table,
    evaluate_duplicates,
    evaluate_triage_folds,
    evaluate_triage_split,
    triage_report,
    triage_table,
)
from devrel.triage.text import Issue
from devrel.triage.zeroshot import KeywordClassifier, LlmClassifier


def register_eval(eval_subparsers: Any) -> None:
    """Add `triage` and `duplicates` to the subcommands of `devrel eval`."""
    triage = eval_subparsers.add_parser("triage", help="issue-type classification: per-class P/R/F1, macro F1",
                                        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    triage.add_argument("--train", type=Path, help="CSV of labelled issues to train on (label,title,body)")
    triage.add_argument("--test", type=Path, help="CSV of labelled issues to score")
    triage.add_argument("--data", type=Path, help="one CSV, scored by k-fold cross-validation")
    triage.add_argument("--folds", type=int, default=5, help="cross-validation folds (with --data)")
    triage.add_argument("--per-repo", action="store_true",
                        help="train and score each repository (repo column) on its own issues only")
    triage.add_argument("--target-precision", type=float, default=TrainingConfig.target_precision)
    triage.add_argument("--calibration-folds", type=int, default=TrainingConfig.calibration_folds,
                        help="inner folds that calibrate the abstention thresholds")
    triage.add_argument("--zero-shot", choices=("keywords", "llm"),
                        help="score the no-history fallback on --data or --test instead of training")
    triage.add_argument("--sample", type=int, help="zero-shot runs: score a random sample of N issues (by --seed)")
    triage.add_argument("--seed", type=int, default=0)
    add_model_arguments(triage)
    triage.set_defaults(func=run_triage)

    duplicates = eval_subparsers.add_parser("duplicates", help="duplicate retrieval: recall@k and MRR vs TF-IDF",
                                            description=__doc__,
                                            formatter_class=argparse.RawDescriptionHelpFormatter)
    duplicates.add_argument("--corpus", required=True, type=Path, help="CSV of reports (id, summary, description)")
    duplicates.add_argument("--pairs", required=True, type=Path, help="CSV of duplicate pairs (id, original id)")
    duplicates.add_argument("--lexical-weight", type=float, default=DEFAULT_LEXICAL_WEIGHT,
                            help="weight of the TF-IDF cosine in the fused score (the rest: embeddings)")
    duplicates.add_argument("--recency-weight", type=float, default=DEFAULT_RECENCY_WEIGHT,
                            help="most the score loses for two reports opened far apart (0: no time penalty)")
    duplicates.add_argument("--recency-days", type=float, default=DEFAULT_RECENCY_DAYS,
                            help="time scale of that penalty: ~63%% of it at this many days apart")
    duplicates.add_argument("--target-precision", type=float, default=0.9)
    duplicates.add_argument("--folds", type=int, default=5,
                            help="cross-validation folds of the labelled duplicates for the threshold's held-out check")
    duplicates.add_argument("--seed", type=int, default=0)
    add_model_arguments(duplicates)
    duplicates.set_defaults(func=run_duplicates)


def run_triage(args: argparse.Namespace) -> int:
    split = args.train is not None or args.test is not None
    if args.zero_shot:
        if split == (args.data is not None) or (split and args.test is None):
            raise SystemExit("eval triage --zero-shot: give --data or --test")
        issues = read_issues(args.data or args.test)
        if args.sample is not None:
            issues = random.Random(args.seed).sample(issues, min(args.sample, len(issues)))
        return _print(_zero_shot(args, issues), args.json, triage_table)
    if split == (args.data is not None) or (split and (args.train is None or args.test is None)):
        raise SystemExit("eval triage: give either --train and --test, or --data (cross-validation)")
    config = TrainingConfig(target_precision=args.target_precision, calibration_folds=args.calibration_folds,
                            seed=args.seed)
    embedder = None if args.no_embeddings else _embedder(args)
    if split:
        report = evaluate_triage_split(read_issues(args.train), read_issues(args.test), embedder, config)
    else:
        report = evaluate_triage_folds(read_issues(args.data), embedder, args.folds, config, args.seed,
                                       per_repo=args.per_repo)
    return _print(report, args.json, triage_table)


def _zero_shot(args: argparse.Namespace, issues: list[Issue]) -> dict[str, Any]:
    labels = tuple(sorted({issue.labels[0] for issue in issues}))
    classifier: KeywordClassifier | LlmClassifier
    if args.zero_shot == "llm":
        classifier = LlmClassifier(build_llm(command_settings(args.data_dir)), labels)
    else:
        classifier = KeywordClassifier(labels)
    started = time.perf_counter()
    predictions: list[Prediction] = [classifier.predict(issue) for issue in issues]
    report = triage_report(issues, predictions, TrainingConfig(target_precision=args.target_precision))
    report.update(mode=f"zero-shot ({args.zero_shot})", issues=len(issues), embedder=None,
                  seconds=round(time.perf_counter() - started, 1))
    return report


def run_duplicates(args: argparse.Namespace) -> int:
    embedder = None if args.no_embeddings else _embedder(args)
    report = evaluate_duplicates(read_reports(args.corpus), read_pairs(args.pairs), embedder,
                                 lexical_weight=args.lexical_weight, target_precision=args.target_precision,
                                 seed=args.seed, folds=args.folds, recency_weight=args.recency_weight,
                                 recency_days=args.recency_days)
    return _print(report, args.json, duplicates_table)


def _print(report: dict[str, Any], as_json: bool, table: Any) -> int:
    print(json.dumps(report) if as_json else table(report))
    return 0


def _embedder(args: argparse.Namespace) -> Any:
    settings = command_settings(args.data_dir)
    return build_embedder(settings, cache_dir=args.cache_dir or knowledge_dir(settings))
