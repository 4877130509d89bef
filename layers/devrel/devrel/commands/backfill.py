"""`devrel backfill PATH`: load a repository's past into the health metrics.

From a local clone's git log: every commit (author, time, paths changed) for bus factor, docs
changes and contributors. Then `devrel health` (or /api/metrics, the dashboard) shows the numbers.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from devrel.commands.common import command_settings
from devrel.ports import PortError
from devrel.records import CommitLog
from devrel.runtime import build_store, git_history

DAY = 86400


def register(subparsers: Any) -> None:
    backfill = subparsers.add_parser("backfill", help="load a clone's history into the health metrics",
                                     description=__doc__)
    backfill.add_argument("path", type=Path, help="a local clone")
    backfill.add_argument("--repo", help="OWNER/NAME the history belongs to (default: DEVREL_PROJECT_REPOSITORY)")
    backfill.add_argument("--days", type=int, default=400, help="how far back (default 400 days)")
    backfill.add_argument("--data-dir")
    backfill.set_defaults(func=run_backfill)
    health = subparsers.add_parser("health", help="the community-health report (JSON)")
    health.add_argument("--weeks", type=int, default=12)
    health.add_argument("--data-dir")
    health.set_defaults(func=run_health)


def run_backfill(args: argparse.Namespace) -> int:
    settings = command_settings(args.data_dir)
    repository = args.repo or settings.project_repository or "local"
    commits = CommitLog(build_store(settings))
    count = 0
    started = time.perf_counter()
    try:
        for commit in git_history(args.path).commits(time.time() - args.days * DAY):
            commits.add(repository, commit.sha, commit.author, commit.at, commit.files)
            count += 1
    except PortError as error:
        raise SystemExit(f"backfill: {error}") from error
    print(f"{repository}: {count} commits of the last {args.days} days loaded in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


def run_health(args: argparse.Namespace) -> int:
    from devrel.runtime import build_services

    print(json.dumps(build_services(command_settings(args.data_dir)).health(args.weeks), indent=2))
    return 0
