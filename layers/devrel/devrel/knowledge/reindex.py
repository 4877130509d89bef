"""Bring the index up to date with a list of sources: the scheduled re-index job's use case.

A target is a local folder or "OWNER/NAME[@COMMIT]" (cloned or fetched into the data directory).
Ingestion is incremental, so a run over unchanged sources only hashes files.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from devrel.knowledge.build_status import IndexBuilds
from devrel.knowledge.documents import Origin
from devrel.knowledge.index import VectorIndex
from devrel.knowledge.ingest import IngestReport, Progress, checkout_github, detect_origin, ingest, parse_repo_spec
from devrel.ports import Embedder

log = logging.getLogger(__name__)


def resolve_target(
    target: str,
    checkouts: Path,
    source: str | None = None,
    repo: str | None = None,
    commit: str | None = None,
    github_url: str = "https://github.com",
) -> tuple[Path, Origin]:
    """The folder to read and the origin its citations link to."""
    spec = parse_repo_spec(target)
    if spec is not None:
        name, at = spec
        root = checkout_github(name, at, checkouts / name.replace("/", "+"), github_url)
        return root, detect_origin(root, source or name, repo=name, commit=commit)
    root = Path(target)
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {root}")
    return root, detect_origin(root, source, repo=repo, commit=commit)


@contextmanager
def first_build(builds: IndexBuilds | None, index: VectorIndex, source: str) -> Iterator[Progress | None]:
    """While `source` is built for the first time (nothing of it indexed yet), how far it got goes to
    `builds` (answers and /api/health say the index is partial); yields the files' progress callback."""
    track = partial(builds.progress, source) if builds is not None and not index.file_hashes(source) else None
    try:
        yield track
    finally:
        if track is not None and builds is not None:
            builds.finished(source)


def reindex(
    targets: Sequence[str],
    checkouts: Path,
    index: VectorIndex,
    embedder: Embedder,
    github_url: str = "https://github.com",
    include_skipped: bool = False,
    builds: IndexBuilds | None = None,
) -> list[IngestReport]:
    """`builds` hears how far a source's first build got (one with nothing indexed yet)."""
    reports = []
    for target in targets:
        root, origin = resolve_target(target, checkouts, github_url=github_url)
        with first_build(builds, index, origin.source) as track:
            report = ingest(root, origin, index, embedder, include_skipped=include_skipped, files_progress=track)
        log.info(
            "reindexed %s: %d files changed, %d removed, %d chunks embedded",
            origin.source,
            report.files_changed,
            report.files_removed,
            report.chunks,
        )
        reports.append(report)
    return reports
