"""`devrel train --data CSV --out DIR` or `devrel train --repo OWNER/NAME --out DIR`: learn a
repository's issue labels from its labelled history.

The CSV has `label,title,body` columns (a label cell may list several labels separated by `|`
for `--multi-label`). With `--repo` the training set is the repository's own issues from GitHub,
open and closed, with every label (type and area) that enough of them carry; each label's
precision is then cross-validated, and a label below `--target-precision` is kept for suggestions
only (never applied). The model folder holds model.json and weights.npz; per-label thresholds are
calibrated on held-out folds to `--target-precision`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from devrel.commands.common import add_model_arguments, command_settings, knowledge_dir
from devrel.runtime import build_artifacts, build_embedder, build_services, github_history
from devrel.triage.classifier import IssueClassifier, TrainingConfig
from devrel.triage.datasets import read_issues
from devrel.triage.evaluation import label_precision_folds
from devrel.triage.text import Issue
from devrel.usecases.triage_models import MODEL_ARTIFACT


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("train", help="train the issue label classifier on labelled issues",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="CSV of labelled issues (label,title,body)")
    source.add_argument("--repo", metavar="OWNER/NAME", help="the repository's own labelled issues from GitHub "
                                                             "(needs DEVREL_GITHUB_TOKEN); multi-label")
    parser.add_argument("--issues", type=int, default=1000, help="with --repo: its newest N issues")
    parser.add_argument("--min-label-issues", type=int, default=10,
                        help="with --repo: learn only labels at least this many issues carry")
    parser.add_argument("--cross-validate", action="store_true",
                        help="report each label's held-out precision (always with --repo)")
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


# Labels about the state of an issue, not its content: never learned.
WORKFLOW_LABELS = frozenset({"duplicate", "possible-duplicate", "invalid", "wontfix", "won't fix", "stale",
                             "needs-info", "needs info", "needs triage", "triage", "good first issue",
                             "help wanted", "pinned", "security"})


def repository_issues(repository: str, data_dir: str | None, limit: int, min_issues: int) -> list[Issue]:
    """The repository's issues with the labels worth learning (type and area; no workflow labels)."""
    services = build_services(command_settings(data_dir))
    history = github_history(services)
    if history is None:
        raise SystemExit("train: --repo needs DEVREL_GITHUB_TOKEN (or a GitHub App)")
    past = list(history.past_issues(repository, limit))
    counts = Counter(label for issue in past for label in set(issue.labels))
    learned = {label for label, count in counts.items() if count >= min_issues and label.lower() not in WORKFLOW_LABELS}
    return [Issue(issue.title, issue.body, labels=tuple(sorted(set(issue.labels) & learned)),
                  issue_id=str(issue.number)) for issue in past]


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    issues = (repository_issues(args.repo, args.data_dir, args.issues, args.min_label_issues) if args.repo
              else read_issues(args.data))
    embedder = None if args.no_embeddings else _embedder(args)
    config = TrainingConfig(target_precision=args.target_precision, calibration_folds=args.folds,
                            multi_label=args.multi_label or bool(args.repo))
    model = IssueClassifier.train(issues, embedder, config)
    checked: dict[str, dict[str, Any]] = {}
    if args.repo or args.cross_validate:
        checked = label_precision_folds(issues, embedder, config, args.folds)
        for label, measured in checked.items():
            precision = measured["precision"]
            if label in model.thresholds and (precision is None or precision < config.target_precision):
                model.thresholds[label] = None  # below the target on unseen issues: suggested, never applied
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
        "cross_validated": checked or None,
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
        shown = "suggested only (target not reached)" if threshold is None else f"applied at score >= {threshold:.3f}"
        measured = checked.get(label)
        held_out = "" if not measured else (f"  held-out precision {measured['precision']}, recall "
                                            f"{measured['recall']} ({measured['applied']} applied)")
        print(f"  {label:<20} {counts[label]:>6} issues  {shown}{held_out}")
    return 0


def _embedder(args: argparse.Namespace) -> Any:
    settings = command_settings(args.data_dir)
    return build_embedder(settings, cache_dir=args.cache_dir or knowledge_dir(settings))
