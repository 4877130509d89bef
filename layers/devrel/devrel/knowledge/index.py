"""The VectorIndex port: chunks searchable by words (BM25) and by meaning (k nearest vectors).

Two adapters implement it: `EdgeIndex` (SQLite FTS5 + vectors in memory, edge mode) and
`OpenSearchIndex` (a BM25 text field and a k-NN HNSW field, cloud). Both keep, per collection
(`source`), which file hash each indexed path came from, so ingestion can skip unchanged files.
Fusing the two result lists is the caller's job (devrel.knowledge.retrieval), so the rules of
hybrid search are the same whichever adapter runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from devrel.knowledge.documents import Chunk


@dataclass(frozen=True)
class Hit:
    """A chunk and its score from one kind of search (higher is better; scales differ by kind)."""

    chunk: Chunk
    score: float


@runtime_checkable
class VectorIndex(Protocol):
    @property
    def dimension(self) -> int: ...

    def upsert(self, chunks: Sequence[Chunk], vectors: Any) -> None:
        """Add or replace chunks; `vectors` is a (len(chunks), dimension) float32 array."""
        ...

    def delete_paths(self, source: str, paths: Iterable[str]) -> None:
        """Remove every chunk of these files of one collection."""
        ...

    def file_hashes(self, source: str) -> dict[str, str]:
        """path -> hash of the file content its indexed chunks came from."""
        ...

    def lexical(self, query: str, k: int, source: str | None = None) -> list[Hit]:
        """BM25 over title, path and text."""
        ...

    def nearest(self, vector: Any, k: int, source: str | None = None) -> list[Hit]:
        """k nearest chunks by cosine similarity (vectors are L2-normalised)."""
        ...

    def count(self, source: str | None = None) -> int: ...


# Words that say nothing about where the answer is; dropping them keeps BM25 focused and fast.
_STOPWORD_TEXT = """
a an and are as at be been being but by can could did do does doing for from had has have how i if
in into is it its itself me my of on or our should so than that the their them then there these they
this those to was we were what when where which while who whom why will with would you your about
after all also any because before between both during each few more most other over same some such
through under until up very via within without just only own not no nor out off once here further
whats
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|\d+|[^\W\d_]+")


def search_terms(text: str) -> list[str]:
    """Lower-case query words, identifiers split at case changes and underscores, stopwords dropped.

    "DefaultJSONProvider.ensure_ascii" -> default, json, provider, ensure, ascii.
    """
    words = (w.lower() for w in _WORD.findall(text))
    seen: dict[str, None] = {}
    for word in words:
        if len(word) > 1 and word not in STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)


def identifier_words(text: str) -> str:
    """Identifiers of a passage split into words, so "getSendFileMaxAge" also matches "file age"."""
    return " ".join(w.lower() for w in _WORD.findall(text))
