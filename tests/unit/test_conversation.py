"""The worker's reply path: who gets an answer, thread memory, one reply per delivery, retries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.events import (
    Actor,
    Feedback,
    InboundEvent,
    InstallRevoked,
    MemberJoined,
    Question,
    SlackAddress,
)
from devrel.platforms import github
from devrel.platforms.outbound import PlatformError
from devrel.ports import ChatMessage, Item, PortError
from devrel.records import SlackInstallations
from devrel.runtime import Services
from devrel.usecases import conversation
from support.fakes import RecordingPlatform, fake_services


class EchoLlm:
    def __init__(self) -> None:
        self.seen: list[list[ChatMessage]] = []

    def chat(self, messages: list[ChatMessage], max_tokens: int = 256, temperature: float = 0.0) -> str:
        self.seen.append(messages)
        return f"answer #{len(self.seen)}"


def make_services(tmp_path: Path, platform: Any, **settings: Any) -> Services:
    return fake_services(tmp_path, {"slack": platform, "github": platform, "discourse": platform},
                         **{"github_bot_login": "devrel-bot", **settings})


def converse(event: InboundEvent, services: Services, **kwargs: Any) -> str:
    return services.conversations.converse(event, **kwargs)


def should_answer(event: InboundEvent, services: Services) -> bool:
    return services.conversations.should_answer(event)


def reply_key(event: InboundEvent, services: Services) -> tuple[str, str]:
    return services.conversations.reply_key(event)


def mention(
    delivery: str = "msg:T1:C1:1.0",
    text: str = "how do I install?",
    thread: str = "T1:C1:1.0",
    received_at: float = 1000.0,
) -> InboundEvent:
    return InboundEvent(
        platform="slack",
        kind="slack.app_mention",
        delivery_id=delivery,
        thread=thread,
        actor=Actor(id="U1"),
        text=text,
        received_at=received_at,
        intent=Question(),
        reply_to=SlackAddress(channel="C1", thread_ts="1.0", message_ts="1.0"),
    )


def test_without_an_llm_the_reply_is_an_honest_fallback(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    assert converse(mention(), services) == "replied"
    [(_, reply)] = platform.posted
    assert reply.text == conversation.FALLBACK_TEXT
    assert platform.working == ["msg:T1:C1:1.0"]


def test_one_reply_per_delivery_even_when_processed_again(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    outcomes = [converse(mention(), services) for _ in range(5)]
    assert outcomes == ["replied"] + ["already-replied"] * 4
    assert len(platform.posted) == 1


def test_a_claim_held_by_another_worker_sends_the_message_back_to_the_queue(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    pk, sk = reply_key(mention(), services)
    services.store.put(Item(pk=pk, sk=sk, data={"state": "posting"}, expires_at=2**40))
    with pytest.raises(conversation.ReplyInProgressError):
        converse(mention(), services)
    assert platform.posted == []


def test_thread_memory_feeds_the_llm(tmp_path: Path) -> None:
    platform, llm = RecordingPlatform(), EchoLlm()
    services = make_services(tmp_path, platform)
    services.llm = llm  # type: ignore[attr-defined]  # the LLM field arrives with the model adapters
    converse(mention(text="first question"), services)
    converse(mention(delivery="msg:T1:C1:2.0", text="and then?", received_at=1001.0), services)
    second = llm.seen[1]
    assert [(m.role, m.content) for m in second[1:]] == [
        ("user", "first question"),
        ("assistant", "answer #1"),
        ("user", "and then?"),
    ]
    assert [reply.text for _, reply in platform.posted] == ["answer #1", "answer #2"]


def test_retryable_failures_are_retried_then_raised_with_the_claim_released(tmp_path: Path) -> None:
    flaky = PlatformError("slack", "503", retryable=True, status=503)
    platform = RecordingPlatform(failures=[flaky, flaky, flaky])
    services = make_services(tmp_path, platform, reply_attempts=3)
    with pytest.raises(PlatformError):
        converse(mention(), services, sleep=lambda _: None)
    assert services.store.get(*reply_key(mention(), services)) is None  # the next try may post
    assert converse(mention(), services) == "replied"
    assert len(platform.posted) == 1


def test_a_transient_failure_is_absorbed_by_the_in_worker_retry(tmp_path: Path) -> None:
    delays: list[float] = []
    platform = RecordingPlatform(failures=[PlatformError("slack", "rate", retryable=True, status=429)])
    services = make_services(tmp_path, platform, reply_attempts=3, reply_retry_delay_seconds=0.5)
    assert converse(mention(), services, sleep=delays.append) == "replied"
    assert delays == [0.5]


class ThrottledCompletions:
    """The store, except that marking a reply COMPLETE fails `times` times (throttled past retries)."""

    def __init__(self, inner: Any, times: int) -> None:
        self.inner, self.times = inner, times

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def put(self, item: Item) -> None:
        if item.data.get("status") == "COMPLETE" and self.times > 0:
            self.times -= 1
            raise PortError("dynamodb: ProvisionedThroughputExceededException")
        self.inner.put(item)


@pytest.mark.parametrize("failures", [2, 5])
def test_a_posted_reply_is_not_sent_back_to_the_queue_when_the_store_fails_afterwards(
    tmp_path: Path, failures: int,
) -> None:
    """Retrying the delivery would only wait on its own claim until the dead-letter queue."""
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform, reply_attempts=3)
    services.store = ThrottledCompletions(services.store, failures)  # type: ignore[misc]
    delays: list[float] = []
    assert converse(mention(), services, sleep=delays.append) == "replied"
    assert len(platform.posted) == 1
    if failures < 3:  # the in-worker retries got the completion through
        assert converse(mention(), services) == "already-replied"
    assert len(delays) == min(failures, 2)


def test_permanent_failures_are_not_retried_in_the_worker(tmp_path: Path) -> None:
    platform = RecordingPlatform(failures=[PlatformError("slack", "channel_not_found", retryable=False)])
    services = make_services(tmp_path, platform, reply_attempts=3)
    with pytest.raises(PlatformError):
        converse(mention(), services, sleep=lambda _: pytest.fail("no retry expected"))


def test_an_unconfigured_platform_is_skipped(tmp_path: Path) -> None:
    services = make_services(tmp_path, RecordingPlatform())
    event = InboundEvent(platform="discord", kind="discord.command.ask", delivery_id="1", text="q", intent=Question())
    assert converse(event, services) == "no-platform"


def github_delivery(event_name: str, text: str, author: str = "alice", bot: bool = False) -> InboundEvent:
    """Through the converter: which comments are for the assistant is decided there."""
    sender = {"login": author, "id": 1, "type": "Bot" if bot else "User"}
    if event_name == "discussion":
        payload = {"action": "created", "repository": {"full_name": "o/r"}, "sender": sender,
                   "discussion": {"number": 2, "title": text, "body": ""}}
    else:
        payload = {"action": "created", "repository": {"full_name": "o/r"}, "sender": sender,
                   "issue": {"number": 1, "title": "t", "body": ""}, "comment": {"body": text}}
    event = github.to_inbound_event(event_name, "g1", payload, bot_login="devrel-bot")
    assert event is not None
    return event


def github_comment(text: str, author: str = "alice", bot: bool = False) -> InboundEvent:
    return github_delivery("issue_comment", text, author, bot)


def discourse_post(post_number: int, text: str = "Why?") -> InboundEvent:
    from devrel.platforms import discourse

    event = discourse.to_inbound_event("post_created", {"post": {
        "id": 7, "topic_id": 3, "username": "alice", "post_number": post_number, "raw": text, "post_type": 1,
        "topic_title": ""}}, "devrel-bot")
    assert event is not None
    return event


@pytest.mark.parametrize(
    ("event", "answered"),
    [
        (mention(), True),
        (github_comment("@devrel-bot how do I build?"), True),
        (github_comment("@DevRel-Bot how do I build?"), True),
        (github_comment("how do I build?"), False),
        (github_comment("@devrel-botany hi"), False),
        (github_comment("@devrel-bot hi", author="devrel-bot"), False),
        (github_comment("@devrel-bot hi", bot=True), False),
        (github_delivery("discussion", "How to X?"), True),
        (github_delivery("discussion", "Show: my app"), False),
        (discourse_post(1), True),
        (discourse_post(4), False),
        (InboundEvent(platform="slack", kind="slack.member_joined_channel", delivery_id="e",
                      intent=MemberJoined()), False),
    ],
)
def test_should_answer(tmp_path: Path, event: InboundEvent, answered: bool) -> None:
    assert should_answer(event, make_services(tmp_path, RecordingPlatform())) is answered


def test_thread_replies_are_answered_only_where_the_assistant_already_spoke(tmp_path: Path) -> None:
    services = make_services(tmp_path, RecordingPlatform())
    reply = InboundEvent(
        platform="slack",
        kind="slack.message.thread",
        delivery_id="msg:T1:C1:3.0",
        thread="T1:C1:1.0",
        actor=Actor(id="U2"),
        text="more?",
        intent=Question(addressed="in_thread"),
        reply_to=SlackAddress(channel="C1"),
    )
    assert not should_answer(reply, services)
    converse(mention(), services)
    assert should_answer(reply, services)


def test_dispatch_records_feedback_and_revokes_installations(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    vote = InboundEvent(
        platform="slack",
        kind="slack.action.feedback_down",
        delivery_id="act:1",
        thread="T1:C1:1.0",
        actor=Actor(id="U1"),
        intent=Feedback(vote="down", answer="msg:T1:C1:1.0"),
    )
    assert services.dispatcher.dispatch(vote) == "feedback-recorded"
    [recorded] = services.store.query("feedback#slack")
    assert recorded.data["vote"] == "down" and recorded.data["answer"] == "msg:T1:C1:1.0"

    SlackInstallations(services.store).save("T1", {"bot_token": "xoxb-1"})
    revoked = InboundEvent(
        platform="slack", kind="slack.app_uninstalled", delivery_id="Ev1", thread="T1", intent=InstallRevoked(team="T1")
    )
    assert services.dispatcher.dispatch(revoked) == "installation-revoked"
    assert SlackInstallations(services.store).get("T1") is None
    assert platform.posted == []


def test_dispatch_answers_questions(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    assert services.dispatcher.dispatch(mention()) == "replied"
    assert len(platform.posted) == 1


class FailingLlm:
    def chat(self, messages: Any, max_tokens: int = 256, temperature: float = 0.0) -> str:
        raise PortError("model server unreachable")


def test_a_failing_llm_gets_a_graceful_reply_and_the_question_is_kept(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    services.llm = FailingLlm()  # type: ignore[attr-defined]
    assert converse(mention(text="why does it crash?"), services) == "replied"
    assert platform.posted[0][1].text == conversation.UNAVAILABLE_TEXT
    [kept] = services.store.query("unanswered#slack")
    assert kept.data["event"]["text"] == "why does it crash?"
