"""Ingestion: a checkout (local, or a GitHub repo at a commit) -> chunks -> embeddings -> index.

Incremental: every file (and every thread of a conversation export) is keyed by the hash of its
content; only new or changed ones are chunked and embedded, and chunks of deleted files are removed.
Embeddings are also cached by passage hash, so a file edited in one place re-embeds only the
passages that changed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from devrel.knowledge.chunkers import chunk_file, is_indexable
from devrel.knowledge.conversations import FAQ_NAMES, chunk_faq, read_threads
from devrel.knowledge.credentials import redact_credentials
from devrel.knowledge.documents import Chunk, Origin, content_hash
from devrel.knowledge.index import VectorIndex
from devrel.ports import Embedder, PortError

THREADS_SUFFIX = ".threads.jsonl"
MAX_FILE_BYTES = 1_000_000
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "build",
    "dist",
    "site-packages",
    ".devrel",
}
_LOCK_FILES = {"uv.lock", "poetry.lock", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock"}

Progress = Callable[[int, int], None]


# --- Where the files are -------------------------------------------------------------------------


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


_GITHUB_REMOTE = re.compile(r"github\.com[:/]([\w.-]+/[\w.-]+?)(?:\.git)?/?$")


def detect_origin(root: Path, source: str | None = None, repo: str | None = None, commit: str | None = None) -> Origin:
    """An Origin for a checkout: GitHub permalinks when its origin remote is on GitHub (or `repo` is
    given) and the commit is known; plain path:line citations otherwise."""
    if repo is None:
        remote = _git(root, "remote", "get-url", "origin")
        match = _GITHUB_REMOTE.search(remote or "")
        repo = match.group(1) if match else None
    if commit is None and repo:
        commit = _git(root, "rev-parse", "HEAD")
    return Origin(source=source or (repo or root.resolve().name), root=str(root), repo=repo, commit=commit)


_REPO_SPEC = re.compile(r"^(?:https://github\.com/)?([\w.-]+/[\w.-]+?)(?:\.git)?(?:@([0-9a-fA-F]{7,40}|[\w./-]+))?$")


def parse_repo_spec(spec: str) -> tuple[str, str | None] | None:
    """ "owner/name[@commit]" or a github.com URL -> (owner/name, commit or None); None for a path."""
    if os.path.exists(spec):
        return None
    match = _REPO_SPEC.match(spec)
    return (match.group(1), match.group(2)) if match else None


def checkout_github(repo: str, commit: str | None, dest: Path, base_url: str = "https://github.com") -> Path:
    """Clone (or update) `repo` into dest and check out `commit` (default: the default branch)."""
    if not (dest / ".git").is_dir():
        dest.parent.mkdir(parents=True, exist_ok=True)
        _run_git(["clone", "--quiet", "--filter=blob:none", f"{base_url}/{repo}.git", str(dest)])
    else:
        _run_git(["-C", str(dest), "fetch", "--quiet", "origin"])
    _run_git(["-C", str(dest), "checkout", "--quiet", "--detach", commit or "origin/HEAD"])
    return dest


def _run_git(args: list[str]) -> None:
    done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PortError(f"git {args[0] if args[0] != '-C' else args[2]}: {done.stderr.strip()}")


def list_files(root: Path) -> list[str]:
    """Indexable files under root as POSIX paths relative to it; git's view when root is a checkout."""
    tracked = _git(root, "ls-files", "-z") if (root / ".git").exists() else None
    if tracked is not None:
        candidates = [p for p in tracked.split("\0") if p]
    else:
        candidates = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            rel = Path(folder).relative_to(root)
            candidates += [(rel / name).as_posix() for name in sorted(names)]
    return [
        p
        for p in candidates
        if Path(p).name not in _LOCK_FILES
        and (is_indexable(p) or p.endswith(THREADS_SUFFIX) or Path(p).name in FAQ_NAMES)
    ]


# --- Progress --------------------------------------------------------------------------------------


class ProgressBar:
    """A one-line progress bar on a terminal; occasional plain lines when output is a file."""

    def __init__(self, label: str, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.label = label
        self.stream = stream
        self.width = width
        self.started = time.perf_counter()
        self._last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        if self.stream.isatty():
            filled = self.width * done // max(total, 1)
            bar = "#" * filled + "." * (self.width - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total} ({rate:.1f}/s){end}")
        elif (tenth := 10 * done // max(total, 1)) != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(f"{self.label}: {done}/{total} ({rate:.1f}/s)\n")
        self.stream.flush()


# --- Ingestion ----------------------------------------------------------------------------------


@dataclass
class IngestReport:
    source: str
    files_seen: int = 0
    files_changed: int = 0
    files_removed: int = 0
    chunks: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Item:
    """One unit of incremental ingestion: a file, or one thread of a conversation export."""

    path: str
    file_hash: str
    chunks: Callable[[], list[Chunk]]


def _read_text(path: Path) -> str | None:
    if path.stat().st_size > MAX_FILE_BYTES:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def _items(files: Sequence[tuple[str, Path]], report: IngestReport) -> Iterator[_Item]:
    """Items of (path as indexed, file on disk) pairs."""
    for rel, location in files:
        text = _read_text(location)
        # Credentials are redacted before anything is chunked; a secrets file is not indexed at all.
        text = redact_credentials(rel, text) if text is not None else None
        if text is None:
            report.skipped.append(rel)
            continue
        if rel.endswith(THREADS_SUFFIX):
            for path, thread_hash, chunks in read_threads(text):
                yield _Item(path, thread_hash, lambda chunks=chunks: chunks)
        elif Path(rel).name in FAQ_NAMES:
            yield _Item(rel, content_hash(text), lambda rel=rel, text=text: chunk_faq(rel, text))
        else:
            yield _Item(rel, content_hash(text), lambda rel=rel, text=text: chunk_file(rel, text))


def ingest(
    root: Path,
    origin: Origin,
    index: VectorIndex,
    embedder: Embedder,
    files: Sequence[str] | None = None,
    extra_files: Sequence[Path] = (),
    batch_size: int = 32,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index's copy of `origin.source` up to date with the files under root.

    `extra_files` live outside the tree (conversation exports, FAQ files); they are indexed by name.
    """
    started = time.perf_counter()
    report = IngestReport(origin.source)
    previous = index.file_hashes(origin.source)
    listed = [(rel, root / rel) for rel in (list_files(root) if files is None else files)]
    listed += [(extra.name, extra) for extra in extra_files]
    items = list(_items(listed, report))
    report.files_seen = len(items)
    current = {item.path for item in items}
    changed = [item for item in items if previous.get(item.path) != item.file_hash]
    removed = [path for path in previous if path not in current]
    report.files_changed, report.files_removed = len(changed), len(removed)
    index.delete_paths(origin.source, [*removed, *(item.path for item in changed)])

    chunks = [chunk.with_origin(origin, item.file_hash) for item in changed for chunk in item.chunks()]
    # Similar lengths in one batch waste less padding in the embedder.
    chunks.sort(key=lambda chunk: len(chunk.embedding_text()))
    for start in range(0, len(chunks), batch_size):
        batch = chunks[start : start + batch_size]
        embed_started = time.perf_counter()
        vectors = embedder.embed([chunk.embedding_text() for chunk in batch])
        report.embed_seconds += time.perf_counter() - embed_started
        index.upsert(batch, vectors)
        report.chunks += len(batch)
        if progress:
            progress(report.chunks, len(chunks))
    report.seconds = time.perf_counter() - started
    return report
