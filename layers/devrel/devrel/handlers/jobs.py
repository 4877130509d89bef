"""EventBridge-scheduled jobs: each takes the scheduled event (unused) and the process's services."""

from __future__ import annotations

from typing import Any

from devrel.records import Digests
from devrel.runtime import Services
from devrel.usecases.analytics import roll_up
from devrel.usecases.digest import weekly_digest
from devrel.usecases.reindex_job import scheduled_reindex


def hourly_rollup(event: Any, services: Services) -> dict[str, Any]:
    return roll_up(services.event_log, services.rollups, services.clock)


def weekly_community_digest(event: Any, services: Services) -> dict[str, Any]:
    channel = services.settings.digest_slack_channel
    slack = services.platforms.get("slack") if channel else None
    return weekly_digest(services.event_log, services.newcomers, Digests(services.store), services.clock,
                         slack, channel)


def reindex_sources(event: Any, services: Services) -> dict[str, Any]:
    return scheduled_reindex(services.settings.reindex_targets, services.scratch_dir / "knowledge" / "checkouts",
                             lambda: services.knowledge_index, lambda: services.embedder)
