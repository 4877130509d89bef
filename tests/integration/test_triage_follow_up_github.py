"""When the author answers, triage runs again with the issue's reactions as GitHub counts them now:
the real adapter (PyGithub over HTTP) against a stand-in of GitHub's REST API."""

from __future__ import annotations

from typing import Any

from devrel.adapters.issues_github import GithubIssueTracker
from devrel.adapters.outbound_github import GithubPlatform
from devrel.adapters.store_sqlite import SqliteStore
from devrel.usecases.triage_steps import IssueFacts, TriageSteps

NOW = 1_750_000_000.0


class Github:
    def __init__(self, reactions: int) -> None:
        self.reactions = reactions
        self.requests: list[str] = []

    def answer(self, got: Any) -> tuple[int, Any, dict[str, str]]:
        self.requests.append(f"{got.method} {got.path}")
        if got.path == "/repos/o/r/issues/5" and got.method == "GET":
            return 200, {"number": 5, "url": "/repos/o/r/issues/5", "state": "open", "title": "Export hangs",
                         "reactions": {"total_count": self.reactions, "+1": self.reactions}}, {}
        if got.path == "/repos/o/r/issues/5/comments" and got.method == "GET":
            return 200, [{"id": 1, "user": {"login": "alice", "id": 1}, "body": "Version 2.3 on Linux.",
                          "created_at": "2025-06-15T16:00:00Z"}], {}
        return 404, {"message": f"no {got.method} {got.path}"}, {}


def test_the_authors_answer_brings_the_current_reactions_into_priority(stand_in_server: Any, tmp_path: Any) -> None:
    github = Github(reactions=14)
    tracker = GithubIssueTracker(GithubPlatform(stand_in_server(github.answer), token="ghp_follow"))
    steps = TriageSteps(SqliteStore(tmp_path / "store.sqlite"), lambda: NOW, tracker,
                        classifier=lambda: None,  # type: ignore[arg-type,return-value]
                        duplicates=lambda issue, past: [])
    issue = IssueFacts(repository="o/r", number=5, title="Export hangs", body="It is slow.", author="alice",
                       reactions=1)  # the count in the issues.opened webhook
    state: dict[str, Any] = {"issue": issue.model_dump(), "action": {"result": {"acted_at": NOW}}}
    assert steps.priority(state)["level"] == "normal"
    state["follow_up"] = {"result": steps.follow_up(state)}
    assert state["follow_up"]["result"]["answered"] is True and state["follow_up"]["result"]["reactions"] == 14
    assert steps.priority(state) == {"level": "high", "reason": "14 people reacted to it or said they have it too"}
    # The cost: one GET of the issue, beside the comments' listing.
    assert github.requests == ["GET /repos/o/r/issues/5/comments", "GET /repos/o/r/issues/5"]
