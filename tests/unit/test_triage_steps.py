"""Triage policy with a recording tracker (a fake: the real GitHub adapter is exercised end to end)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.ports import Item
from devrel.usecases.triage_steps import Classifier, DuplicateCandidate, DuplicateScorer, IssueFacts, TriageSteps
from support.fakes import FakeClock, fake_services


class RecordingTracker:
    def __init__(self) -> None:
        self.comments: list[str] = []
        self.labels: list[str] = []
        self.replies: list[dict[str, Any]] = []
        self.reaction_contents: list[str] = []
        self.closed: list[str] = []

    def comment(self, repository: str, number: int, body: str) -> str:
        self.comments.append(body)
        return str(len(self.comments))

    def add_labels(self, repository: str, number: int, labels: list[str]) -> None:
        self.labels.extend(labels)

    def comments_since(self, repository: str, number: int, since: float) -> list[dict[str, Any]]:
        return [reply for reply in self.replies if reply["created_at"] >= since]

    def repository_config(self, repository: str) -> dict[str, Any]:
        return {}

    def reactions(self, repository: str, number: int, comment_id: str) -> list[str]:
        return self.reaction_contents

    def close(self, repository: str, number: int, reason: str) -> None:
        self.closed.append(reason)


@pytest.fixture
def services(tmp_path: Path) -> Any:
    return fake_services(tmp_path, clock=FakeClock(1_000.0), github_bot_login="devrel-bot")


def steps(services: Any, tracker: RecordingTracker | None = None, classifier: Classifier | None = None,
          scorer: DuplicateScorer | None = None) -> TriageSteps:
    """The triage steps with the given fakes; a step given no classifier or scorer must not use one."""
    def unused(*args: Any) -> Any:
        raise AssertionError("this step was not expected to need it")

    return TriageSteps(services.store, services.clock, tracker, classifier=lambda: classifier or unused,
                       duplicates=scorer or unused, bot_login=services.settings.github_bot_login)


def state(body: str = "It crashes with an error.", **config: Any) -> dict[str, Any]:
    issue = IssueFacts(repository="o/r", number=5, title="Crash on save", body=body, author="alice")
    return {"issue": issue.model_dump(), "config": config}


def run_through_completeness(current: dict[str, Any], services: Any, issue_type: str | None = "bug") -> None:
    current["analysis"] = {"result": steps(services).analyze(current)}
    current["duplicates"] = {"result": steps(services, scorer=lambda issue, past: []).find_duplicates(current)}
    current["classification"] = {
        "result": steps(services, classifier=lambda t, b: (issue_type, 0.9)).classify(current)}
    current["priority"] = {"result": steps(services).priority(current)}
    current["assignees"] = {"result": steps(services).suggest_assignees(current)}
    current["completeness"] = {"result": steps(services).completeness(current)}


def test_act_posts_one_explained_comment_and_only_configured_labels(services: Any) -> None:
    tracker = RecordingTracker()
    current = state()
    run_through_completeness(current, services)
    result = steps(services, tracker).act(current)
    assert tracker.labels == ["bug", "needs-info"] == result["labels"]
    assert len(tracker.comments) == 1
    assert "**bug**" in tracker.comments[0] and "the version you are running" in tracker.comments[0]


def test_an_abstaining_classifier_adds_no_type_label(services: Any) -> None:
    tracker = RecordingTracker()
    current = state(body="Version 1.0. Steps to reproduce: x. Expected y but instead z.")
    run_through_completeness(current, services, issue_type=None)
    steps(services, tracker).act(current)
    assert tracker.labels == []
    assert "looks like" not in tracker.comments[0]


def test_dry_run_suggests_without_acting(services: Any) -> None:
    tracker = RecordingTracker()
    current = state(dry_run=True)
    run_through_completeness(current, services)
    result = steps(services, tracker).act(current)
    assert result["dry_run"] and result["labels"] == ["bug", "needs-info"]
    assert tracker.comments == [] and tracker.labels == []


def test_duplicates_below_the_threshold_are_not_reported(services: Any) -> None:
    services.store.put(Item(pk="issues#o/r", sk="0000000001",
                                         data=IssueFacts(repository="o/r", number=1, title="old").model_dump()))
    scores = [DuplicateCandidate(number=1, title="old", score=0.9), DuplicateCandidate(number=2, title="x", score=0.2)]
    result = steps(services, scorer=lambda issue, past: scores).find_duplicates(state(duplicate_threshold=0.5))
    assert [c["number"] for c in result["candidates"]] == [1] and result["likely"]
    result = steps(services, scorer=lambda issue, past: scores).find_duplicates(state(duplicate_threshold=0.95))
    assert (result["candidates"], result["likely"], result["threshold"]) == ([], False, 0.95)


def test_follow_up_counts_only_the_authors_new_comments(services: Any) -> None:
    tracker = RecordingTracker()
    current = state()
    current["action"] = {"result": {"acted_at": 1_000.0}}
    tracker.replies = [{"author": "mallory", "body": "version 9.9", "created_at": 1_001.0},
                       {"author": "alice", "body": "old", "created_at": 900.0}]
    assert steps(services, tracker).follow_up(current)["answered"] is False
    tracker.replies.append({"author": "alice", "body": "version 2.0", "created_at": 1_002.0})
    result = steps(services, tracker).follow_up(current)
    assert result["answered"] is True and result["issue_body"].endswith("version 2.0")


def test_assignees_are_the_least_loaded_owners(services: Any) -> None:
    current = state(owners={"bug": ["bob", "carol"], "*": ["dave"]})
    current["classification"] = {"result": {"labels": ["bug"]}}
    services.store.put(Item(pk="assigned#bob", sk="o/r#1"))
    assert steps(services).suggest_assignees(current)["assignees"] == ["carol", "bob"]
    current["classification"] = {"result": {"labels": ["question"]}}
    assert steps(services).suggest_assignees(current)["assignees"] == ["dave"]


def duplicate_state() -> dict[str, Any]:
    current = state()
    current["action"] = {"result": {"acted_at": 1_000.0, "comment_id": "7"}}
    current["duplicates"] = {"result": {"likely": True, "candidates": [
        {"number": 3, "title": "old", "score": 0.9, "url": "https://github.com/o/r/issues/3"}]}}
    return current


@pytest.mark.parametrize("replies,reactions,close", [
    ([], [], True),                                                          # nobody objected
    ([{"author": "alice", "body": "Yes, same issue", "created_at": 1_001.0}], [], True),   # author confirmed
    ([{"author": "alice", "body": "No, mine is on Windows", "created_at": 1_001.0}], [], False),
    ([{"author": "bob", "body": "I see this too", "created_at": 1_001.0}], [], False),     # new activity
    ([{"author": "devrel-bot", "body": "ignored", "created_at": 1_001.0}], [], True),      # our own comments
    ([], ["-1"], False),                                                     # a thumbs-down
])
def test_duplicate_verdict(services: Any, replies: list[dict[str, Any]], reactions: list[str], close: bool) -> None:
    tracker = RecordingTracker()
    tracker.replies, tracker.reaction_contents = replies, reactions
    assert steps(services, tracker).duplicate_verdict(duplicate_state())["close"] is close


def test_closing_links_the_original_and_uses_not_planned(services: Any) -> None:
    tracker = RecordingTracker()
    current = duplicate_state()
    current["verdict"] = {"result": {"close": True, "reason": "no objection during the wait"}}
    assert steps(services, tracker).close_duplicate(current)["closed"] is True
    assert tracker.closed == ["not_planned"]
    assert "https://github.com/o/r/issues/3" in tracker.comments[0]


def test_learned_repository_labels_are_applied_or_suggested(services: Any) -> None:
    tracker = RecordingTracker()
    current = state(body="Version 1.0. Steps to reproduce: x. Expected y but instead z.")

    def labeler(title: str, body: str) -> tuple[dict[str, float], dict[str, float]]:
        return {"area/ui": 0.93, "bug": 0.9}, {"area/docs": 0.61, "enhancement": 0.7}

    classified = TriageSteps(services.store, services.clock, None, classifier=lambda: (lambda t, b: ("bug", 0.9)),
                             duplicates=lambda issue, past: [], labeler=lambda: labeler).classify(current)
    # The type label stays the classifier's; the model adds the area, and suggests what it is unsure of.
    assert classified["labels"] == ["bug", "area/ui"] and classified["suggested_labels"] == {"area/docs": 0.61}
    run_through_completeness(current, services)
    current["classification"] = {"result": classified}
    steps(services, tracker).act(current)
    assert tracker.labels == ["bug", "area/ui"]
    assert "Labels a maintainer may want to add: `area/docs` (0.61)." in tracker.comments[0]


class ReactingTracker(RecordingTracker):
    def __init__(self, count: int | None) -> None:
        super().__init__()
        self.count = count
        self.reads = 0

    def issue_reactions(self, repository: str, number: int) -> int:
        self.reads += 1
        if self.count is None:
            raise RuntimeError("GitHub is down")
        return self.count


def test_reactions_are_read_again_only_when_the_author_answers_and_kept_afterwards(services: Any) -> None:
    current = state()
    current["issue"]["reactions"] = 2
    current["action"] = {"result": {"acted_at": 1_000.0}}
    tracker = ReactingTracker(12)
    assert steps(services, tracker).follow_up(current).get("reactions") is None and tracker.reads == 0  # no answer
    assert steps(services, tracker).priority(current)["level"] == "normal"
    tracker.replies = [{"author": "alice", "body": "version 2.0", "created_at": 1_001.0}]
    current["follow_up"] = {"result": steps(services, tracker).follow_up(current)}
    assert current["follow_up"]["result"]["reactions"] == 12 and tracker.reads == 1
    assert steps(services, tracker).priority(current)["level"] == "high"
    current["action"] = {"result": {"acted_at": 2_000.0}}  # a later round, nobody wrote: the count stays
    assert steps(services, tracker).follow_up(current)["reactions"] == 12 and tracker.reads == 1
    failing = ReactingTracker(None)
    failing.replies = tracker.replies
    current = state()
    current["issue"]["reactions"] = 2
    current["action"] = {"result": {"acted_at": 1_000.0}}
    result = steps(services, failing).follow_up(current)
    assert result["answered"] and "reactions" not in result  # the webhook's count stands
