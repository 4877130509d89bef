"""The stale sweep through the real GitHub adapter (PyGithub over HTTP) against a stand-in of GitHub's
REST API: listing, timelines, the reminder, the label, and the API calls a large repository costs."""

from __future__ import annotations

import time
from typing import Any

import pytest

from devrel.activity import ActivityLog
from devrel.adapters.issues_github import GithubIssueTracker
from devrel.adapters.outbound_github import GithubPlatform
from devrel.adapters.store_sqlite import SqliteStore
from devrel.usecases.stale import StaleSweep
from support.stale_github import GithubStandIn


@pytest.fixture
def world(stand_in_server: Any, tmp_path: Any) -> tuple[GithubStandIn, StaleSweep, ActivityLog]:
    now = time.time()
    github = GithubStandIn(issues=250, now=now)
    url = stand_in_server(github.answer)
    tracker = GithubIssueTracker(GithubPlatform(url, token="ghp_stale"))
    store = SqliteStore(tmp_path / "store.sqlite")
    activity = ActivityLog(store)
    return github, StaleSweep(tracker, store, activity, time.time, "devrel-bot"), activity


def test_one_reminder_for_the_issue_waiting_on_its_author_and_few_calls(world: Any) -> None:
    github, sweep, activity = world
    report = sweep.sweep("o/r")
    assert (report.items, report.candidates, report.decisions) == (250, 1, {"remind": 1})
    [(number, body)] = github.comments
    assert number == 1 and "friendly reminder" in body and "@alice" in body
    listing = [call for call in github.calls if call == ("GET", "/repos/o/r/issues")]
    timelines = [call for call in github.calls if call[1].endswith("/timeline")]
    assert len(listing) == 3 and len(timelines) == 1  # 3 pages of 100; a timeline only for the candidate
    # The policy files (4), the listing (3), the candidate and its reminder: nothing per listed issue.
    assert len(github.calls) <= 11
    assert [a.kind for a in activity.latest()] == ["nudge"]
    # Run again the same day: already reminded, nothing more is posted.
    assert sweep.sweep("o/r").decisions == {"none": 1}
    assert len(github.comments) == 1
