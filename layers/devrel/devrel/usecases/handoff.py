"""Hand-off to maintainers: a question the assistant cannot answer with confidence, or whose asker
wants a person, is posted with its context and a link to the maintainers' channel (Slack or Discord),
the asker is told, and the activity log records it. A maintainer's reply in that hand-off thread goes
back to the asker, into the activity log, and into the knowledge index as an answered thread, so the
next person asking the same gets it from the assistant.

What the asker and the maintainers wrote is quoted, never obeyed: a question can only cause this one
post, which is rate-limited per person and per deployment so a flood of requests cannot flood the
maintainers' channel; an answer is only ever relayed, quoted, to the one asker.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from devrel.activity import Action, ActivityLog
from devrel.events import DiscordAddress, HandOffAnswer, InboundEvent, Reply, SlackAddress
from devrel.idempotency import Idempotency
from devrel.knowledge.conversations import index_thread, thread_path
from devrel.knowledge.index import VectorIndex
from devrel.messages import say
from devrel.platforms.text import break_mentions
from devrel.ports import ChatPlatform, Embedder, Store
from devrel.records import (
    AnsweredThreads,
    HandOffPosts,
    People,
    ThreadMemory,
    VisitorLimits,
    conversation_key,
    handoff_scope,
)
from devrel.usecases.onboarding import language_of, reachable_later
from devrel.usecases.related_issues import answer_place

log = logging.getLogger(__name__)

# An explicit request for a person: "can I talk to a human", "please ask a maintainer", ...
_WANTS_A_PERSON = re.compile(
    r"\b(talk|speak|chat)\s+(to|with)\s+(a\s+)?(human|person|maintainer|someone)\b"
    r"|\b(ask|ping|contact|get)\s+(a\s+|the\s+)?(human|maintainers?|real person)\b"
    r"|\bhand(\s|-)?off\b",
    re.IGNORECASE,
)
QUOTE_LIMIT = 1500
# Where maintainers' answers live in the knowledge index (a source of its own: no re-index of the
# project's files removes them).
ANSWERS_SOURCE = "handoff-answers"

# "NAME (a maintainer) answered your question:" in the languages the welcome is written in; others get English.
_ANSWERED = {
    "en": "**{name}** (a maintainer) answered your question:",
    "es": "**{name}** (del equipo del proyecto) respondió a tu pregunta:",
    "fr": "**{name}** (de l'équipe du projet) a répondu à votre question :",
    "de": "**{name}** (aus dem Projektteam) hat deine Frage beantwortet:",
    "pt": "**{name}** (da equipe do projeto) respondeu à sua pergunta:",
}


# How a maintainer answers on each platform (Discord's HTTP-only apps receive no messages: a command sends it).
_HOW_TO_ANSWER = {
    "slack": "Reply in this thread and I'll pass your answer on to them (and learn it for the next person who asks).",
    "discord": "Reply to this message, then use Apps → **Send to the asker** on your reply: I'll pass it on to them "
               "(and learn it for the next person who asks).",
}


def wants_a_person(text: str) -> bool:
    return bool(_WANTS_A_PERSON.search(text))


def quoted(text: str) -> str:
    """Someone else's words as a Markdown quote, mentions made inert."""
    return "> " + break_mentions(text[:QUOTE_LIMIT]).replace("\n", "\n> ")


def answered_text(maintainer: str, answer: str, language: str = "en") -> str:
    """What the asker gets: the maintainer's answer, quoted as theirs, under their name."""
    name = break_mentions(maintainer.replace("*", "")[:80]) or "?"
    return f"{_ANSWERED.get(language, _ANSWERED['en']).format(name=name)}\n\n{quoted(answer)}"


@dataclass(frozen=True)
class Knowledge:
    """The knowledge index a maintainer's answer goes into, built on first use."""

    index: Callable[[], VectorIndex]
    embedder: Callable[[], Embedder]
    # Whether an index exists: a first answer must not create one that holds nothing else.
    ready: Callable[[], bool] = lambda: True


@dataclass(frozen=True)
class HandOffConfig:
    slack_channel: str | None = None
    discord_channel: str | None = None
    # At most this many hand-offs per asker per hour, and per deployment per hour.
    per_person_per_hour: int = 2
    per_hour: int = 30


