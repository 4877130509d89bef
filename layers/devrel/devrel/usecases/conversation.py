"""Conversations: decide whether to answer, remember the thread, answer, post the reply.

Runs in the worker. The queue delivers at least once, so posting is guarded by a claim in the
Store: one reply per delivery even when a message is processed twice. A reply that cannot be
posted after a few quick attempts raises, so the queue retries it later and finally dead-letters it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from devrel.activity import Action, ActivityLog
from devrel.events import Feedback, InboundEvent, InstallRevoked, Question, Reply
from devrel.idempotency import Idempotency
from devrel.platforms.outbound import PlatformError, WorkingIndicator
from devrel.ports import LLM, ChatMessage, ChatPlatform, PortError, Store
from devrel.records import (
    AccountThreads,
    AnsweredThreads,
    DocsGaps,
    FeedbackLog,
    People,
    SlackInstallations,
    ThreadMemory,
    Unanswered,
    conversation_key,
)
from devrel.usecases.handoff import HandOff, wants_a_person
from devrel.usecases.related_issues import answer_place, linkable

log = logging.getLogger(__name__)

HISTORY_LIMIT = 20
# Messages of a linked account's latest conversation that a new one on another account starts from.
CARRIED_TURNS = 6
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

Sleep = Callable[[float], None]


class ReplyInProgressError(PortError):
    """Another worker is posting this delivery's reply; the queue should try again later."""


class AnswerSource(Protocol):
    """Grounded answers from the knowledge index (devrel.knowledge.answering.Answerer)."""

    def answer(self, question: str, thread: str | None = None, history: list[ChatMessage] | None = None,
               now: float | None = None, language: str | None = None) -> Any: ...


@dataclass(frozen=True)
class ReplyPolicy:
    attempts: int = 3
    retry_delay_seconds: float = 0.5
    # How long a posted reply's record is kept (redeliveries within it are not answered again).
    remember_seconds: int = 3 * 24 * 3600
    # Answer issue comments that do not mention the assistant.
    answer_overheard: bool = False


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


