"""The activity log: every action the assistant takes, or in dry-run would take, is recorded with its
target, status, reason and run; at the edge each one is also one console line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.activity import Action, console_line
from devrel.events import Actor, GithubAddress, InboundEvent, MemberJoined, Question, SlackAddress
from devrel.platforms.outbound import PlatformError
from devrel.runtime import Services
from devrel.usecases.onboarding import Contributor, OnboardingState
from devrel.usecases.triage_steps import IssueFacts
from support.fakes import FakeClock, RecordingPlatform, fake_services

NOW = 1_700_000_000.0


class Tracker:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[str] = []

    def comment(self, repository: str, number: int, body: str) -> str:
        if self.fail:
            raise PlatformError("github", "403 resource not accessible", retryable=False, status=403)
        self.calls.append("comment")
        return "c1"

    def add_labels(self, repository: str, number: int, labels: list[str]) -> None:
        self.calls.append("labels")


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fake_services(tmp_path, {"slack": RecordingPlatform()}, clock=FakeClock(NOW))


def question() -> InboundEvent:
    return InboundEvent(platform="slack", kind="slack.app_mention", delivery_id="msg:T1:C1:1.0", thread="T1:C1:1.0",
                        actor=Actor(id="U1"), text="how do I install?", intent=Question(),
                        reply_to=SlackAddress(team="T1", channel="C1", thread_ts="1.0", message_ts="1.0"))


def triage_state(**config: Any) -> dict[str, Any]:
    issue = IssueFacts(repository="o/r", number=5, title="Crash", body="It crashes.", author="alice",
                       html_url="https://github.com/o/r/issues/5")
    return {"issue": issue.model_dump(), "config": config, "run": "triage-o-r-5-d1",
            "classification": {"result": {"type": "bug", "labels": ["bug"]}}}


def test_an_answer_is_recorded_with_its_thread_and_delivery(services: Services) -> None:
    services.conversations.converse(question())
    [action] = services.activity.latest()
    assert (action.kind, action.status, action.platform, action.run) == ("answer", "posted", "slack", "msg:T1:C1:1.0")
    assert action.target == "slack://channel?team=T1&id=C1&thread_ts=1.0"
    assert action.at == NOW and action.detail  # the text that was posted


def test_a_reply_that_fails_is_recorded_as_failed_with_the_error(tmp_path: Path) -> None:
    refused = PlatformError("slack", "channel_not_found", retryable=False)
    services = fake_services(tmp_path, {"slack": RecordingPlatform(failures=[refused])}, clock=FakeClock(NOW))
    with pytest.raises(PlatformError):
        services.conversations.converse(question())
    [action] = services.activity.latest()
    assert action.status == "failed" and "channel_not_found" in (action.error or "")


def test_dry_run_triage_records_what_it_would_post(services: Services) -> None:
    services.triage_steps._tracker = Tracker()  # type: ignore[attr-defined]
    result = services.triage_steps.act(triage_state(dry_run=True))
    actions = services.activity.latest()
    assert sorted((a.kind, a.status) for a in actions) == [("comment", "dry-run"), ("label", "dry-run")]
    comment = next(a for a in actions if a.kind == "comment")
    assert comment.detail == result["comment"] and comment.target == "https://github.com/o/r/issues/5"
    assert comment.run == "triage-o-r-5-d1"
    assert services.triage_steps._tracker.calls == []  # type: ignore[attr-defined]


def test_posted_and_failed_triage_actions_are_told_apart(tmp_path: Path) -> None:
    services = fake_services(tmp_path, clock=FakeClock(NOW))
    tracker = Tracker()
    services.issue_tracker = tracker  # type: ignore[assignment]
    services.triage_steps.act(triage_state())
    assert sorted((a.kind, a.status) for a in services.activity.latest()) == [("comment", "posted"),
                                                                              ("label", "posted")]
    tracker.fail = True
    state = triage_state()
    state["issue"]["number"] = 6
    with pytest.raises(PlatformError):
        services.triage_steps.act(state)
    assert [a.status for a in services.activity.latest(status="failed")] == ["failed"]


def test_a_welcome_that_cannot_be_posted_is_recorded_as_failed_and_without_an_adapter_as_dry_run(
        services: Services) -> None:
    joined = InboundEvent(platform="discord", kind="discord.command.onboard", delivery_id="i1",
                          intent=MemberJoined(), actor=Actor(id="42", name="newbie"))
    state = OnboardingState(contributor=Contributor(platform="discord", id="42", name="newbie"), event=joined,
                            run="onboarding-discord-42")
    services.onboarding_steps.run({"step": "welcome", "input": state.model_dump(mode="json")})
    [action] = services.activity.latest(kind="welcome")
    assert action.status == "dry-run" and action.run == "onboarding-discord-42"
    services.platforms = {"discord": RecordingPlatform("discord", failures=[
        PlatformError("discord", "unknown channel", retryable=False)])}
    del services.onboarding_steps  # rebuilt with the platform
    with pytest.raises(PlatformError):
        services.onboarding_steps.run({"step": "welcome", "input": state.model_dump(mode="json")})
    assert sorted(a.status for a in services.activity.latest(kind="welcome")) == ["dry-run", "failed"]


def test_the_log_reads_back_newest_first_over_days_with_filters(services: Services) -> None:
    log = services.activity
    for day, kind in enumerate(["answer", "comment", "label"]):
        log.record(Action(kind=kind, platform="github", target=f"t{day}", status="posted",  # type: ignore[arg-type]
                          at=NOW - day * 86400))
    assert [a.target for a in log.latest()] == ["t0", "t1", "t2"]
    assert [a.target for a in log.latest(days=2)] == ["t0", "t1"]
    assert [a.target for a in log.latest(kind="label")] == ["t2"]
    assert log.latest(platform="slack") == []


def test_one_console_line_per_action_with_its_link() -> None:
    target = GithubAddress(repository="o/r", number=5).link
    line = console_line(Action(kind="comment", platform="github", target=target, status="dry-run",
                               reason="triage of a new issue"))
    assert line == "[activity] comment dry-run: https://github.com/o/r/issues/5 - triage of a new issue"
    failed = console_line(Action(kind="answer", platform="slack", target="x", status="failed", error="boom"))
    assert "\n" not in failed and "FAILED (boom)" in failed
