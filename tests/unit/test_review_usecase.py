"""The review's trigger and its decisions around the host: once per push, drafts, a newer push, the
bot's own pull requests, invalid switches, failures, and the only events it may send."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.activity import ActivityLog
from devrel.events import Actor, GithubAddress, InboundEvent, PullRequestOpened, PullRequestUpdated
from devrel.idempotency import Idempotency
from devrel.platforms.outbound import PlatformError
from devrel.records import ReviewMemory
from devrel.review.diff import diff_texts
from devrel.review.engine import ReviewTools
from devrel.review.model import ChangeSet
from devrel.usecases.review import PullRequestReviews
from support.fakes import FakeClock, fake_services

KEY = "AKIA" + "Q3EGRTZ7VBNM4PLX"  # made up, in the provider's format
NEW = f'import json\n\nKEY = "{KEY}"\n'


class FakeHost:
    """A PullRequestHost in memory: one pull request whose head can move, and what was posted."""

    def __init__(self, config: dict[str, Any] | None = None, head: str = "h1", draft: bool = False,
                 failures: list[Exception] | None = None) -> None:
        self.config = config or {}
        self.head = head
        self.draft = draft
        self.failures = list(failures or [])
        self.reviews: list[tuple[str, str, list[dict[str, Any]], str]] = []
        self.comments: dict[str, str] = {}

    def review_config(self, repository: str) -> dict[str, Any]:
        return self.config

    def change_set(self, repository: str, number: int, max_files: int) -> ChangeSet:
        if self.failures:
            raise self.failures.pop(0)
        return ChangeSet(repository=repository, number=number, files=[diff_texts("pkg/a.py", "", NEW)],
                         head_sha=self.head, draft=self.draft, new_contents={"pkg/a.py": NEW},
                         old_contents={"pkg/a.py": ""})

    def post_review(self, repository: str, number: int, commit: str, body: str, comments: list[dict[str, Any]],
                    event: str) -> str:
        self.reviews.append((commit, body, comments, event))
        return str(len(self.reviews))

    def upsert_comment(self, repository: str, number: int, comment_id: str | None, body: str) -> str:
        key = comment_id or f"c{len(self.comments) + 1}"
        self.comments[key] = body
        return key


def event(head: str = "h1", draft: bool = False, actor: str = "ann", updated: bool = False,
          delivery: str = "d1") -> InboundEvent:
    fields = {"repository": "o/r", "number": 5, "head_sha": head, "draft": draft}
    intent = PullRequestUpdated(**fields) if updated else PullRequestOpened(**fields)
    return InboundEvent(platform="github", kind="github.pull_request", delivery_id=delivery, intent=intent,
                        reply_to=GithubAddress(repository="o/r", number=5), actor=Actor(id="1", name=actor))


def reviews(tmp_path: Path, host: FakeHost) -> tuple[PullRequestReviews, ActivityLog]:
    clock = FakeClock()
    services = fake_services(tmp_path, clock=clock)
    once = Idempotency(services.store, "reviewed", clock, in_progress_seconds=600, ttl_seconds=3600)
    activity = ActivityLog(services.store, clock)
    return PullRequestReviews(host, ReviewMemory(services.store), once, activity, clock, tools=ReviewTools,
                              bot_login="devrel-bot"), activity


def test_one_review_per_push_and_a_retried_delivery_posts_nothing(tmp_path: Path) -> None:
    host = FakeHost()
    use_case, _ = reviews(tmp_path, host)
    assert use_case.handle(event()) == "reviewed:1-new"
    assert use_case.handle(event(delivery="d2")) is None  # the same push again
    [(commit, _, comments, verdict)] = host.reviews
    assert commit == "h1" and verdict == "COMMENT" and [c["line"] for c in comments] == [3]
    # A new push with the same findings: no new review, the summary edited in place.
    host.head = "h2"
    assert use_case.handle(event(head="h2", updated=True, delivery="d3")) == "reviewed:0-new"
    assert len(host.reviews) == 1 and list(host.comments) == ["c1"]


def test_request_changes_only_when_configured_and_never_approve(tmp_path: Path) -> None:
    host = FakeHost(config={"request_changes": True})
    use_case, _ = reviews(tmp_path, host)
    use_case.handle(event())
    assert host.reviews[0][3] == "REQUEST_CHANGES"  # a credential, and the repository asked for it
    assert all(verdict != "APPROVE" for *_, verdict in host.reviews)


def test_drafts_newer_pushes_and_its_own_pull_requests_are_left_alone(tmp_path: Path) -> None:
    host = FakeHost()
    use_case, _ = reviews(tmp_path, host)
    assert use_case.handle(event(draft=True)) is None
    assert use_case.handle(event(actor="devrel-bot", delivery="d2")) is None
    host.head = "h9"  # GitHub already has a newer push: its own delivery reviews it
    assert use_case.handle(event(delivery="d3")) == "review-superseded"
    assert host.reviews == [] and host.comments == {}
    drafts = FakeHost(config={"review_drafts": True}, draft=True)
    use_case, _ = reviews(tmp_path / "drafts", drafts)
    assert use_case.handle(event(draft=True)) == "reviewed:1-new"


def test_invalid_switches_fall_back_to_the_defaults(tmp_path: Path) -> None:
    host = FakeHost(config={"max_comments": "many", "dry_run": True})
    use_case, _ = reviews(tmp_path, host)
    assert use_case.handle(event()) == "reviewed:1-new"  # not a dry run: the whole section is rejected


def test_dry_run_records_and_posts_nothing(tmp_path: Path) -> None:
    host = FakeHost(config={"dry_run": True})
    use_case, activity = reviews(tmp_path, host)
    assert use_case.handle(event()) == "review-dry-run"
    assert host.reviews == [] and host.comments == {}
    recorded = activity.latest(limit=10)
    assert {(a.kind, a.status) for a in recorded} == {("review", "dry-run"), ("comment", "dry-run")}
    assert all(KEY not in a.detail for a in recorded)


def test_a_retryable_failure_releases_the_push_and_a_final_one_is_recorded(tmp_path: Path) -> None:
    host = FakeHost(failures=[PlatformError("github", "502", retryable=True, status=502),
                              PlatformError("github", "gone", retryable=False, status=404)])
    use_case, activity = reviews(tmp_path, host)
    with pytest.raises(PlatformError):
        use_case.handle(event())
    assert use_case.handle(event(delivery="d2")) == "review-failed"  # the retry got the push again
    assert use_case.handle(event(delivery="d3")) is None
    assert [(a.kind, a.status) for a in activity.latest(limit=10)] == [("review", "failed")]
