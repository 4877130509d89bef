"""Conversations: decide whether to answer, remember the thread, answer, post the reply.

Runs in the worker. The queue delivers at least once, so posting is guarded by a claim in the
Store: one reply per delivery even when a message is processed twice. A reply that cannot be
posted after a few quick attempts raises, so the queue retries it later and finally dead-letters it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from devrel.events import InboundEvent, Reply
from devrel.platforms.outbound import PlatformError, WorkingIndicator
from devrel.platforms.slack import installation_key
from devrel.platforms.text import looks_like_question
from devrel.ports import ChatMessage, ChatPlatform, Item, PortError
from devrel.runtime import Services

log = logging.getLogger(__name__)

HISTORY_LIMIT = 20
THREAD_TTL_SECONDS = 90 * 24 * 3600
# How long a worker may hold a delivery's reply before another may take over (a crashed worker).
CLAIM_SECONDS = 120
ANSWER_MAX_TOKENS = 700

SYSTEM_PROMPT = (
    "You are the developer relations assistant of an open-source project. Answer the community's "
    "questions accurately and briefly, in Markdown, with code in fenced code blocks. If you do not "
    "know, say so plainly and suggest where to ask; never invent APIs, links or facts."
)
FALLBACK_TEXT = (
    "Thanks for the question! I can't answer it myself right now: no language model is configured "
    "for this assistant yet. A maintainer will follow up here."
)
EMPTY_QUESTION_TEXT = "Hi! Ask me a question about the project and I'll answer here."
UNAVAILABLE_TEXT = (
    "Sorry, I can't answer right now: the language model is not responding. I've kept your question "
    "for a maintainer, who will follow up here."
)

# Kinds that are always a request for an answer.
ASKING_KINDS = frozenset(
    {
        "slack.app_mention",
        "slack.message.im",
        "slack.command.ask",
        "slack.shortcut.ask",
        "discord.command.ask",
        "discord.message_command.ask",
        "console.ask",
    }
)
FEEDBACK_KINDS = frozenset({"slack.action.feedback_up", "slack.action.feedback_down", "discord.feedback"})
REVOCATION_KINDS = frozenset({"slack.tokens_revoked", "slack.app_uninstalled"})

Sleep = Callable[[float], None]


class ReplyInProgressError(PortError):
    """Another worker is posting this delivery's reply; the queue should try again later."""


def thread_partition(event: InboundEvent) -> str:
    return f"thread#{event.platform}#{event.thread}"


def reply_key(event: InboundEvent) -> tuple[str, str]:
    return f"reply#{event.platform}", event.delivery_id


def _mentions(text: str, login: str | None) -> bool:
    return bool(login) and re.search(rf"@{re.escape(login or '')}\b", text, re.IGNORECASE) is not None


def in_known_thread(event: InboundEvent, services: Services) -> bool:
    """True when the assistant already took part in this thread."""
    return bool(services.store.query(thread_partition(event), limit=1))


def should_answer(event: InboundEvent, services: Services) -> bool:
    if event.actor is not None and event.actor.is_bot:
        return False
    kind, settings = event.kind, services.settings
    if kind in ASKING_KINDS:
        return True
    if kind == "slack.message.thread":
        return in_known_thread(event, services)
    if kind == "discourse.post_created":
        if event.data.get("mentions_assistant"):
            return True
        first_post = event.data.get("post_number") == 1
        return bool(event.data.get("is_question")) and (first_post or in_known_thread(event, services))
    if kind.startswith("github."):
        login = settings.github_bot_login
        if login and event.actor is not None and event.actor.name.lower() == login.lower():
            return False  # its own comment
        if kind == "github.issue_comment.created":
            return settings.github_answer_all_comments or _mentions(event.text, login)
        if kind == "github.discussion.created":
            return looks_like_question(event.text)
        if kind in ("github.discussion_comment.created", "github.pull_request_review_comment.created"):
            return _mentions(event.text, login)
    return False


def load_history(event: InboundEvent, services: Services) -> list[ChatMessage]:
    items = services.store.query(thread_partition(event), limit=HISTORY_LIMIT, newest_first=True)
    items.sort(key=lambda item: item.sk)
    return [
        ChatMessage(role=item.data["role"], content=str(item.data.get("text", "")))
        for item in items
        if item.data.get("role") in ("user", "assistant")
    ]


def remember(event: InboundEvent, services: Services, role: str, text: str, message_id: str = "") -> None:
    # The sort key comes from the delivery, so remembering the same turn twice overwrites it; a
    # question sorts before its answer.
    order = "1" if role == "user" else "2"
    services.store.put(
        Item(
            pk=thread_partition(event),
            sk=f"{event.received_at:017.6f}#{event.delivery_id}#{order}",
            data={
                "role": role,
                "text": text,
                "message_id": message_id,
                "actor": event.actor.name or event.actor.id if event.actor else None,
            },
            expires_at=int(services.clock()) + THREAD_TTL_SECONDS,
        )
    )


