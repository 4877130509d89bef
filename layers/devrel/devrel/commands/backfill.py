"""`devrel backfill PATH`: load a repository's past into the health metrics.

From a local clone's git log: every commit (author, time, paths changed) for bus factor, docs
changes and contributors. With `--github OWNER/NAME` and a GitHub token configured, also the
issues and pull requests (opened, comments, closed, merged) for response and close times, and the
past issues, open and closed, into triage's duplicate index. Then `devrel health` (or
/api/metrics, the dashboard) shows the numbers.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from devrel.commands.common import command_settings
from devrel.health.sentiment import score
from devrel.ports import PortError
from devrel.records import CommitLog
from devrel.runtime import build_services, build_store, git_history, github_history

DAY = 86400


def register(subparsers: Any) -> None:
    backfill = subparsers.add_parser("backfill", help="load a clone's history into the health metrics",
                                     description=__doc__)
    backfill.add_argument("path", type=Path, nargs="?", help="a local clone")
    backfill.add_argument("--github", metavar="OWNER/NAME", help="also load its issues and pull requests")
    backfill.add_argument("--issues", type=int, default=500, help="at most this many issues and PRs (--github)")
    backfill.add_argument("--repo", help="OWNER/NAME the history belongs to (default: DEVREL_PROJECT_REPOSITORY)")
    backfill.add_argument("--days", type=int, default=400, help="how far back (default 400 days)")
    backfill.add_argument("--data-dir")
    backfill.set_defaults(func=run_backfill)
    health = subparsers.add_parser("health", help="the community-health report (JSON)")
    health.add_argument("--weeks", type=int, default=12)
    health.add_argument("--repo", help="OWNER/NAME whose history to report (default: DEVREL_PROJECT_REPOSITORY)")
    health.add_argument("--data-dir")
    health.set_defaults(func=run_health)


def run_backfill(args: argparse.Namespace) -> int:
    if not args.path and not args.github:
        raise SystemExit("backfill: give a local clone, --github OWNER/NAME, or both")
    settings = command_settings(args.data_dir)
    repository = args.repo or args.github or settings.project_repository or "local"
    since = time.time() - args.days * DAY
    started = time.perf_counter()
    try:
        if args.path:
            commits = CommitLog(build_store(settings))
            count = 0
            for commit in git_history(args.path).commits(since):
                commits.add(repository, commit.sha, commit.author, commit.at, commit.files)
                count += 1
            print(f"{repository}: {count} commits of the last {args.days} days")
        if args.github:
            services = build_services(settings)
            history = github_history(services)
            if history is None:
                raise SystemExit("backfill: --github needs DEVREL_GITHUB_TOKEN (or a GitHub App)")
            loaded = 0
            for event in history.events(args.github, since, args.issues):
                if event.actor is not None and event.actor.is_bot:
                    continue  # the webhooks leave bots out of the log too
                services.event_log.append(event, sentiment=score(event.text) if event.text.strip() else None)
                loaded += 1
            print(f"{args.github}: {loaded} issue and pull request events")
            # The duplicate index over the whole history, with the endings that calibrate its threshold.
            from devrel.usecases.duplicate_history import load_history
            from devrel.usecases.triage_models import earlier_best_scores

            report = load_history(services.store, args.github, history.past_issues(args.github, args.issues),
                                  earlier_best_scores(lambda: services.embedder))
            print(f"{args.github}: {report.issues} issues in the duplicate index ({report.marked_duplicates} marked "
                  f"as duplicates); duplicate threshold {report.threshold:.2f}: {report.threshold_basis}")
    except PortError as error:
        raise SystemExit(f"backfill: {error}") from error
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    return 0


def run_health(args: argparse.Namespace) -> int:
    from devrel.runtime import build_services

    print(json.dumps(build_services(command_settings(args.data_dir)).health(args.weeks, args.repo), indent=2))
    return 0
