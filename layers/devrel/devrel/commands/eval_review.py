"""`devrel eval review`: the first-pass review measured on real commits of local clones.

    devrel eval review CLONE [CLONE ...] [--commits 100] [--scan 600] [--llm] [--json] [--details FILE]

From each clone's history (newest first, merges left out) commits that change Python code of the
product and no more than --max-lines lines are taken, spread evenly, --commits in all. Each is
reviewed as it is, then once more as a commit with one injected defect (a bare except, a swallowed
error, a hard-coded credential, an unused import, its test changes removed, or a public signature
changed without docs; kinds taken in turn). Reported: comments per clean commit (noise), recall of
the injected defects, and the share of posted comments on lines the commit did not add (the target
is 0). The injected commits are written to a scratch repository that borrows the clone's objects:
the clones themselves are only read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from devrel.commands.common import command_settings
from devrel.models.catalog import ModelNotAvailable
from devrel.ports import PortError
from devrel.review.engine import review_changes
from devrel.review.evaluation import KINDS, Commit, Outcome, found, inject, summarize
from devrel.review.model import ReviewConfig
from devrel.review.paths import kind_of
from devrel.runtime import build_llm, local_changes, review_tools, scratch_changes


def register_eval(eval_subparsers: Any) -> None:
    review = eval_subparsers.add_parser("review", help="noise, recall and off-diff comments of the PR review",
                                        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    review.add_argument("clones", nargs="+", type=Path, help="local clones (bare or not) of Python repositories")
    review.add_argument("--ref", default="HEAD", help="where each clone's history is read from (default: HEAD)")
    review.add_argument("--commits", type=int, default=100, help="commits in all, split between the clones")
    review.add_argument("--scan", type=int, default=600, help="recent commits of each clone to choose from")
    review.add_argument("--max-lines", type=int, default=400, help="largest commit taken (changed lines)")
    review.add_argument("--seed", type=int, default=0, help="where the injected defects go")
    review.add_argument("--llm", action="store_true",
                        help="add the configured model's comments (at the edge: starts the local model)")
    review.add_argument("--details", type=Path, help="write one JSON line per commit here")
    review.add_argument("--data-dir")
    review.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    review.set_defaults(func=run_eval_review)


def eligible(files: list[tuple[str, int, int]], max_lines: int) -> bool:
    """A commit that changes product Python code, and is small enough to be one pull request."""
    lines = sum(added + deleted for _, added, deleted in files)
    return 0 < lines <= max_lines and len(files) <= 30 and \
        any(path.endswith(".py") and kind_of(path) == "code" and added for path, added, _ in files)


def spread(items: list[Any], count: int) -> list[Any]:
    """`count` items evenly spaced over `items` (all of them when there are fewer)."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def _off_diff(comments: list[dict[str, Any]], added: dict[str, set[int]]) -> int:
    return sum(1 for c in comments if c["line"] not in added.get(c["path"], set()))


