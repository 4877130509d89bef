"""The weekly community digest: what happened across platforms and how the community is doing
(the health metrics of the week against the week before), kept in the Store and posted to the
configured Slack and Discord channels, with an alert when a number crosses its threshold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from devrel.events import DiscordAddress, InboundEvent, Reply, SlackAddress
from devrel.messages import say
from devrel.ports import ChatPlatform
from devrel.records import Digests, EventLog
from devrel.usecases.onboarding import Newcomers

WEEK_SECONDS = 7 * 24 * 3600

# Keys in the health report's weekly rows, in the digest's order; each reads as `digest.headline.<key>`.
HEADLINES = ("first_response_hours_p50", "time_to_close_hours_p50", "unanswered_now", "active_contributors",
             "new_contributors", "sentiment_mean")


@dataclass(frozen=True)
class AlertThresholds:
    first_response_hours: float = 48.0
    unanswered_questions: int = 10


def _change(now: Any, before: Any, language: str) -> str:
    if not isinstance(now, int | float) or not isinstance(before, int | float):
        return ""
    delta = now - before
    if delta == 0:
        return " " + say("digest.no_change", language)
    return " " + say("digest.from_last_week", language, delta=f"{'+' if delta > 0 else ''}{round(delta, 2)}")


def alerts(current: dict[str, Any], thresholds: AlertThresholds, language: str = "en") -> list[str]:
    found = []
    response = current.get("first_response_hours_p50")
    if isinstance(response, int | float) and response > thresholds.first_response_hours:
        found.append(say("digest.alert.first_response", language, hours=response,
                         threshold=thresholds.first_response_hours))
    unanswered = current.get("unanswered_now")
    if isinstance(unanswered, int) and unanswered > thresholds.unanswered_questions:
        found.append(say("digest.alert.unanswered", language, count=unanswered,
                         threshold=thresholds.unanswered_questions))
    return found


def render(counts: dict[str, Counter[str]], newcomers: int, health: dict[str, Any] | None = None,
           warnings: list[str] | None = None, language: str = "en") -> str:
    current, previous = (health or {}).get("current") or {}, (health or {}).get("previous") or {}
    if not counts and not any(isinstance(current.get(key), int | float) and current.get(key) for key in HEADLINES):
        return say("digest.quiet", language)
    lines = [f"*{say('digest.title', language)}*"]
    lines.extend(f":warning: {warning}" for warning in warnings or [])
    for key in HEADLINES:
        if current.get(key) is not None:
            label = say(f"digest.headline.{key}", language)
            lines.append(f"- {label}: {current[key]}{_change(current[key], previous.get(key), language)}")
    for platform, kinds in sorted(counts.items()):
        top = ", ".join(f"{kind.split('.', 1)[1]} x{n}" for kind, n in kinds.most_common(5))
        lines.append(f"- {platform}: {say('digest.events', language, count=sum(kinds.values()), top=top)}")
    lines.append(f"- {say('digest.newcomers', language, count=newcomers)}")
    gaps = (health or {}).get("docs_gaps") or []
    if gaps:
        listed = ", ".join(f"{gap['topic']} ({gap['count']})" for gap in gaps[:3])
        lines.append(f"- {say('digest.docs_gaps', language, gaps=listed)}")
    return "\n".join(lines)


def weekly_digest(events: EventLog, newcomers: Newcomers, digests: Digests, clock: Callable[[], float],
                  platforms: Mapping[str, ChatPlatform], channels: Mapping[str, str | None],
                  health: dict[str, Any] | None = None, thresholds: AlertThresholds | None = None,
                  language: str = "en") -> dict[str, Any]:
    """Compose, keep and post the digest, in `language`; `channels` maps platform ("slack", "discord") to a
    channel id."""
    now = clock()
    since = now - WEEK_SECONDS
    counts = events.counts(since)
    warnings = alerts((health or {}).get("current") or {}, thresholds or AlertThresholds(), language)
    text = render(counts, newcomers.count_since(since), health, warnings, language)
    digests.save(now, text, {p: dict(k) for p, k in counts.items()})
    posted: dict[str, str] = {}
    addresses = {"slack": lambda channel: SlackAddress(channel=channel),
                 "discord": lambda channel: DiscordAddress(channel=channel)}
    for platform, channel in channels.items():
        adapter = platforms.get(platform)
        if not channel or adapter is None or platform not in addresses:
            continue
        target = InboundEvent(platform=platform, kind=f"{platform}.digest",  # type: ignore[arg-type]
                              delivery_id=f"digest-{int(now)}", reply_to=addresses[platform](channel), thread=channel)
        posted[platform] = adapter.post_reply(target, Reply(text=text))
    return {"text": text, "posted": posted or None, "alerts": warnings}