class HandOff:
    def __init__(self, store: Store, platforms: Mapping[str, ChatPlatform], clock: Callable[[], float],
                 config: HandOffConfig, activity: ActivityLog, knowledge: Knowledge | None = None) -> None:
        self._store = store
        self._platforms = platforms
        self._clock = clock
        self._config = config
        self._activity = activity
        self._knowledge = knowledge
        self.posts = HandOffPosts(store, clock)
        # A maintainer's reply is relayed once, however often its delivery comes back.
        self._relayed = Idempotency(store, "handoff-answer", clock, in_progress_seconds=300,
                                    ttl_seconds=30 * 24 * 3600)
        self._person_limit = VisitorLimits(store, clock, config.per_person_per_hour, 3600)
        self._limit = VisitorLimits(store, clock, config.per_hour, 3600)

    @property
    def configured(self) -> bool:
        return bool(self._config.slack_channel or self._config.discord_channel)

    def _channels(self) -> list[tuple[Literal["slack", "discord"], InboundEvent]]:
        found: list[tuple[Literal["slack", "discord"], InboundEvent]] = []
        if self._config.slack_channel:
            found.append(("slack", InboundEvent(platform="slack", kind="slack.handoff", delivery_id="handoff",
                                                reply_to=SlackAddress(channel=self._config.slack_channel))))
        if self._config.discord_channel:
            found.append(("discord", InboundEvent(platform="discord", kind="discord.handoff", delivery_id="handoff",
                                                  reply_to=DiscordAddress(channel=self._config.discord_channel))))
        return found

    def hand_off(self, event: InboundEvent, reason: str, draft: str = "") -> str | None:
        """Post the question to the maintainers' channels. Returns what to tell the asker, or None when
        nothing was posted (not configured, rate-limited, or every channel failed: recorded)."""
        if not self.configured:
            return None
        who = event.actor.id if event.actor else event.thread
        entry = Action(kind="handoff", platform=event.platform, target=event.reply_to.link, status="posted",
                       reason=reason, run=event.delivery_id, detail=event.text[:500])
        if self._person_limit.admit(handoff_scope(event.platform), who) is not None or \
                self._limit.admit("handoff", "all") is not None:
            self._activity.record(entry.model_copy(update={"status": "failed", "error": "rate limited"}))
            return None
        asker = (event.actor.name or event.actor.id) if event.actor else "someone"
        lines = [f"Hand-off ({reason}): {asker} on {event.platform} asked in {event.reply_to.link}",
                 quoted(event.text)]
        if draft:
            lines.append("My unsure draft:\n" + break_mentions(draft[:QUOTE_LIMIT]))
        posted = []
        for name, target in self._channels():
            platform = self._platforms.get(name)
            if platform is None:
                continue
            text = "\n\n".join([*lines, _HOW_TO_ANSWER[name]])
            try:
                message_id = platform.post_reply(target, Reply(text=text, feedback=False))
                posted.append(name)
            except Exception as error:  # one channel down must not lose the other
                log.warning("hand-off to %s failed: %s", name, error)
                self._activity.record(entry.model_copy(update={
                    "status": "failed", "error": f"{name}: {type(error).__name__}: {error}"[:300]}))
                continue
            # So a maintainer's reply under the post finds its way back to the asker. Never a Discord
            # interaction's token (a capability, and lapsed by then): the answer goes by the bot token.
            to = event.reply_to
            kept = event.model_copy(update={"reply_to": to.model_copy(update={"token": ""})}) \
                if isinstance(to, DiscordAddress) else event
            self.posts.keep(name, self._channel(name), message_id, kept)
        if not posted:
            return None
        self._activity.record(entry.model_copy(update={"reason": f"{reason}; posted to {', '.join(posted)}"}))
        language = language_of(People(self._store, self._clock), event.platform, who, event.text) \
            if event.actor else "en"
        return say("handoff.told", language)

    def _channel(self, platform: str) -> str:
        return (self._config.slack_channel if platform == "slack" else self._config.discord_channel) or ""

    def answered_post(self, event: InboundEvent) -> tuple[str, str, str] | None:
        """(platform, channel, message id) of the hand-off post `event` replies to, when it is a person's
        reply under one in a maintainers' channel (a Slack thread reply, a Discord reply sent with "Send to
        the asker"); None for anything else."""
        to = event.reply_to
        if event.actor is None or event.actor.is_bot or not event.text.strip():
            return None
        if isinstance(to, SlackAddress) and to.channel and to.channel == self._config.slack_channel \
                and to.thread_ts and to.thread_ts != to.message_ts:
            return "slack", to.channel, to.thread_ts
        if isinstance(event.intent, HandOffAnswer) and isinstance(to, DiscordAddress) and to.channel \
                and to.channel == self._config.discord_channel:
            return "discord", to.channel, event.intent.post
        return None

    def relay(self, event: InboundEvent) -> str | None:
        """A maintainer's reply in a hand-off thread: posted back to the asker where they asked (quoted as
        the maintainer's, in the asker's language), logged, and kept as an answered thread. None when
        `event` is no such reply; raises when the post fails, so the queue tries again."""
        post = self.answered_post(event)
        asker = self.posts.find(*post) if post else None
        if post is None or asker is None:
            return None
        assert event.actor is not None  # answered_post checked
        if not self._relayed.claim_or_done(event.platform, event.delivery_id):
            return "already-relayed"
        maintainer = event.actor.name or event.actor.id
        entry = Action(kind="handoff_answer", platform=asker.platform, target=asker.reply_to.link, status="posted",
                       reason=f"{maintainer} answered in the {event.platform} hand-off thread",
                       run=event.delivery_id, detail=event.text[:500])
        platform = self._platforms.get(asker.platform)
        if platform is None:
            self._relayed.release(event.platform, event.delivery_id)
            self._activity.record(entry.model_copy(update={"status": "failed",
                                                           "error": f"no {asker.platform} adapter is configured"}))
            return "no-platform"
        who = asker.actor.id if asker.actor else ""
        language = language_of(People(self._store, self._clock), asker.platform, who, asker.text)
        text = answered_text(maintainer, event.text, language)
        try:
            message_id = platform.post_reply(reachable_later(asker, who, self._clock()), Reply(text=text))
        except Exception as error:
            self._relayed.release(event.platform, event.delivery_id)
            self._activity.record(entry.model_copy(update={"status": "failed",
                                                           "error": f"{type(error).__name__}: {error}"[:300]}))
            raise
        self._relayed.complete(event.platform, event.delivery_id, {"message_id": message_id})
        self._activity.record(entry)
        ThreadMemory(self._store, self._clock).remember(conversation_key(asker), event.delivery_id,
                                                        self._clock(), "assistant", text, message_id)
        answers = self.posts.add_answer(*post, {"author": maintainer, "body": event.text[:4000], "answer": True,
                                                "url": asker.reply_to.link})
        self._learn(asker, self._thread_id(HandOffPosts.partition(post[0], post[1]), post[2]), answers)
        return "handoff-answer-relayed"

    @staticmethod
    def _thread_id(partition: str, message_id: str) -> str:
        """The indexed thread of one hand-off post (a hash: the key names a channel and a message)."""
        return "handoff-" + hashlib.sha256(f"{partition}/{message_id}".encode()).hexdigest()[:16]

    def forget_answers(self, platform: str, person_id: str) -> int:
        """Forget-me's part in the knowledge index: the answered threads of their questions, found by the
        hand-off records (so this runs before those are deleted). Returns how many threads were removed."""
        if self._knowledge is None or not self._knowledge.ready():
            return 0
        paths = [thread_path({"id": self._thread_id(item.pk, item.sk)}) for item in self._store.scan()
                 if item.pk.startswith(HandOffPosts.PREFIX) and item.data.get("answers")
                 and ((item.data.get("event") or {}).get("platform"),
                      ((item.data.get("event") or {}).get("actor") or {}).get("id")) == (platform, person_id)]
        if paths:
            self._knowledge.index().delete_paths(ANSWERS_SOURCE, paths)
        return len(paths)

    def _learn(self, asker: InboundEvent, thread_id: str, answers: list[dict[str, Any]]) -> None:
        """The question and every answer so far into the knowledge index, and the thread among the answered
        ones of its place. The asker is not named: their question is enough to find it by."""
        place = answer_place(asker)
        if place is not None:
            AnsweredThreads(self._store, self._clock).keep(asker, place, asker.text)
        if self._knowledge is None or not self._knowledge.ready():
            return
        title = " ".join(asker.text.split())
        # A short question is its title alone (the opening passage would say it twice).
        thread = {"kind": "thread", "id": thread_id, "title": title[:120], "url": asker.reply_to.link,
                  "body": asker.text[:4000] if len(title) > 120 else "", "comments": answers}
        try:
            index_thread(thread, ANSWERS_SOURCE, self._knowledge.index(), self._knowledge.embedder())
        except Exception as error:  # the asker has the answer; the next reply in the thread indexes it again
            log.warning("could not index the hand-off answer: %s: %s", type(error).__name__, error)
