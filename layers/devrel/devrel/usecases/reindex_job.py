"""Scheduled re-index: bring the knowledge index up to date with the configured sources.

Ingestion is incremental (content hashes), so a run over unchanged sources only reads files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from devrel.knowledge.build_status import IndexBuilds
from devrel.knowledge.index import VectorIndex
from devrel.ports import Embedder


def scheduled_reindex(targets: list[str], checkouts: Path, index: Callable[[], VectorIndex],
                      embedder: Callable[[], Embedder], include_skipped: bool = False,
                      builds: IndexBuilds | None = None) -> dict[str, Any]:
    """Re-index `targets` (cloned or pulled under `checkouts`); the index and the embedder are
    built only when there is something to do."""
    if not targets:
        return {"reindexed": [], "reason": "no DEVREL_REINDEX_TARGETS configured"}
    from devrel.knowledge.reindex import reindex

    reports = reindex(targets, checkouts, index(), embedder(), include_skipped=include_skipped, builds=builds)
    return {"reindexed": [{"source": r.source, "files_changed": r.files_changed, "files_removed": r.files_removed,
                           "chunks": r.chunks} for r in reports]}