def evaluate(clones: list[Path], commits: int, scan: int = 600, max_lines: int = 400, ref: str = "HEAD",
             seed: int = 0, llm: Any = None, details: Any = None, progress: Any = None) -> dict[str, Any]:
    """Review each chosen commit clean and injected; the summary of `devrel eval review`."""
    tools = review_tools(llm)
    config = ReviewConfig(model_comments=llm is not None)
    outcomes: list[Outcome] = []
    turn = 0
    counts = dict.fromkeys(KINDS, 0)
    # What the model proposed and why the filter dropped proposals, over every review.
    model: Counter[str] = Counter()

    def tally(review: Any) -> None:
        model["proposed"] += int(review.model.get("proposed") or 0)
        model["kept"] += int(review.model.get("kept") or 0)
        model["errors"] += len(review.model.get("errors") or [])
        for reason, n in (review.model.get("dropped") or {}).items():
            model[f"dropped: {reason}"] += int(n)
    per_clone = -(-commits // len(clones))
    with tempfile.TemporaryDirectory(prefix="devrel-eval-review-") as scratch:
        for index, clone in enumerate(clones):
            tip = local_changes(clone).resolve(ref)  # the scratch repository has the objects, not the refs
            git = scratch_changes(clone, Path(scratch) / f"clone-{index}")
            name = clone.resolve().name if clone.resolve().name not in ("repo", ".git") else clone.resolve().parent.name
            chosen = spread([c for c in git.history(tip, scan) if eligible(c[2], max_lines)],
                            min(per_clone, commits - len(outcomes)))
            for sha, parent, _ in chosen:
                started = time.perf_counter()
                changes = git.change_set(parent, sha, repository=name, history=100)
                clean = review_changes(changes, config, tools)
                tally(clean)
                outcome = Outcome(name, sha, [c.as_dict() for c in clean.comments])
                outcome.off_diff = _off_diff(outcome.clean_comments, git.added_lines(parent, sha))
                commit = Commit(name, sha, parent, changes.files, changes.new_contents, changes.old_contents)
                # The kind injected least so far among those this commit has a place for.
                fits = [i for kind in KINDS if (i := inject(commit, kind, seed)) is not None]
                if fits:
                    injection = min(fits, key=lambda i: (counts[i.kind], (KINDS.index(i.kind) - turn) % len(KINDS)))
                    counts[injection.kind] += 1
                    turn += 1
                    kind = injection.kind
                    variant = git.write_commit(parent, sha, injection.files, f"{changes.title}\n\n[eval] {kind}")
                    injected = git.change_set(parent, variant, title=changes.title, repository=name, history=100)
                    result = review_changes(injected, config, tools)
                    tally(result)
                    outcome.kind = kind
                    outcome.injected_comments = [c.as_dict() for c in result.comments]
                    outcome.detected = found(injection, outcome.injected_comments,
                                             {item.name: item.status for item in result.checklist})
                    outcome.off_diff += _off_diff(outcome.injected_comments, git.added_lines(parent, variant))
                    if details is not None:
                        details.write(json.dumps({"repository": name, "commit": sha, "kind": kind,
                                                  "injected": injection.description, "found": outcome.detected,
                                                  "clean": outcome.clean_comments,
                                                  "with_defect": outcome.injected_comments}) + "\n")
                outcome.seconds = time.perf_counter() - started
                outcomes.append(outcome)
                if progress is not None:
                    progress(len(outcomes), outcome)
    result = summarize(outcomes)
    result["model"] = "configured model" if llm is not None else "none: deterministic checks and ruff"
    if llm is not None:
        result["model_comments"] = dict(model)
    result["linter"] = tools.linter.name if tools.linter is not None else "none"
    return result


def run_eval_review(args: argparse.Namespace) -> int:
    for clone in args.clones:
        if not clone.expanduser().is_dir():
            raise SystemExit(f"eval review: {clone} is not a folder")
    with ExitStack() as stack:
        llm = None
        if args.llm:
            try:
                llm = build_llm(command_settings(args.data_dir, mode="edge"), exit_stack=stack)
            except (ModelNotAvailable, PortError) as error:
                raise SystemExit(f"eval review: no model ({error})") from error
        details = stack.enter_context(args.details.open("w", encoding="utf-8")) if args.details else None

        def progress(done: int, outcome: Outcome) -> None:
            if sys.stderr.isatty():
                print(f"\r{done} commits ({outcome.repository} {outcome.sha[:10]})", end="", file=sys.stderr,
                      flush=True)

        try:
            summary = evaluate([c.expanduser() for c in args.clones], args.commits, args.scan, args.max_lines,
                               args.ref, args.seed, llm, details, progress)
        except PortError as error:
            raise SystemExit(f"eval review: {str(error).splitlines()[0]}") from error
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"commits: {summary['commits']} ({', '.join(f'{k} {v}' for k, v in summary['repositories'].items())})")
    print(f"model: {summary['model']}; linter: {summary['linter']}")
    if "model_comments" in summary:
        print("model comments: " + ", ".join(f"{k} {v}" for k, v in summary["model_comments"].items()))
    print(f"comments per clean commit: {summary['comments_per_clean_commit']} "
          f"({summary['clean_commits_without_comments']:.0%} of clean commits get none)")
    print(f"recall of injected defects: {summary['recall']:.0%} of {summary['injected']}")
    for kind in KINDS:
        value = summary["recall_by_kind"][kind]
        print(f"  {kind:16} {'-' if value is None else f'{value:.0%}':>5} of {summary['injected_by_kind'][kind]}")
    print(f"comments on unchanged lines: {summary['comments_on_unchanged_lines']} of {summary['comments_posted']} "
          f"({summary['share_on_unchanged_lines']:.1%})")
    if summary["clean_comments_by_check"]:
        print("clean commits' comments by check: " + ", ".join(
            f"{check} {n}" for check, n in summary["clean_comments_by_check"].items()))
    print(f"seconds per review: {summary['seconds_per_review']}")
    return 0
