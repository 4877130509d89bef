"""The weekly community digest: what happened across platforms, kept in the Store and, when a
channel is configured, posted there."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from devrel.events import InboundEvent, Reply, SlackAddress
from devrel.ports import ChatPlatform
from devrel.records import Digests, EventLog
from devrel.usecases.onboarding import Newcomers

WEEK_SECONDS = 7 * 24 * 3600


def render(counts: dict[str, Counter[str]], newcomers: int) -> str:
    if not counts:
        return "Weekly digest: a quiet week, no community activity recorded."
    lines = ["*Weekly community digest*"]
    for platform, kinds in sorted(counts.items()):
        top = ", ".join(f"{kind.split('.', 1)[1]} x{n}" for kind, n in kinds.most_common(5))
        lines.append(f"- {platform}: {sum(kinds.values())} events ({top})")
    lines.append(f"- newcomers welcomed: {newcomers}")
    return "\n".join(lines)


def weekly_digest(events: EventLog, newcomers: Newcomers, digests: Digests, clock: Callable[[], float],
                  slack: ChatPlatform | None = None, channel: str | None = None) -> dict[str, Any]:
    now = clock()
    since = now - WEEK_SECONDS
    counts = events.counts(since)
    text = render(counts, newcomers.count_since(since))
    digests.save(now, text, {p: dict(k) for p, k in counts.items()})
    posted = None
    if channel and slack is not None:
        target = InboundEvent(platform="slack", kind="slack.digest", delivery_id=f"digest-{int(now)}",
                              reply_to=SlackAddress(channel=channel), thread=channel)
        posted = slack.post_reply(target, Reply(text=text))
    return {"text": text, "posted": posted}
