"""`devrel train --data CSV --out DIR`: learn a repository's issue labels from its labelled history.

The CSV has `label,title,body` columns (a label cell may list several labels separated by `|`
for `--multi-label`). The model folder holds model.json and weights.npz; per-label thresholds
are calibrated on held-out folds to `--target-precision`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from devrel.commands.common import add_model_arguments, command_settings, knowledge_dir
from devrel.runtime import build_artifacts, build_embedder
from devrel.triage.classifier import IssueClassifier, TrainingConfig
from devrel.triage.datasets import read_issues
from devrel.usecases.triage_models import MODEL_ARTIFACT


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("train", help="train the issue label classifier on labelled issues",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="CSV of labelled issues (label,title,body)")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the model to")
    parser.add_argument("--target-precision", type=float, default=TrainingConfig.target_precision,
                        help="precision each label must reach on held-out issues before it is applied")
    parser.add_argument("--folds", type=int, default=TrainingConfig.calibration_folds,
                        help="held-out folds used to calibrate the thresholds")
    parser.add_argument("--multi-label", action="store_true", help="issues may carry several labels (area labels)")
    parser.add_argument("--publish", action="store_true",
                        help="make this model the one triage uses: DATA_DIR/triage-model at the edge, the "
                             "artifacts bucket (DEVREL_ARTIFACTS_BUCKET) in the cloud")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    issues = read_issues(args.data)
    embedder = None if args.no_embeddings else _embedder(args)
    config = TrainingConfig(target_precision=args.target_precision, calibration_folds=args.folds,
                            multi_label=args.multi_label)
    model = IssueClassifier.train(issues, embedder, config)
    model.save(args.out)
    if args.publish:
        settings = command_settings(args.data_dir)
        build_artifacts(settings).publish(MODEL_ARTIFACT, args.out)
    counts = Counter(label for issue in issues for label in issue.labels)
    summary = {
        "model": str(args.out),
        "published": bool(args.publish),
        "issues": len(issues),
        "labels": {label: counts[label] for label in model.labels},
        "thresholds": model.thresholds,
        "target_precision": config.target_precision,
        "embedder": model.embedding.name if model.embedding else None,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"trained on {len(issues)} issues -> {args.out}  ({summary['seconds']} s, embedder {summary['embedder']})")
    for label in model.labels:
        threshold = model.thresholds[label]
        shown = "never applied (target not reached)" if threshold is None else f"applied at score >= {threshold:.3f}"
        print(f"  {label:<20} {counts[label]:>6} issues  {shown}")
    return 0


def _embedder(args: argparse.Namespace) -> Any:
    settings = command_settings(args.data_dir)
    return build_embedder(settings, cache_dir=args.cache_dir or knowledge_dir(settings))
