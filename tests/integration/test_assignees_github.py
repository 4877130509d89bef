"""Assignees through the real GitHub adapter (PyGithub over HTTP) against a stand-in of GitHub's REST
API: who changed the mentioned paths (the commits API), GitHub's assignability check, the assignment."""

from __future__ import annotations

import json
from typing import Any

from devrel.adapters.issues_github import GithubIssueTracker
from devrel.adapters.outbound_github import GithubPlatform
from devrel.adapters.store_sqlite import SqliteStore
from devrel.records import ActivityLog
from devrel.usecases.assignees import AssigneeLoad
from devrel.usecases.triage_steps import IssueFacts, TriageSteps

NOW = 1_750_000_000.0


class Github:
    def __init__(self) -> None:
        self.commit_queries: list[dict[str, list[str]]] = []
        self.assigned: list[list[str]] = []

    def answer(self, got: Any) -> tuple[int, Any, dict[str, str]]:
        if got.path == "/repos/o/r/commits":
            self.commit_queries.append(got.query)
            if got.query["path"] == ["src/gone.py"]:
                return 404, {"message": "Not Found"}, {}
            authors = [{"login": "carol", "id": 3}, {"login": "carol", "id": 3}, None,
                       {"login": "renovate[bot]", "id": 9}]
            return 200, [{"sha": f"s{i}", "commit": {"message": "m"}, "author": author}
                         for i, author in enumerate(authors)], {}
        if got.path.startswith("/repos/o/r/assignees/"):
            return (204, b"", {}) if got.path.endswith("/carol") else (404, {"message": "Not Found"}, {})
        if got.path == "/repos/o/r/issues/5" and got.method == "GET":
            return 200, {"number": 5, "url": "/repos/o/r/issues/5", "state": "open", "title": "t"}, {}
        if got.path == "/repos/o/r/issues/5/assignees" and got.method == "POST":
            self.assigned.append(json.loads(got.body)["assignees"])
            return 201, {"number": 5, "state": "open", "title": "t"}, {}
        if got.path == "/repos/o/r/issues/5/comments" and got.method == "POST":
            return 201, {"id": 1, "body": json.loads(got.body)["body"]}, {}
        return 404, {"message": f"no {got.method} {got.path}"}, {}


def test_recent_changers_are_found_checked_and_assigned(stand_in_server: Any, tmp_path: Any) -> None:
    github = Github()
    tracker = GithubIssueTracker(GithubPlatform(stand_in_server(github.answer), token="ghp_assign"))
    assert tracker.path_authors("o/r", ["src/net.py", "src/gone.py"], NOW) == {"carol": 2}
    assert github.commit_queries[0]["since"] == ["2025-06-15T15:06:40Z"]
    assert tracker.can_be_assigned("o/r", "carol") and not tracker.can_be_assigned("o/r", "mallory")

    store = SqliteStore(tmp_path / "store.sqlite")
    activity = ActivityLog(store)
    steps = TriageSteps(store, lambda: NOW, tracker, classifier=lambda: None,  # type: ignore[arg-type,return-value]
                        duplicates=lambda issue, past: [], activity=activity, load=AssigneeLoad(store))
    issue = IssueFacts(repository="o/r", number=5, title="Slow", body="Slow in `src/net.py`.", author="alice")
    state: dict[str, Any] = {"issue": issue.model_dump(), "config": {"assign": "apply"}}
    state["analysis"] = {"result": steps.analyze(state)}
    state["assignees"] = {"result": steps.suggest_assignees(state)}
    assert state["assignees"]["result"]["assignees"] == ["carol"]
    steps.act(state)
    assert github.assigned == [["carol"]]
    assert [(a.kind, a.status) for a in activity.latest()][::-1] == [("comment", "posted"), ("assign", "posted")]
