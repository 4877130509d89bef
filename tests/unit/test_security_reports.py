"""A report that looks like a vulnerability is never discussed in public: one reply pointing to private
reporting, no labels or duplicate links, the maintainers told privately. "Me too" counts for priority."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devrel.platforms.github import to_inbound_event
from devrel.ports import Item
from devrel.usecases.issue_analysis import analyze, is_me_too
from devrel.usecases.triage_steps import DuplicateCandidate, IssueFacts, TriageSteps, start_triage
from support.fakes import FakeClock, RecordingPlatform, RecordingWorkflows, fake_services

REPORT = ("The upload endpoint is vulnerable to path traversal: a filename like ../../etc/passwd is written "
          "outside the data folder. Version 2.1, steps: upload it.")


@pytest.mark.parametrize("title,body,security", [
    ("SQL injection in the search form", "", True),
    ("Crash", "CVE-2024-12345 affects the bundled zlib", True),
    ("Tokens in logs", "The API leaks tokens in its debug log", True),
    ("Crash on save", "It crashes with ValueError", False),
    ("Add an option for security headers", "", False),
    ("How do I bypass the proxy?", "", False),
])
def test_what_looks_like_a_security_report(title: str, body: str, security: bool) -> None:
    assert analyze(title, body).security is security


def test_me_too_comments_are_short_and_say_so() -> None:
    assert all(is_me_too(text) for text in ["+1", "Me too!", "same here on 3.2", "I'm also seeing this"])
    assert not any(is_me_too(text) for text in ["Here is what I found in the logs", "me " + "too " * 80])


class Tracker:
    def __init__(self) -> None:
        self.comments: list[str] = []
        self.labels: list[str] = []
        self.replies: list[dict[str, Any]] = []

    def comment(self, repository: str, number: int, body: str) -> str:
        self.comments.append(body)
        return str(len(self.comments))

    def add_labels(self, repository: str, number: int, labels: list[str]) -> None:
        self.labels.extend(labels)

    def comments_since(self, repository: str, number: int, since: float) -> list[dict[str, Any]]:
        return self.replies

    def path_authors(self, repository: str, paths: list[str], since: float) -> dict[str, int]:
        return {}

    def can_be_assigned(self, repository: str, login: str) -> bool:
        return True

    def assign(self, repository: str, number: int, logins: list[str]) -> None:
        raise AssertionError("a possible security report is not assigned in public")


def run(services: Any, tracker: Tracker | None, body: str = REPORT, **config: Any
        ) -> tuple[dict[str, Any], TriageSteps]:
    steps = TriageSteps(services.store, services.clock, tracker,
                        classifier=lambda: (lambda title, text: ("bug", 0.9)),
                        duplicates=lambda issue, past: [DuplicateCandidate(number=1, title="old", score=0.99)],
                        bot_login="devrel-bot", activity=services.activity, load=services.assignee_load,
                        platforms=services.platforms)
    issue = IssueFacts(repository="o/r", number=9, title="Uploads", body=body, author="alice",
                       html_url="https://github.com/o/r/issues/9")
    state: dict[str, Any] = {"issue": issue.model_dump(), "run": "r1",
                             "config": {"owners": {"bug": ["bob"]}, "assign": "apply", **config}}
    for key, step in [("analysis", steps.analyze), ("duplicates", steps.find_duplicates),
                      ("classification", steps.classify), ("priority", steps.priority),
                      ("assignees", steps.suggest_assignees), ("completeness", steps.completeness)]:
        state[key] = {"result": step(state)}
    return state, steps


@pytest.fixture
def services(tmp_path: Path) -> Any:
    return fake_services(tmp_path, platforms={"slack": RecordingPlatform("slack")}, clock=FakeClock(5_000.0))


def test_only_a_pointer_to_private_reporting_in_public_and_a_private_alert(services: Any) -> None:
    old = IssueFacts(repository="o/r", number=1, title="old")
    services.store.put(Item("issues#o/r", "0000000001", old.model_dump()))
    tracker = Tracker()
    state, steps = run(services, tracker, maintainers_slack_channel="C0MAINT")
    assert state["duplicates"]["result"]["candidates"] == [] and not state["duplicates"]["result"]["likely"]
    assert state["completeness"]["result"] == {"needs_info": False, "missing": []}
    steps.act(state)
    [comment] = tracker.comments
    assert "https://github.com/o/r/security/advisories/new" in comment and "SECURITY.md" in comment
    assert "traversal" not in comment and "bug" not in comment and "#1" not in comment
    assert tracker.labels == []
    [(_, alert)] = services.platforms["slack"].posted
    assert "https://github.com/o/r/issues/9" in alert.text and "path traversal" in alert.text
    assert "etc/passwd" not in alert.text  # the report's details stay where they are
    kinds = [(a.kind, a.status) for a in services.activity.latest()]
    assert ("alert", "posted") in kinds and ("comment", "posted") in kinds and ("label", "posted") not in kinds
    # Never indexed for duplicates: a later public issue cannot link to it.
    assert services.store.query("issues#o/r") == [services.store.get("issues#o/r", "0000000001")]
    steps.act(state)  # triage running again tells nobody twice
    assert len(tracker.comments) == 1 and len(services.platforms["slack"].posted) == 1


def test_dry_run_posts_nothing_anywhere_and_logs_both(services: Any) -> None:
    tracker = Tracker()
    state, steps = run(services, tracker, dry_run=True, maintainers_slack_channel="C0MAINT")
    result = steps.act(state)
    assert result["security"] and "private vulnerability reporting" in result["comment"]
    assert tracker.comments == [] and services.platforms["slack"].posted == []
    assert {(a.kind, a.status) for a in services.activity.latest()} == {("comment", "dry-run"), ("alert", "dry-run")}


def test_a_report_found_later_is_taken_out_of_the_duplicate_index(services: Any) -> None:
    state, steps = run(services, Tracker(), body="The export crashes. Version 2.1, steps: export.")
    assert services.store.get("issues#o/r", "0000000009") is not None
    state["follow_up"] = {"result": {"answered": True, "issue_body": REPORT}}
    steps.find_duplicates({**state, "analysis": {"result": steps.analyze(state)}})
    assert services.store.get("issues#o/r", "0000000009") is None


def test_me_too_comments_from_other_people_raise_the_priority(services: Any) -> None:
    tracker = Tracker()
    state, steps = run(services, tracker, body="Exporting to PDF makes blank pages. Version 2.1, steps: export.")
    assert state["priority"]["result"]["level"] == "normal"
    tracker.replies = [{"author": f"user{n}", "body": "+1, same here", "created_at": 6_000.0} for n in range(10)]
    tracker.replies += [{"author": "alice", "body": "me too", "created_at": 6_000.0},
                        {"author": "user1", "body": "+1", "created_at": 6_001.0}]
    state["action"] = {"result": {"acted_at": 5_000.0}}
    state["follow_up"] = {"result": steps.follow_up(state)}
    assert state["follow_up"]["result"]["me_too"] == 10  # the author and repeats do not count
    assert steps.priority(state) == {"level": "high", "reason": "10 people reacted to it or said they have it too"}


def test_reactions_on_the_issue_reach_its_priority(services: Any) -> None:
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "issues.opened.15.json"
    payload = json.loads(fixture.read_text())
    payload["issue"].update(title="Exporting to PDF makes blank pages", body="Version 2.1, steps: export.",
                            reactions={"total_count": 12, "+1": 12})
    event = to_inbound_event("issues", "d-r", payload)
    assert event is not None
    workflows = RecordingWorkflows()
    start_triage(event, workflows, "triage", None, {})
    [(_, started, _)] = workflows.started
    assert started["issue"]["reactions"] == 12
    steps = TriageSteps(services.store, services.clock, None, classifier=lambda: (lambda t, b: ("feature", 0.9)),
                        duplicates=lambda issue, past: [])
    started["classification"] = {"result": {"type": "feature"}}
    assert steps.priority(started) == {"level": "high", "reason": "12 people reacted to it or said they have it too"}
