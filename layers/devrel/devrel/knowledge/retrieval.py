"""Hybrid retrieval: BM25 and vector search run side by side and are merged by reciprocal rank fusion.

Rank fusion needs no score calibration between BM25 (unbounded) and cosine similarity ([-1, 1]),
so the same rule works for every VectorIndex adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from devrel.knowledge.index import Hit, VectorIndex
from devrel.ports import Embedder


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Hit]], weights: Sequence[float] | None = None, k: int = 60
) -> list[Hit]:
    """Merge ranked lists: each chunk scores sum(weight / (k + rank)) over the lists it appears in."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[str, float] = {}
    chunks: dict[str, Hit] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, hit in enumerate(ranking, start=1):
            key = hit.chunk.chunk_id
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
            chunks.setdefault(key, hit)
    order = sorted(fused, key=lambda key: -fused[key])
    return [Hit(chunks[key].chunk, fused[key]) for key in order]


@dataclass(frozen=True)
class Retrieved:
    """One query's results: fused hits plus the per-kind lists (kept for confidence and debugging)."""

    hits: list[Hit]
    lexical: list[Hit]
    vector: list[Hit]


class Retriever:
    """Hybrid search over one index with one embedder. `pool` is how deep each list is fetched."""

    def __init__(
        self,
        index: VectorIndex,
        embedder: Embedder,
        pool: int = 100,
        rrf_k: int = 60,
        lexical_weight: float = 1.0,
        vector_weight: float = 1.0,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.pool = pool
        self.rrf_k = rrf_k
        self.weights = (lexical_weight, vector_weight)

    def search(self, query: str, k: int = 10, source: str | None = None) -> Retrieved:
        depth = max(k, self.pool)
        lexical = self.index.lexical(query, depth, source)
        vector = self.index.nearest(self.embedder.embed([query])[0], depth, source)
        fused = reciprocal_rank_fusion([lexical, vector], self.weights, self.rrf_k)
        return Retrieved(fused[:k], lexical, vector)

    def lexical_only(self, query: str, k: int = 10, source: str | None = None) -> list[Hit]:
        return self.index.lexical(query, k, source)


def rank_files(hits: Sequence[Hit]) -> list[str]:
    """Files in the order their best chunk appears (a file counts once, at its first hit)."""
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.chunk.path, None)
    return list(seen)
