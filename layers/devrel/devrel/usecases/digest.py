"""The weekly community digest: what happened across platforms, kept in the Store and, when a
channel is configured, posted there."""

from __future__ import annotations

from collections import Counter
from typing import Any

from devrel.events import InboundEvent, Reply
from devrel.ports import Item
from devrel.runtime import Services
from devrel.usecases.analytics import PLATFORMS, count_events

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


def weekly_digest(event: Any, services: Services) -> dict[str, Any]:
    now = services.clock()
    since = now - WEEK_SECONDS
    counts = count_events(services, since)
    newcomers = sum(
        1 for platform in PLATFORMS
        for item in services.store.query(f"onboarded#{platform}", limit=10_000)
        if float(item.data.get("at") or 0) >= since
    )
    text = render(counts, newcomers)
    services.store.put(Item(pk="digest#weekly", sk=f"{int(now):012d}",
                            data={"text": text, "counts": {p: dict(k) for p, k in counts.items()}}))
    channel = services.settings.digest_slack_channel
    posted = None
    if channel and "slack" in services.platforms:
        target = InboundEvent(platform="slack", kind="slack.digest", delivery_id=f"digest-{int(now)}",
                              thread=channel, data={"channel": channel})
        posted = services.platforms["slack"].post_reply(target, Reply(text=text))
    return {"text": text, "posted": posted}