def knowledge_available(services: Services) -> bool:
    """Whether an index to answer from exists (cloud: OpenSearch configured; edge: something ingested)."""
    settings = services.settings
    if settings.opensearch_endpoint:
        return True
    return (settings.data_dir / "knowledge" / "index.sqlite").is_file()


def compose_reply(event: InboundEvent, history: list[ChatMessage], services: Services) -> Reply:
    """The answer: from the LLM port when the runtime has one, else an honest fallback."""
    if not event.text.strip():
        return Reply(text=EMPTY_QUESTION_TEXT)
    if knowledge_available(services):
        # Retrieval first: quoted passages with checked permalinks, phrased by the LLM when there is one.
        answer = services.answerer.answer(event.text, history=history)
        sources = [c.url for c in answer.citations if c.url not in answer.text]
        return Reply(text=answer.text, sources=sources)
    llm: Any = getattr(services, "llm", None)
    if llm is None:
        return Reply(text=FALLBACK_TEXT)
    messages = [
        ChatMessage(role="system", content=SYSTEM_PROMPT),
        *history,
        ChatMessage(role="user", content=event.text),
    ]
    try:
        return Reply(text=llm.chat(messages, max_tokens=ANSWER_MAX_TOKENS, temperature=0.2).strip())
    except PortError as error:
        # The adapter already retried: say so kindly, and keep the question where maintainers look.
        log.error("LLM failed for %s: %s", event.delivery_id, type(error).__name__)
        services.store.put(Item(pk=f"unanswered#{event.platform}", sk=f"{event.received_at:017.6f}#{event.delivery_id}",
                                data={"event": event.model_dump(mode="json"), "error": type(error).__name__}))
        return Reply(text=UNAVAILABLE_TEXT)


def post_with_retries(
    platform: ChatPlatform,
    event: InboundEvent,
    reply: Reply,
    attempts: int,
    delay: float,
    sleep: Sleep = time.sleep,
) -> str:
    """Post, retrying retryable platform failures with exponential backoff; then let it raise."""
    for attempt in range(1, attempts + 1):
        try:
            return platform.post_reply(event, reply)
        except PlatformError as error:
            if not error.retryable or attempt == attempts:
                raise
            log.warning("posting to %s failed (attempt %d/%d): %s", event.platform, attempt, attempts, error)
            sleep(delay * 2 ** (attempt - 1))
    raise AssertionError("unreachable: the loop returns or raises")


def converse(event: InboundEvent, services: Services, sleep: Sleep = time.sleep) -> str:
    """Answer `event` in its thread, at most once per delivery. Returns what happened."""
    platform = services.platforms.get(event.platform)
    if platform is None:
        log.warning("no %s adapter is configured; cannot answer %s", event.platform, event.delivery_id)
        return "no-platform"
    store, now = services.store, services.clock()
    pk, sk = reply_key(event)
    done = store.get(pk, sk)
    if done is not None and done.data.get("message_id"):
        return "already-replied"
    claim = Item(pk=pk, sk=sk, data={"state": "posting"}, expires_at=int(now) + CLAIM_SECONDS)
    if not store.put_if_absent(claim):
        raise ReplyInProgressError(f"reply to {event.delivery_id} is being posted by another worker")
    try:
        history = load_history(event, services)
        remember(event, services, "user", event.text)
        if isinstance(platform, WorkingIndicator):
            platform.mark_working(event)
        reply = compose_reply(event, history, services)
        settings = services.settings
        message_id = post_with_retries(
            platform, event, reply, settings.reply_attempts, settings.reply_retry_delay_seconds, sleep
        )
    except BaseException:
        store.delete(pk, sk)  # release the claim so the queue's retry can post
        raise
    store.put(
        Item(
            pk=pk,
            sk=sk,
            data={"message_id": message_id, "at": now},
            expires_at=int(now) + services.settings.idempotency_ttl_seconds,
        )
    )
    remember(event, services, "assistant", reply.text, message_id)
    return "replied"


def record_feedback(event: InboundEvent, services: Services) -> None:
    vote = "up" if event.kind.endswith("up") or event.data.get("vote") == "up" else "down"
    services.store.put(
        Item(
            pk=f"feedback#{event.platform}",
            sk=f"{event.received_at:017.6f}#{event.delivery_id}",
            data={
                "vote": vote,
                "thread": event.thread,
                "actor": event.actor.id if event.actor else None,
                "answer": event.data.get("answer_delivery") or event.data.get("value"),
            },
        )
    )


def revoke_installation(event: InboundEvent, services: Services) -> None:
    """tokens_revoked / app_uninstalled: forget the workspace's bot token."""
    team = str(event.data.get("team") or "")
    if team:
        services.store.delete(*installation_key(team))
