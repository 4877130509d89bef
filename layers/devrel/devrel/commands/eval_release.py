"""`devrel eval release-notes`: ROUGE of drafted notes against published ones.

    devrel eval release-notes --data VAL.csv [--train TRAIN.csv [--out DIR] [--publish]] [--llm] [--json]

For each row (`commits`: the release's commit messages; `release`: its published notes, as in the
ReleaseEval CSV files) the notes are drafted from the messages and scored with ROUGE-1, ROUGE-2 and
ROUGE-L F1 (Google's rouge-score package, Porter stemming), next to a baseline that copies the
messages, in the same run. With --train the classifier of what makes the notes is trained on that
file (its threshold chosen by cross-validation on it, never on --data); without, keyword cues only.
--out saves that model with what it measured here; --publish makes it the one the product drafts with
(`devrel release-notes`, the release state machine): DATA_DIR/release-notes-model at the edge, the
artifacts bucket (DEVREL_ARTIFACTS_BUCKET) in the cloud.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from devrel.commands.common import command_settings
from devrel.release.evaluation import Row, copy_baseline, generated_notes, score_rows
from devrel.release.training import DEFAULT_THRESHOLD, MODEL_ARTIFACT, TrainedKinds, choose_threshold, train_kinds
from devrel.runtime import build_artifacts, build_llm

VARIANTS = ("rouge1", "rouge2", "rougeL")


def register_eval(eval_subparsers: Any) -> None:
    notes = eval_subparsers.add_parser("release-notes", help="ROUGE of drafted release notes vs a copy baseline",
                                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    notes.add_argument("--data", required=True, type=Path, help="CSV with commits and release columns")
    notes.add_argument("--train", type=Path, help="CSV to train the notes classifier on (same columns)")
    notes.add_argument("--threshold", type=float,
                       help=f"the classifier's threshold (default: cross-validated on --train; {DEFAULT_THRESHOLD} "
                            "with --no-cv)")
    notes.add_argument("--no-cv", action="store_true", help="skip the threshold's cross-validation")
    notes.add_argument("--folds", type=int, default=5)
    notes.add_argument("--limit", type=int, help="score only the first N rows of --data")
    notes.add_argument("--llm", action="store_true", help="let the configured model rephrase (checked) lines")
    notes.add_argument("--out", type=Path, help="with --train: save the trained model (and its numbers) here")
    notes.add_argument("--publish", action="store_true",
                       help="with --train: make the trained model the one release notes are drafted with")
    notes.add_argument("--data-dir")
    notes.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    notes.set_defaults(func=run_eval_release)


def read_rows(path: Path) -> list[Row]:
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"commits", "release"} <= set(reader.fieldnames):
                raise SystemExit(f"eval release-notes: {path} needs `commits` and `release` columns")
            return [Row(row["commits"] or "", row["release"] or "") for row in reader]
    except OSError as error:
        raise SystemExit(f"eval release-notes: {error}") from error


def rouge() -> Any:
    try:
        from rouge_score import rouge_scorer
    except ImportError as error:
        raise SystemExit("eval release-notes needs the rouge-score package (pip install rouge-score)") from error
    scorer = rouge_scorer.RougeScorer(list(VARIANTS), use_stemmer=True)
    return lambda reference, generated: {k: v.fmeasure for k, v in scorer.score(reference, generated).items()}


def run_eval_release(args: argparse.Namespace) -> int:
    if (args.out or args.publish) and not args.train:
        raise SystemExit("eval release-notes: --out and --publish need --train (the model to save)")
    rows = read_rows(args.data)[: args.limit]
    if not rows:
        raise SystemExit(f"eval release-notes: {args.data} has no rows")
    scorer = rouge()
    report: dict[str, Any] = {"rows": len(rows), "data": str(args.data)}
    started = time.perf_counter()
    report["copy_baseline"] = score_rows(rows, copy_baseline, scorer)
    report["keywords"] = score_rows(rows, generated_notes, scorer)
    report["keywords_seconds"] = round(time.perf_counter() - started, 2)
    model = None
    if args.train:
        training = read_rows(args.train)
        threshold = args.threshold
        if threshold is None and not args.no_cv:
            threshold, report["cv_rougeL_by_threshold"] = choose_threshold(training, scorer, folds=args.folds)
        step = time.perf_counter()
        model = train_kinds(training, threshold if threshold is not None else DEFAULT_THRESHOLD)
        report["trained"] = score_rows(rows, lambda commits: generated_notes(commits, model), scorer)
        report.update(threshold=model.threshold, trained_seconds=round(time.perf_counter() - step, 2))
    if args.llm:
        llm = build_llm(command_settings(args.data_dir))
        step = time.perf_counter()
        report["llm"] = score_rows(rows, lambda commits: generated_notes(commits, model, llm), scorer)
        report["llm_seconds"] = round(time.perf_counter() - step, 2)
    best = report.get("llm") or report.get("trained") or report["keywords"]
    baseline = report["copy_baseline"]["rougeL"]
    report["rougeL_vs_baseline"] = round(best["rougeL"] / baseline, 2) if baseline else None
    if model is not None and (args.out or args.publish):
        save(model, report, args)
    print(json.dumps(report) if args.json else table(report))
    return 0


def table(report: dict[str, Any]) -> str:
    lines = [f"{report['rows']} rows of {report['data']}", f"{'':22}" + "".join(f"{v:>10}" for v in VARIANTS)]
    labels = (("copy_baseline", "copy the commits"), ("keywords", "notes, keyword kinds"),
              ("trained", f"notes, trained (t={report.get('threshold')})"), ("llm", "notes + model phrasing"))
    for name, label in labels:
        if name in report:
            lines.append(f"{label:22}" + "".join(f"{report[name][v]:>10.2f}" for v in VARIANTS))
    if "cv_rougeL_by_threshold" in report:
        folds = ", ".join(f"{t}: {v}" for t, v in report["cv_rougeL_by_threshold"].items())
        lines.append(f"threshold by cross-validation on --train (ROUGE-L): {folds}")
    lines.append(f"ROUGE-L vs the copy baseline: {report['rougeL_vs_baseline']}x")
    if "model" in report or "published" in report:
        lines.append(f"model saved to {report.get('model', 'the artifacts')}"
                     + (f", published as {report['published']}" if "published" in report else ""))
    return "\n".join(lines)


def save(model: TrainedKinds, report: dict[str, Any], args: argparse.Namespace) -> None:
    """The model with the numbers measured here (kept in its model.json), and published when asked."""
    measured = {key: report.get(key) for key in ("data", "rows", "copy_baseline", "keywords", "trained",
                                                  "cv_rougeL_by_threshold", "rougeL_vs_baseline")}
    measured["train"] = str(args.train)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.out or Path(scratch) / MODEL_ARTIFACT
        model.save(folder, measured)
        if args.out:
            report["model"] = str(folder)
        if args.publish:
            build_artifacts(command_settings(args.data_dir)).publish(MODEL_ARTIFACT, folder)
            report["published"] = MODEL_ARTIFACT
