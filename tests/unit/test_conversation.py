"""The worker's reply path: who gets an answer, thread memory, one reply per delivery, retries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.adapters.store_sqlite import SqliteStore
from devrel.events import Actor, InboundEvent, Reply
from devrel.platforms.outbound import PlatformError
from devrel.platforms.slack import installation_key
from devrel.ports import ChatMessage, Item, PortError
from devrel.runtime import Services
from devrel.settings import load_settings
from devrel.usecases import conversation
from devrel.usecases.dispatch import dispatch


class RecordingPlatform:
    name = "slack"

    def __init__(self, failures: list[PlatformError] | None = None) -> None:
        self.posted: list[tuple[InboundEvent, Reply]] = []
        self.working: list[str] = []
        self._failures = list(failures or [])

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        if self._failures:
            raise self._failures.pop(0)
        self.posted.append((event, reply))
        return f"m{len(self.posted)}"

    def mark_working(self, event: InboundEvent) -> None:
        self.working.append(event.delivery_id)


class EchoLlm:
    def __init__(self) -> None:
        self.seen: list[list[ChatMessage]] = []

    def chat(self, messages: list[ChatMessage], max_tokens: int = 256, temperature: float = 0.0) -> str:
        self.seen.append(messages)
        return f"answer #{len(self.seen)}"


class NoWorkflows:
    def start(self, state_machine: str, payload: Any, name: str) -> str:
        raise AssertionError("no workflow expected")


def make_services(tmp_path: Path, platform: Any, **settings: Any) -> Services:
    config = load_settings(
        **{
            "mode": "edge",
            "data_dir": tmp_path,
            "reply_retry_delay_seconds": 0,
            "github_bot_login": "devrel-bot",
            **settings,
        }
    )
    return Services(
        settings=config,
        store=SqliteStore(config.store_db),
        queue=None,  # type: ignore[arg-type]
        workflows=NoWorkflows(),
        secrets=None,  # type: ignore[arg-type]
        platforms={"slack": platform, "github": platform, "discourse": platform},
    )


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
        data={"channel": "C1", "ts": "1.0"},
    )


def test_without_an_llm_the_reply_is_an_honest_fallback(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    assert conversation.converse(mention(), services) == "replied"
    [(_, reply)] = platform.posted
    assert reply.text == conversation.FALLBACK_TEXT
    assert platform.working == ["msg:T1:C1:1.0"]


def test_one_reply_per_delivery_even_when_processed_again(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    outcomes = [conversation.converse(mention(), services) for _ in range(5)]
    assert outcomes == ["replied"] + ["already-replied"] * 4
    assert len(platform.posted) == 1


def test_a_claim_held_by_another_worker_sends_the_message_back_to_the_queue(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    pk, sk = conversation.reply_key(mention())
    services.store.put(Item(pk=pk, sk=sk, data={"state": "posting"}, expires_at=2**40))
    with pytest.raises(conversation.ReplyInProgressError):
        conversation.converse(mention(), services)
    assert platform.posted == []


def test_thread_memory_feeds_the_llm(tmp_path: Path) -> None:
    platform, llm = RecordingPlatform(), EchoLlm()
    services = make_services(tmp_path, platform)
    services.llm = llm  # type: ignore[attr-defined]  # the LLM field arrives with the model adapters
    conversation.converse(mention(text="first question"), services)
    conversation.converse(mention(delivery="msg:T1:C1:2.0", text="and then?", received_at=1001.0), services)
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
        conversation.converse(mention(), services, sleep=lambda _: None)
    assert services.store.get(*conversation.reply_key(mention())) is None  # the next try may post
    assert conversation.converse(mention(), services) == "replied"
    assert len(platform.posted) == 1


def test_a_transient_failure_is_absorbed_by_the_in_worker_retry(tmp_path: Path) -> None:
    delays: list[float] = []
    platform = RecordingPlatform(failures=[PlatformError("slack", "rate", retryable=True, status=429)])
    services = make_services(tmp_path, platform, reply_attempts=3, reply_retry_delay_seconds=0.5)
    assert conversation.converse(mention(), services, sleep=delays.append) == "replied"
    assert delays == [0.5]


def test_permanent_failures_are_not_retried_in_the_worker(tmp_path: Path) -> None:
    platform = RecordingPlatform(failures=[PlatformError("slack", "channel_not_found", retryable=False)])
    services = make_services(tmp_path, platform, reply_attempts=3)
    with pytest.raises(PlatformError):
        conversation.converse(mention(), services, sleep=lambda _: pytest.fail("no retry expected"))


def test_an_unconfigured_platform_is_skipped(tmp_path: Path) -> None:
    services = make_services(tmp_path, RecordingPlatform())
    event = InboundEvent(platform="discord", kind="discord.command.ask", delivery_id="1", text="q")
    assert conversation.converse(event, services) == "no-platform"


def github_comment(text: str, author: str = "alice", bot: bool = False) -> InboundEvent:
    return InboundEvent(
        platform="github",
        kind="github.issue_comment.created",
        delivery_id="g1",
        thread="o/r#1",
        actor=Actor(id="1", name=author, is_bot=bot),
        text=text,
    )


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
        (
            InboundEvent(
                platform="github", kind="github.discussion.created", delivery_id="g2", text="How to X?"
            ),
            True,
        ),
        (
            InboundEvent(
                platform="github", kind="github.discussion.created", delivery_id="g3", text="Show: my app"
            ),
            False,
        ),
        (
            InboundEvent(
                platform="discourse",
                kind="discourse.post_created",
                delivery_id="p",
                text="Why?",
                data={"is_question": True, "post_number": 1},
            ),
            True,
        ),
        (
            InboundEvent(
                platform="discourse",
                kind="discourse.post_created",
                delivery_id="p",
                text="Why?",
                data={"is_question": True, "post_number": 4},
            ),
            False,
        ),
        (InboundEvent(platform="slack", kind="slack.member_joined_channel", delivery_id="e"), False),
    ],
)
def test_should_answer(tmp_path: Path, event: InboundEvent, answered: bool) -> None:
    assert conversation.should_answer(event, make_services(tmp_path, RecordingPlatform())) is answered


def test_thread_replies_are_answered_only_where_the_assistant_already_spoke(tmp_path: Path) -> None:
    services = make_services(tmp_path, RecordingPlatform())
    reply = InboundEvent(
        platform="slack",
        kind="slack.message.thread",
        delivery_id="msg:T1:C1:3.0",
        thread="T1:C1:1.0",
        actor=Actor(id="U2"),
        text="more?",
        data={"channel": "C1"},
    )
    assert not conversation.should_answer(reply, services)
    conversation.converse(mention(), services)
    assert conversation.should_answer(reply, services)


def test_dispatch_records_feedback_and_revokes_installations(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    vote = InboundEvent(
        platform="slack",
        kind="slack.action.feedback_down",
        delivery_id="act:1",
        thread="T1:C1:1.0",
        actor=Actor(id="U1"),
        data={"value": "msg:T1:C1:1.0"},
    )
    assert dispatch(vote, services) == "feedback-recorded"
    [recorded] = services.store.query("feedback#slack")
    assert recorded.data["vote"] == "down" and recorded.data["answer"] == "msg:T1:C1:1.0"

    services.store.put(Item(*installation_key("T1"), data={"bot_token": "xoxb-1"}))
    revoked = InboundEvent(
        platform="slack", kind="slack.app_uninstalled", delivery_id="Ev1", thread="T1", data={"team": "T1"}
    )
    assert dispatch(revoked, services) == "installation-revoked"
    assert services.store.get(*installation_key("T1")) is None
    assert platform.posted == []


def test_dispatch_answers_questions(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    assert dispatch(mention(), services) == "replied"
    assert len(platform.posted) == 1


class FailingLlm:
    def chat(self, messages: Any, max_tokens: int = 256, temperature: float = 0.0) -> str:
        raise PortError("model server unreachable")


def test_a_failing_llm_gets_a_graceful_reply_and_the_question_is_kept(tmp_path: Path) -> None:
    platform = RecordingPlatform()
    services = make_services(tmp_path, platform)
    services.llm = FailingLlm()  # type: ignore[attr-defined]
    assert conversation.converse(mention(text="why does it crash?"), services) == "replied"
    assert platform.posted[0][1].text == conversation.UNAVAILABLE_TEXT
    [kept] = services.store.query("unanswered#slack")
    assert kept.data["event"]["text"] == "why does it crash?"
