"""Onboarding steps with a recording platform (a fake; the platform adapters have their own tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.events import Actor, DiscordAddress, InboundEvent, MemberJoined, PullRequestOpened, SlackAddress
from devrel.platforms.outbound import PlatformError
from devrel.records import PersonalData
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


def slack_join(user: str) -> InboundEvent:
    """A workspace join as Slack sends it: no channel, and no display name."""
    return InboundEvent(platform="slack", kind="slack.team_join", delivery_id=f"j-{user}", thread="T1",
                        intent=MemberJoined(), reply_to=SlackAddress(team="T1"), actor=Actor(id=user))


def test_a_workspace_join_is_welcomed_by_direct_message(services: Services) -> None:
    state = state_for(slack_join("U7"))
    step(services, "welcome", state)
    [(event, _)] = services.platforms["slack"].posted  # type: ignore[attr-defined]
    assert isinstance(event.reply_to, SlackAddress) and event.reply_to.user == "U7" and not event.reply_to.channel
    [entry] = services.activity.latest(kind="welcome")
    assert entry.target == "slack://user?team=T1&id=U7"


def test_someone_elses_message_does_not_end_onboarding_when_names_are_empty(services: Services) -> None:
    state = state_for(slack_join("U7"))
    state["welcome"] = {"result": step(services, "welcome", state)}
    services.event_log.append(InboundEvent(platform="slack", kind="slack.message", delivery_id="x", received_at=5_001.0,
                                           actor=Actor(id="U9")))
    assert step(services, "check_progress", state)["next"] == "nudge"
    services.event_log.append(InboundEvent(platform="slack", kind="slack.message", delivery_id="y", received_at=5_002.0,
                                           actor=Actor(id="U7")))
    assert step(services, "check_progress", state)["next"] == "done"


def discord_onboard(received_at: float) -> InboundEvent:
    return InboundEvent(platform="discord", kind="discord.command.onboard", delivery_id="i-1", intent=MemberJoined(),
                        reply_to=DiscordAddress(application_id="A", token="interaction-token", channel="C5", guild="G"),
                        actor=Actor(id="D7", name="dee"), received_at=received_at)


def test_a_discord_reminder_days_later_goes_by_direct_message_not_the_expired_token(tmp_path: Path) -> None:
    clock = FakeClock(5_000.0)
    discord = RecordingPlatform("discord")
    services = fake_services(tmp_path, {"discord": discord}, clock=clock)
    state = state_for(discord_onboard(received_at=5_000.0))
    state["welcome"] = {"result": step(services, "welcome", state)}
    clock.now += 3 * 86400
    step(services, "nudge", state)
    welcome_to, nudge_to = (event.reply_to for event, _ in discord.posted)
    assert isinstance(welcome_to, DiscordAddress) and welcome_to.token == "interaction-token"
    assert isinstance(nudge_to, DiscordAddress) and nudge_to.token == "" and nudge_to.user == "D7"


def test_a_reminder_that_cannot_be_delivered_is_skipped_with_its_reason(tmp_path: Path) -> None:
    refused = PlatformError("discord", "a direct message needs the bot token", retryable=False)
    services = fake_services(tmp_path, {"discord": RecordingPlatform("discord", failures=[refused])},
                             clock=FakeClock(9_000_000.0))
    state = state_for(discord_onboard(received_at=5_000.0))
    nudged = step(services, "nudge", state)
    assert nudged["skipped"] and "bot token" in nudged["skipped"]
    assert step(services, "check_progress", {**state, "nudge": {"result": nudged}})["next"] == "done"
    [failed] = services.activity.latest(kind="nudge")
    assert failed.status == "failed" and "bot token" in (failed.error or "")


def test_without_an_adapter_the_welcome_is_a_dry_run_and_the_person_is_welcomed_once_one_is_configured(
        tmp_path: Path) -> None:
    services = fake_services(tmp_path, {}, clock=FakeClock(5_000.0))
    event = join("U3")
    assert services.newcomers.claim(event)
    welcomed = step(services, "welcome", state_for(event))
    assert welcomed["dry_run"] and welcomed["message_id"] == ""
    [entry] = services.activity.latest(kind="welcome")
    assert entry.status == "dry-run" and "no slack adapter" in entry.reason and "Welcome" in entry.detail
    assert services.newcomers.count_since(0) == 0  # a dry run is not a welcome
    assert not services.newcomers.claim(event, live=False)  # still in dry run: not again
    assert services.newcomers.claim(event, live=True)  # posting is live now: onboard them for real


def test_a_dry_run_welcome_is_not_repeated_while_the_platform_still_cannot_post(tmp_path: Path) -> None:
    services = fake_services(tmp_path, {}, clock=FakeClock(5_000.0))
    event, config = join("U6"), onboarding.OnboardingConfig()
    workflows = services.workflows
    assert onboarding.start_onboarding(event, services.newcomers, workflows, "Onboarding", config, can_post=False)
    step(services, "welcome", state_for(event))  # recorded as a dry run: no adapter
    again = event.model_copy(update={"delivery_id": "d-U6-again"})
    assert not onboarding.start_onboarding(again, services.newcomers, workflows, "Onboarding", config, can_post=False)
    assert onboarding.start_onboarding(again, services.newcomers, workflows, "Onboarding", config, can_post=True)
    assert len(workflows.started) == 2 and workflows.started[0][2] != workflows.started[1][2]  # type: ignore[attr-defined]


def test_onboarding_in_dry_run_posts_nothing_and_logs_what_it_would_say(services: Services) -> None:
    event = join("U4")
    state = onboarding.OnboardingState(
        contributor=onboarding.Contributor(platform="slack", id="U4", name="u4"), event=event,
        config=onboarding.OnboardingConfig(dry_run=True)).model_dump(mode="json")
    assert step(services, "welcome", state)["dry_run"]
    assert step(services, "nudge", state)["count"] == 1
    assert services.platforms["slack"].posted == []  # type: ignore[attr-defined]
    assert [a.status for a in services.activity.latest()] == ["dry-run", "dry-run"]


def test_a_failed_welcome_releases_the_claim_so_the_person_is_welcomed_later(tmp_path: Path) -> None:
    down = PlatformError("slack", "channel_not_found", retryable=False)
    services = fake_services(tmp_path, {"slack": RecordingPlatform(failures=[down])}, clock=FakeClock(5_000.0))
    event = join("U5")
    assert services.newcomers.claim(event)
    state = state_for(event)
    with pytest.raises(PlatformError):
        step(services, "welcome", state)
    assert not services.newcomers.claim(event)  # still held while the state machine deals with it
    step(services, "record_failure", {**state, "error": {"Error": "PlatformError", "Cause": "channel_not_found"}})
    assert services.newcomers.count_since(0) == 0
    assert services.newcomers.claim(event)
    welcomed = step(services, "welcome", state)
    assert not welcomed["dry_run"] and services.newcomers.count_since(0) == 1
    assert not services.newcomers.claim(event)


def test_onboarding_stops_once_the_person_is_forgotten(services: Services) -> None:
    state = state_for(slack_join("U8"))
    state["welcome"] = {"result": step(services, "welcome", state)}
    assert step(services, "check_progress", state)["next"] == "nudge"
    data = PersonalData(services.store)
    data.forget(data.person("slack", "U8"))
    progress = step(services, "check_progress", state)
    assert progress["next"] == "done" and "forgotten" in progress["reason"]
