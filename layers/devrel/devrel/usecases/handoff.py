"""Hand-off to maintainers: a question the assistant cannot answer with confidence, or whose asker
wants a person, is posted with its context and a link to the maintainers' channel (Slack or Discord),
the asker is told, and the activity log records it.

What the asker wrote is quoted, never obeyed: it can only cause this one post, which is rate-limited
per person and per deployment so a flood of requests cannot flood the maintainers' channel.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from devrel.events import DiscordAddress, InboundEvent, Reply, SlackAddress
from devrel.platforms.text import break_mentions
from devrel.ports import ChatPlatform, Store
from devrel.records import Action, ActivityLog, VisitorLimits, handoff_scope

log = logging.getLogger(__name__)

# An explicit request for a person: "can I talk to a human", "please ask a maintainer", ...
_WANTS_A_PERSON = re.compile(
    r"\b(talk|speak|chat)\s+(to|with)\s+(a\s+)?(human|person|maintainer|someone)\b"
    r"|\b(ask|ping|contact|get)\s+(a\s+|the\s+)?(human|maintainers?|real person)\b"
    r"|\bhand(\s|-)?off\b",
    re.IGNORECASE,
)
QUOTE_LIMIT = 1500


def wants_a_person(text: str) -> bool:
    return bool(_WANTS_A_PERSON.search(text))


@dataclass(frozen=True)
class HandOffConfig:
    slack_channel: str | None = None
    discord_channel: str | None = None
    # At most this many hand-offs per asker per hour, and per deployment per hour.
    per_person_per_hour: int = 2
    per_hour: int = 30


class HandOff:
    def __init__(self, store: Store, platforms: Mapping[str, ChatPlatform], clock: Callable[[], float],
                 config: HandOffConfig, activity: ActivityLog) -> None:
        self._platforms = platforms
        self._config = config
        self._activity = activity
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
                 "> " + break_mentions(event.text[:QUOTE_LIMIT]).replace("\n", "\n> ")]
        if draft:
            lines.append("My unsure draft:\n" + break_mentions(draft[:QUOTE_LIMIT]))
        lines.append("Please answer them there.")
        text = "\n\n".join(lines)
        posted = []
        for name, target in self._channels():
            platform = self._platforms.get(name)
            if platform is None:
                continue
            try:
                platform.post_reply(target, Reply(text=text))
                posted.append(name)
            except Exception as error:  # one channel down must not lose the other
                log.warning("hand-off to %s failed: %s", name, error)
                self._activity.record(entry.model_copy(update={
                    "status": "failed", "error": f"{name}: {type(error).__name__}: {error}"[:300]}))
        if not posted:
            return None
        self._activity.record(entry.model_copy(update={"reason": f"{reason}; posted to {', '.join(posted)}"}))
        return "I've already passed your question to the maintainers; one of them will follow up here."