class Conversations:
    """Answer questions in their threads: memory, grounded answers or the LLM, one reply per delivery."""

    def __init__(
        self,
        store: Store,
        platforms: Mapping[str, ChatPlatform],
        clock: Callable[[], float],
        policy: ReplyPolicy,
        knowledge_ready: Callable[[], bool],
        answerer: Callable[[], AnswerSource],
        llm: Callable[[], LLM | None],
        handoff: HandOff | None = None,
        activity: ActivityLog | None = None,
        related: Callable[[InboundEvent], str | None] | None = None,
    ) -> None:
        self.activity = activity or ActivityLog(store, clock)
        # The repository's issue, or the answered conversation, a chat question matches, if any
        # (usecases/related_issues.py).
        self._related = related
        self.answered = AnsweredThreads(store, clock)
        self._platforms = platforms
        self._clock = clock
        self._policy = policy
        self._knowledge_ready = knowledge_ready
        self._answerer = answerer
        self._llm = llm
        self.memory = ThreadMemory(store, clock)
        self.threads = AccountThreads(store, clock)
        self.people = People(store, clock)
        self.unanswered = Unanswered(store)
        self.docs_gaps = DocsGaps(store, clock)
        self.replies = Idempotency(store, "reply", clock, CLAIM_SECONDS, policy.remember_seconds)
        self._handoff = handoff

    def reply_key(self, event: InboundEvent) -> tuple[str, str]:
        return self.replies.key(event.platform, event.delivery_id)

    def _record(self, event: InboundEvent, status: Literal["posted", "failed"], text: str,
                error: str | None = None) -> None:
        addressed = event.intent.addressed if isinstance(event.intent, Question) else "directly"
        self.activity.record(Action(kind="answer", platform=event.platform, target=event.reply_to.link,
                                    status=status, reason=f"a question asked {addressed.replace('_', ' ')}",
                                    run=event.delivery_id, detail=text[:500], error=error))

    def should_answer(self, event: InboundEvent) -> bool:
        question = event.intent
        if not isinstance(question, Question) or (event.actor is not None and event.actor.is_bot):
            return False
        if question.addressed == "in_thread":
            return self.memory.has_turns(conversation_key(event))
        if question.addressed == "overheard":
            return self._policy.answer_overheard
        return True

    def handle(self, event: InboundEvent, sleep: Sleep = time.sleep) -> str | None:
        """The worker's entry for a question: answer it when it is for the assistant."""
        return self.converse(event, sleep) if self.should_answer(event) else None

    def compose_reply(self, event: InboundEvent, history: list[ChatMessage]) -> Reply:
        """The answer, plus the link and status of a matching issue for questions asked off GitHub."""
        reply = self._answer(event, history)
        if self._related is None or event.platform == "github" or not event.text.strip():
            return reply  # on GitHub, triage links duplicates itself
        try:
            line = self._related(event)
        except Exception as error:  # a hint, never a reason to fail the answer
            log.warning("related issue lookup failed for %s: %s", event.delivery_id, error)
            return reply
        return reply.model_copy(update={"text": f"{reply.text}\n\n{line}"}) if line else reply

    def _answer(self, event: InboundEvent, history: list[ChatMessage]) -> Reply:
        """The answer: grounded in the index when there is one, else the LLM, else an honest fallback."""
        if not event.text.strip():
            return Reply(text=EMPTY_QUESTION_TEXT)
        if self._knowledge_ready():
            # Retrieval first: quoted passages with checked permalinks, phrased by the LLM when there is one.
            # The language the asker chose in their profile (any linked account's), else the detected one.
            chosen = self.people.profile(event.platform, event.actor.id).get("language") if event.actor else None
            answer = self._answerer().answer(event.text, history=history, **({"language": chosen} if chosen else {}))
            if not answer.confident:  # a docs gap: maintainers see these grouped by nearest page
                self.docs_gaps.keep(event.text, [c.url for c in answer.citations], event.delivery_id)
            sources = [c.url for c in answer.citations if c.url not in answer.text]
            return Reply(text=answer.text, sources=sources, unsure=not answer.confident)
        llm = self._llm()
        if llm is None:
            return Reply(text=FALLBACK_TEXT)
        messages = [ChatMessage(role="system", content=SYSTEM_PROMPT), *history,
                    ChatMessage(role="user", content=event.text)]
        try:
            return Reply(text=llm.chat(messages, max_tokens=ANSWER_MAX_TOKENS, temperature=0.2).strip())
        except PortError as error:
            # The adapter already retried: say so kindly, and keep the question where maintainers look.
            log.error("LLM failed for %s: %s", event.delivery_id, type(error).__name__)
            self.unanswered.keep(event, type(error).__name__)
            return Reply(text=UNAVAILABLE_TEXT)

    def converse(self, event: InboundEvent, sleep: Sleep = time.sleep) -> str:
        """Answer `event` in its thread, at most once per delivery. Returns what happened."""
        platform = self._platforms.get(event.platform)
        if platform is None:
            log.warning("no %s adapter is configured; cannot answer %s", event.platform, event.delivery_id)
            return "no-platform"
        held = self.replies.begin(event.platform, event.delivery_id)
        if held is not None:
            if held.status == "COMPLETE":
                return "already-replied"
            raise ReplyInProgressError(f"reply to {event.delivery_id} is being posted by another worker")
        thread = conversation_key(event)
        actor = (event.actor.name or event.actor.id) if event.actor else None
        try:
            history = self.memory.history(thread, HISTORY_LIMIT) or self._carried_over(event)
            self.memory.remember(thread, event.delivery_id, event.received_at, "user", event.text, actor=actor)
            if event.actor is not None and actor:
                self.threads.note(event.platform, event.actor.id, thread, actor, event.received_at)
            if isinstance(platform, WorkingIndicator):
                platform.mark_working(event)
            reply = self.handed_off(event, self.compose_reply(event, history))
            message_id = post_with_retries(platform, event, reply, self._policy.attempts,
                                           self._policy.retry_delay_seconds, sleep)
        except BaseException as error:
            # So the queue's retry can post; a claim left behind would make every retry wait on it.
            self._persist(event, "release the reply claim", sleep,
                          lambda: self.replies.release(event.platform, event.delivery_id))
            if isinstance(error, Exception):
                self._record(event, "failed", "", f"{type(error).__name__}: {error}"[:300])
            raise
        # The reply is out; the rest is bookkeeping. A store failing now (throttled past the client's
        # retries) must not send the delivery back to the queue: it would wait on its own claim until
        # the dead-letter queue, although the person has their answer.
        self._persist(event, "mark the reply posted", sleep, lambda: self.replies.complete(
            event.platform, event.delivery_id, {"message_id": message_id, "at": self._clock()}))
        self._persist(event, "log the answer", sleep, lambda: self._record(event, "posted", reply.text))
        self._persist(event, "remember the answer", sleep, lambda: self.memory.remember(
            thread, event.delivery_id, event.received_at, "assistant", reply.text, message_id))
        place = answer_place(event)
        if place is not None and self._answered_for_good(event, reply):
            self._persist(event, "keep the answered thread", sleep,
                          lambda: self.answered.keep(event, place, event.text))
        return "replied"

    def _carried_over(self, event: InboundEvent) -> list[ChatMessage]:
        """A new conversation of someone who linked accounts starts from their latest one on another account
        (their questions and the answers to them). Not into a public forum's record (GitHub, Discourse),
        where it could quote what they said in private."""
        if event.actor is None or event.platform in ("github", "discourse"):
            return []
        others = self.people.accounts(event.platform, event.actor.id)[1:]
        if not others:
            return []
        return [turn for thread, actor in self.threads.latest(others)
                for turn in self.memory.turns_of(thread, actor, CARRIED_TURNS)]

    def _persist(self, event: InboundEvent, what: str, sleep: Sleep, write: Callable[[], object]) -> bool:
        """One store write, retried like a post; a last failure is logged, not raised."""
        attempts = self._policy.attempts
        for attempt in range(1, attempts + 1):
            try:
                write()
                return True
            except PortError as error:
                if attempt == attempts:
                    log.error("could not %s for %s: %s", what, event.delivery_id, type(error).__name__)
                    return False
                sleep(self._policy.retry_delay_seconds * 2 ** (attempt - 1))
        return False

    @staticmethod
    def _answered_for_good(event: InboundEvent, reply: Reply) -> bool:
        """A confident answer to a real question, in a thread others can open: what a later asker may be
        pointed to (not a fallback, an apology, a hand-off, an unsure draft or a private reply)."""
        canned = {FALLBACK_TEXT, EMPTY_QUESTION_TEXT, UNAVAILABLE_TEXT}
        return bool(event.text.strip()) and not reply.unsure and not reply.ephemeral and reply.text not in canned \
            and not wants_a_person(event.text) and linkable(event)


    def handed_off(self, event: InboundEvent, reply: Reply) -> Reply:
        """The reply after handing the question to the maintainers, when the asker wants a person or the
        answer is unsure (and a maintainers' channel is configured)."""
        if self._handoff is None or not self._handoff.configured:
            return reply
        asked = wants_a_person(event.text)
        if not (asked or reply.unsure):
            return reply
        told = self._handoff.hand_off(event, "they asked for a person" if asked else "no confident answer",
                                      draft="" if asked else reply.text)
        if told is None:
            return reply
        if asked:
            return Reply(text=told)
        return reply.model_copy(update={"text": f"{reply.text}\n\n{told}"})


def record_feedback(event: InboundEvent, feedback: FeedbackLog, answered: AnsweredThreads | None = None) -> str:
    vote = event.intent
    assert isinstance(vote, Feedback)
    feedback.record(event, vote.vote, vote.answer)
    if answered is not None:  # the answered thread's status: found helpful, or not pointed to any more
        answered.vote(event.platform, conversation_key(event), vote.vote)
    return "feedback-recorded"


def revoke_installation(event: InboundEvent, installations: SlackInstallations) -> str:
    """tokens_revoked / app_uninstalled: forget the workspace's bot token."""
    revoked = event.intent
    assert isinstance(revoked, InstallRevoked)
    if revoked.team:
        installations.forget(revoked.team)
    return "installation-revoked"
