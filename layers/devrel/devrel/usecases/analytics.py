"""Hourly roll-up of the event log into per-platform counts (read by the health report)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devrel.records import EventLog, Rollups


def roll_up(events: EventLog, rollups: Rollups, clock: Callable[[], float], window_seconds: int = 3600
            ) -> dict[str, Any]:
    """Count the last window's events by platform and kind, and keep the result in the Store."""
    now = clock()
    counts = {platform: dict(kinds) for platform, kinds in events.counts(now - window_seconds).items()}
    hour = int(now // 3600 * 3600)
    rollups.save(hour, counts)
    return {"hour": hour, "counts": counts}
