"""Onboarding steps with a recording platform (a fake; the platform adapters have their own tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.events import Actor, InboundEvent, MemberJoined, PullRequestOpened, SlackAddress
from devrel.runtime import Services
from devrel.usecases import onboarding
from support.fakes import FakeClock, RecordingPlatform, fake_services


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fake_services(tmp_path, {"slack": RecordingPlatform()}, clock=FakeClock(5_000.0),
                         project_repository="acme/widgets")


def join(user: str = "U1", kind: str = "slack.team_join") -> InboundEvent:
    return InboundEvent(platform="slack", kind=kind, delivery_id=f"d-{user}", thread="C1", intent=MemberJoined(),
                        reply_to=SlackAddress(channel="C1"), actor=Actor(id=user, name=user.lower()))


def state_for(event: InboundEvent) -> dict[str, Any]:
    assert event.actor is not None
    contributor = onboarding.Contributor(platform=event.platform, id=event.actor.id, name=event.actor.name)
    return onboarding.OnboardingState(contributor=contributor, event=event).model_dump(mode="json")


def test_who_gets_onboarded() -> None:
    assert onboarding.starts_onboarding(join())
    first_pr = InboundEvent(platform="github", kind="github.pull_request.opened", delivery_id="d",
                            actor=Actor(id="1", name="newbie"),
                            intent=PullRequestOpened(repository="o/r", number=1, first_time=True))
    assert onboarding.starts_onboarding(first_pr)
    regular = first_pr.model_copy(update={"intent": PullRequestOpened(repository="o/r", number=1, first_time=False)})
    assert not onboarding.starts_onboarding(regular)
    bot = join().model_copy(update={"actor": Actor(id="B", name="bot", is_bot=True)})
    assert not onboarding.starts_onboarding(bot)


def test_each_contributor_is_claimed_once(services: Services) -> None:
    assert services.newcomers.claim(join())
    assert not services.newcomers.claim(join())
    assert services.newcomers.claim(join("U2"))


def step(services: Services, name: str, state: dict[str, Any]) -> dict[str, Any]:
    return services.onboarding_steps.run({"step": name, "input": state})


def test_welcome_then_nudge_once_then_stop(services: Services) -> None:
    state = state_for(join())
    state["welcome"] = {"result": step(services, "welcome", state)}
    posted = services.platforms["slack"].texts  # type: ignore[attr-defined]
    assert "acme/widgets/contribute" in posted[0]
    progress = step(services, "check_progress", state)
    assert progress["next"] == "nudge"
    state["nudge"] = {"result": step(services, "nudge", state)}
    assert step(services, "check_progress", state)["next"] == "done"
    assert len(services.platforms["slack"].texts) == 2  # type: ignore[attr-defined]


def test_activity_after_the_welcome_ends_onboarding(services: Services) -> None:
    state = state_for(join())
    state["welcome"] = {"result": {"message_id": "1", "welcomed_at": 5_000.0}}
    services.event_log.append(InboundEvent(platform="slack", kind="k", delivery_id="x", received_at=5_001.0,
                                           actor=Actor(id="U1", name="u1")))
    assert step(services, "check_progress", state)["next"] == "done"


def test_unknown_steps_and_bad_state_are_errors(services: Services) -> None:
    with pytest.raises(ValueError):
        step(services, "welcome", {})
    with pytest.raises(ValueError):
        step(services, "party", {"contributor": {}})
