"""Scheduled re-index: bring the knowledge index up to date with the configured sources.

Ingestion is incremental (content hashes), so a run over unchanged sources only reads files.
"""

from __future__ import annotations

from typing import Any

from devrel.runtime import Services


def scheduled_reindex(event: Any, services: Services) -> dict[str, Any]:
    settings = services.settings
    if not settings.reindex_targets:
        return {"reindexed": [], "reason": "no DEVREL_REINDEX_TARGETS configured"}
    from devrel.knowledge.reindex import reindex
    from devrel.knowledge.wiring import knowledge_dir

    reports = reindex(settings.reindex_targets, knowledge_dir(settings) / "checkouts", services.knowledge_index,
                      services.embedder)
    return {"reindexed": [{"source": r.source, "files_changed": r.files_changed, "files_removed": r.files_removed,
                           "chunks": r.chunks} for r in reports]}
