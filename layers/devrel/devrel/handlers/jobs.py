"""EventBridge-scheduled jobs: each takes the scheduled event (unused) and the process's services."""

from __future__ import annotations

from typing import Any

from devrel.records import Digests
from devrel.runtime import Services
from devrel.usecases.analytics import roll_up
from devrel.usecases.digest import AlertThresholds, weekly_digest
from devrel.usecases.reindex_job import scheduled_reindex


def hourly_rollup(event: Any, services: Services) -> dict[str, Any]:
    return roll_up(services.event_log, services.rollups, services.clock)


def weekly_community_digest(event: Any, services: Services) -> dict[str, Any]:
    settings = services.settings
    channels = {"slack": settings.digest_slack_channel, "discord": settings.digest_discord_channel}
    thresholds = AlertThresholds(settings.alert_first_response_hours, settings.alert_unanswered_questions)
    return weekly_digest(services.event_log, services.newcomers, Digests(services.store), services.clock,
                         services.platforms, channels, services.health(weeks=2), thresholds,
                         settings.digest_language)


def stale_sweep(event: Any, services: Services) -> dict[str, Any]:
    """The daily stale sweep over each configured repository (nothing to do without GitHub credentials)."""
    from dataclasses import asdict

    from devrel.usecases.stale import StaleSweep

    settings = services.settings
    repositories = settings.stale_repositories or ([settings.project_repository] if settings.project_repository
                                                   else [])
    tracker = services.issue_tracker
    if tracker is None or not repositories:
        return {"swept": [], "reason": "no GitHub credentials or no repository configured"}
    sweep = StaleSweep(tracker, services.store, services.activity, services.clock, settings.github_bot_login,
                       load=services.assignee_load)
    return {"swept": [asdict(sweep.sweep(repository)) for repository in repositories]}


def reindex_sources(event: Any, services: Services) -> dict[str, Any]:
    return scheduled_reindex(services.settings.reindex_targets, services.scratch_dir / "knowledge" / "checkouts",
                             lambda: services.knowledge_index, lambda: services.embedder,
                             include_skipped=services.settings.ingest_all_files, builds=services.index_builds)
