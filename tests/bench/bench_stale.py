"""Stale sweep over a large repository: generated open issues served by a GitHub API stand-in over
HTTP (the real PyGithub client), against a bare listing of the same issues in the same run.

    .venv/bin/python tests/bench/bench_stale.py [--issues 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared stand-ins

from devrel.activity import ActivityLog
from devrel.adapters.issues_github import GithubIssueTracker
from devrel.adapters.outbound_github import GithubPlatform
from devrel.adapters.store_sqlite import SqliteStore
from devrel.usecases.assignees import AssigneeLoad
from devrel.usecases.stale import StaleSweep
from support.stale_github import GithubStandIn
from support.stand_in import start_stand_in


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=10_000)
    args = parser.parse_args()
    github = GithubStandIn(args.issues, time.time())
    url, server = start_stand_in(github.answer)
    tracker = GithubIssueTracker(GithubPlatform(url, token="ghp_bench"))
    started = time.perf_counter()
    listed = len(tracker.open_items("o/r"))
    listing_seconds = time.perf_counter() - started
    listing_calls = len(github.calls)
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "store.sqlite")
        # As the daily job runs it: the same listing also corrects who holds which open issue.
        sweep = StaleSweep(tracker, store, ActivityLog(store), time.time, "devrel-bot", load=AssigneeLoad(store))
        github.calls.clear()
        started = time.perf_counter()
        report = sweep.sweep("o/r")
        seconds = time.perf_counter() - started
    server.shutdown()
    print(f"{listed} open issues: listing alone {listing_seconds:.2f} s, {listing_calls} API calls")
    print(f"stale sweep: {seconds:.2f} s ({seconds / listing_seconds:.2f}x the listing), {len(github.calls)} API calls,"
          f" {report.candidates} candidates, decisions {report.decisions}")


if __name__ == "__main__":
    main()
