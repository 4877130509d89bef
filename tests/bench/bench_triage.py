"""Triage quality on the public data sets, edge mode (MiniLM int8 ONNX), with wall times.

Issue types: 5-fold cross-validation on the NLBSE'24 train split, one model over all repositories
and one model per repository. Duplicates: recall@k and MRR on the GitBugs Hadoop pairs against a
plain TF-IDF baseline. Embeddings are cached under --cache-dir, so a second run skips the model.

    .venv/bin/python tests/bench/bench_triage.py --datasets ../shared/datasets [--cache-dir .devrel/cache]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from devrel.commands.common import command_settings, knowledge_dir
from devrel.runtime import build_embedder
from devrel.triage.datasets import read_issues, read_pairs, read_reports
from devrel.triage.evaluation import duplicates_table, evaluate_duplicates, evaluate_triage_folds, triage_table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write every report to this file")
    args = parser.parse_args()

    settings = command_settings(None)
    embedder = build_embedder(settings, cache_dir=args.cache_dir or knowledge_dir(settings))
    reports = {}
    issues = read_issues(args.datasets / "nlbse24" / "issues_train.csv")
    for per_repo in (False, True):
        started = time.perf_counter()
        report = evaluate_triage_folds(issues, embedder, args.folds, per_repo=per_repo)
        print(triage_table(report), f"\nwall time {time.perf_counter() - started:.1f} s\n", flush=True)
        reports["triage_per_repo" if per_repo else "triage"] = report

    gitbugs = args.datasets / "gitbugs-hadoop"
    started = time.perf_counter()
    corpus, pairs = read_reports(gitbugs / "hadoop_bugs.csv"), read_pairs(gitbugs / "hadoop_bugs-train.csv")
    report = evaluate_duplicates(corpus, pairs, embedder)
    print(duplicates_table(report), f"\nwall time {time.perf_counter() - started:.1f} s", flush=True)
    reports["duplicates"] = report
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
