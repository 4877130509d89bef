"""Hand-off to maintainers, through the worker's conversation use case with recording platforms: who
gets told what, what the maintainers' channel receives, and the rate limits that stop a flood."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.events import Actor, DiscordAddress, InboundEvent, Question, SlackAddress
from devrel.knowledge.answering import Answer
from devrel.runtime import Services
from devrel.usecases.handoff import wants_a_person
from support.fakes import FakeClock, RecordingPlatform, fake_services

UNSURE = ("I could not find a confident answer in the project's sources.\n\n"
          "Would you like me to ask a maintainer?")


class UnsureAnswerer:
    def answer(self, question: str, thread: str | None = None, history: Any = None, now: float | None = None
               ) -> Answer:
        return Answer(text=UNSURE, citations=[], confident=False, language="en")


@pytest.fixture
def services(tmp_path: Path) -> Services:
    services = fake_services(tmp_path, {"slack": RecordingPlatform(), "discord": RecordingPlatform("discord")},
                             clock=FakeClock(50_000.0), handoff_slack_channel="CMAINT",
                             handoff_discord_channel="D-MAINT")
    return services


def asked(text: str, n: int = 1, user: str = "U1") -> InboundEvent:
    return InboundEvent(platform="slack", kind="slack.app_mention", delivery_id=f"d{n}-{user}", intent=Question(),
                        thread=f"C1/{n}", text=text, actor=Actor(id=user, name=user.lower()), received_at=50_000.0,
                        reply_to=SlackAddress(team="T1", channel="C1", thread_ts=f"{n}.0", message_ts=f"{n}.0"))


def posts(services: Services, name: str) -> list[tuple[InboundEvent, Any]]:
    return services.platforms[name].posted  # type: ignore[attr-defined,no-any-return]


def test_someone_asking_for_a_person_is_handed_to_the_maintainers_and_told(services: Services) -> None:
    services.conversations.converse(asked("Can I talk to a human about the release? @everyone"))
    (maintainers, handed), (thread, told) = posts(services, "slack")
    assert isinstance(maintainers.reply_to, SlackAddress) and maintainers.reply_to.channel == "CMAINT"
    assert "talk to a human about the release" in handed.text and "slack://channel?team=T1&id=C1" in handed.text
    assert "@everyone" not in handed.text  # quoted, and made inert
    [(discord_channel, _)] = posts(services, "discord")
    assert isinstance(discord_channel.reply_to, DiscordAddress) and discord_channel.reply_to.channel == "D-MAINT"
    assert thread.reply_to.channel == "C1" and "passed your question to the maintainers" in told.text
    [entry] = services.activity.latest(kind="handoff")
    assert entry.status == "posted" and "asked for a person" in entry.reason and "slack, discord" in entry.reason


def test_an_unsure_answer_is_handed_off_with_the_draft(services: Services) -> None:
    services.knowledge_ready = lambda: True  # type: ignore[method-assign]
    services.answerer = UnsureAnswerer()  # type: ignore[assignment]
    services.conversations.converse(asked("How do I tune the frobnicator?"))
    (_, handed), (_, told) = posts(services, "slack")
    assert "no confident answer" in handed.text and "My unsure draft" in handed.text
    assert told.text.startswith(UNSURE) and told.text.endswith("one of them will follow up here.")


def test_hand_offs_are_rate_limited_per_person_and_a_confident_answer_is_not_handed_off(services: Services) -> None:
    for n in range(1, 5):
        services.conversations.converse(asked("please ask a maintainer", n))
    channel_posts = [event for event, _ in posts(services, "slack") if event.reply_to.channel == "CMAINT"]
    assert len(channel_posts) == 2
    assert sorted(a.status for a in services.activity.latest(kind="handoff")) == ["failed", "failed", "posted",
                                                                                  "posted"]
    services.conversations.converse(asked("please ask a maintainer", 9, user="U2"))  # someone else: their own budget
    assert len([e for e, _ in posts(services, "slack") if e.reply_to.channel == "CMAINT"]) == 3
    services.conversations.converse(asked("How do I install it?", 10, user="U3"))
    assert len([e for e, _ in posts(services, "slack") if e.reply_to.channel == "CMAINT"]) == 3


def test_without_a_maintainers_channel_nothing_is_handed_off(tmp_path: Path) -> None:
    services = fake_services(tmp_path, {"slack": RecordingPlatform()}, clock=FakeClock(50_000.0))
    services.conversations.converse(asked("can I speak to a maintainer?"))
    [(event, _)] = posts(services, "slack")
    assert event.reply_to.channel == "C1" and services.activity.latest(kind="handoff") == []


@pytest.mark.parametrize(("text", "wanted"), [
    ("Can I talk to a human?", True), ("please ask the maintainers", True), ("hand-off please", True),
    ("How do I talk to the API?", False), ("ask the tests to run", False), ("what is a maintainer?", False)])
def test_what_counts_as_asking_for_a_person(text: str, wanted: bool) -> None:
    assert wants_a_person(text) is wanted
