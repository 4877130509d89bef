"""Hourly roll-up of the event log into per-platform counts (read by the health report)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from devrel.ports import Item
from devrel.runtime import Services

PLATFORMS = ("github", "slack", "discord", "discourse", "console")


def count_events(services: Services, since: float, limit: int = 50_000) -> dict[str, Counter[str]]:
    """Events since `since` by platform and kind, from the event log the worker appends to."""
    counts: dict[str, Counter[str]] = {}
    for platform in PLATFORMS:
        kinds: Counter[str] = Counter()
        for item in services.store.query(f"events#{platform}", limit=limit, newest_first=True):
            if float(item.sk.split("#", 1)[0]) < since:
                break
            kinds[str(item.data.get("kind"))] += 1
        if kinds:
            counts[platform] = kinds
    return counts


def roll_up(event: Any, services: Services, window_seconds: int = 3600) -> dict[str, Any]:
    """Count the last window's events by platform and kind, and keep the result in the Store."""
    now = services.clock()
    counts = {platform: dict(kinds) for platform, kinds in count_events(services, now - window_seconds).items()}
    hour = int(now // 3600 * 3600)
    services.store.put(Item(pk="rollup#hourly", sk=f"{hour:012d}", data={"counts": counts}))
    return {"hour": hour, "counts": counts}
