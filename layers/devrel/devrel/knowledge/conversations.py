"""Issues, discussions, answered chat threads and FAQ entries as chunks of their own.

A thread is read from a JSON object (one per line in a `.jsonl` export, e.g. from the GitHub API or
the assistant's own answered conversations):

    {"kind": "issue", "number": 12, "title": "...", "url": "https://...", "body": "...",
     "comments": [{"author": "...", "body": "...", "url": "...", "answer": true}]}

Its opening post is one chunk and each reply another, titled by the thread title, so a search for
the answer finds the reply and the citation links to it. FAQ files (faq.yaml / faq.yml / faq.json)
hold a list of {"question", "answer", "url"?} entries, one chunk each.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

import yaml

from devrel.knowledge.chunkers import MAX_LINES, split_lines
from devrel.knowledge.documents import Chunk, ChunkKind, Origin, content_hash
from devrel.knowledge.index import VectorIndex
from devrel.ports import Embedder

FAQ_NAMES = {"faq.yaml", "faq.yml", "faq.json"}
_THREAD_KINDS: dict[str, ChunkKind] = {
    "issue": "issue",
    "pull": "issue",
    "discussion": "thread",
    "thread": "thread",
}


def _clip(text: str, max_lines: int) -> str:
    # A reply longer than an embedder window is still one passage; its head carries the point.
    return "\n".join(split_lines(text.strip())[: max_lines * 2])


def thread_path(thread: dict[str, Any]) -> str:
    kind = str(thread.get("kind", "thread"))
    key = thread.get("number", thread.get("id"))
    if key is None:
        raise ValueError("a thread needs a number or an id")
    return f"{kind}s/{key}"


def chunk_thread(thread: dict[str, Any], max_lines: int = MAX_LINES) -> list[Chunk]:
    """Chunks of one thread; line numbers count posts (1 = the opening post)."""
    path = thread_path(thread)
    kind = _THREAD_KINDS.get(str(thread.get("kind", "thread")), "thread")
    title = str(thread.get("title", "")).strip()
    url = str(thread.get("url", ""))
    chunks = []
    opening = _clip(f"{title}\n\n{thread.get('body') or ''}", max_lines)
    if opening.strip():
        chunks.append(
            Chunk(source="", path=path, start_line=1, end_line=1, text=opening, kind=kind, title=title, url=url)
        )
    for position, comment in enumerate(thread.get("comments") or [], start=2):
        body = _clip(str(comment.get("body") or ""), max_lines)
        if not body:
            continue
        label = f"{title} (answer)" if comment.get("answer") else f"{title} (reply)"
        chunks.append(
            Chunk(
                source="",
                path=path,
                start_line=position,
                end_line=position,
                text=body,
                kind=kind,
                title=label,
                url=str(comment.get("url") or url),
            )
        )
    return chunks


def index_thread(thread: dict[str, Any], source: str, index: VectorIndex, embedder: Embedder) -> int:
    """One thread into the index under `source` (not a file tree, so no re-index removes it), replacing
    its earlier copy: a thread answered again is indexed whole again. Returns its number of chunks."""
    line = json.dumps(thread, ensure_ascii=False, sort_keys=True)
    chunks = [chunk.with_origin(Origin(source=source), content_hash(line)) for chunk in chunk_thread(thread)]
    index.delete_paths(source, [thread_path(thread)])
    if chunks:
        index.upsert(chunks, embedder.embed([chunk.embedding_text() for chunk in chunks]))
    return len(chunks)


def read_threads(text: str) -> Iterator[tuple[str, str, list[Chunk]]]:
    """(path, content hash, chunks) per thread of a JSON-lines export; blank lines are skipped."""
    for line in text.splitlines():
        if not line.strip():
            continue
        thread = json.loads(line)
        yield thread_path(thread), content_hash(line.strip()), chunk_thread(thread)


def chunk_faq(path: str, text: str) -> list[Chunk]:
    """One chunk per FAQ entry; lines number the entries (1-based)."""
    entries = json.loads(text) if PurePosixPath(path).suffix == ".json" else yaml.safe_load(text)
    if not isinstance(entries, list):
        raise ValueError(f"{path}: a FAQ file holds a list of question/answer entries")
    chunks = []
    for position, entry in enumerate(entries, start=1):
        question, answer = str(entry.get("question", "")).strip(), str(entry.get("answer", "")).strip()
        if question and answer:
            chunks.append(
                Chunk(
                    source="",
                    path=path,
                    start_line=position,
                    end_line=position,
                    text=f"Q: {question}\nA: {answer}",
                    kind="faq",
                    title=question,
                    url=str(entry.get("url") or ""),
                )
            )
    return chunks
