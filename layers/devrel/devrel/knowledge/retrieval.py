"""Hybrid retrieval: BM25 and vector search run side by side and are merged by reciprocal rank fusion.

Rank fusion needs no score calibration between BM25 (unbounded) and cosine similarity ([-1, 1]),
so the same rule works for every VectorIndex adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import Hit, VectorIndex
from devrel.knowledge.rerank import RERANKER, Reranker, asks_how_to
from devrel.knowledge.roles import asks_for_tests, source_role
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


# --- Source-aware ranking ------------------------------------------------------------------------------

# SWE-QA has two usage questions in 576, so this factor could not be fitted there: it is the smallest
# round factor that puts this project's README above its code for "How do I change the labels ...?"
# (README, Evaluation). The re-ranker leaves usage questions in this order.
USAGE = 0.5

def _shingles(text: str) -> frozenset[str]:
    words = text.lower().split()
    return frozenset(" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2)))


def collapse_duplicates(hits: Sequence[Hit], threshold: float = 0.9) -> list[Hit]:
    """Drop hits whose text is (nearly) the same as a better one's: copied docstrings, vendored twins,
    the same paragraph in two doc versions. Near = Jaccard of word 3-grams >= threshold."""
    kept: list[tuple[Hit, frozenset[str]]] = []
    exact: set[str] = set()
    for hit in hits:
        normal = " ".join(hit.chunk.text.split()).lower()
        if normal in exact:
            continue
        shingles = _shingles(normal)
        if any(len(shingles & other) >= threshold * len(shingles | other) for _, other in kept):
            continue
        exact.add(normal)
        kept.append((hit, shingles))
    return [hit for hit, _ in kept]


def _is_documentation(chunk: Chunk) -> bool:
    return chunk.kind != "code" and source_role(chunk.path) == "source"


def source_aware(hits: Sequence[Hit], query: str, demotion: float, usage: float = USAGE) -> list[Hit]:
    """Tests, fixtures, templates and generated files scored `demotion` times their fused score, unless
    the question is about them: they match a question's words as well as the code does, but rarely
    explain it (SWE-QA's reference answers cite the code and docs). A usage question ("How do I ...?")
    wants the documentation: everything else is scored `usage` times its score then."""
    how_to = usage < 1.0 and asks_how_to(query)
    demote = demotion < 1.0 and not asks_for_tests(query)
    if not how_to and not demote:
        return list(hits)

    def factor(chunk: Chunk) -> float:
        value = demotion if demote and source_role(chunk.path) != "source" else 1.0
        return value * (usage if how_to and not _is_documentation(chunk) else 1.0)

    return sorted((Hit(h.chunk, h.score * factor(h.chunk)) for h in hits), key=lambda hit: -hit.score)


@dataclass(frozen=True)
class Retrieved:
    """One query's results: fused hits plus the per-kind lists (kept for confidence and debugging)."""

    hits: list[Hit]
    lexical: list[Hit]
    vector: list[Hit]


# Chosen by leave-one-repository-out on SWE-QA v1 for the rank of the docs and code the reference
# answers cite (README, Evaluation); stronger costs more of the tests those answers also cite.
DEMOTION = 0.7


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
        demotion: float = DEMOTION,
        usage: float = USAGE,
        collapse: bool = True,
        reranker: Reranker | None = RERANKER,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.pool = pool
        self.rrf_k = rrf_k
        self.weights = (lexical_weight, vector_weight)
        self.demotion = demotion
        self.usage = usage
        self.collapse = collapse
        self.reranker = reranker

    def search(self, query: str, k: int = 10, source: str | None = None) -> Retrieved:
        depth = max(k, self.pool)
        lexical = self.index.lexical(query, depth, source)
        vector = self.index.nearest(self.embedder.embed([query])[0], depth, source)
        fused = reciprocal_rank_fusion([lexical, vector], self.weights, self.rrf_k)
        fused = source_aware(fused, query, self.demotion, self.usage)
        if self.collapse:
            fused = collapse_duplicates(fused)
        if self.reranker is not None:
            fused = self.reranker.rerank(query, fused, lexical, vector)
        return Retrieved(fused[:k], lexical, vector)

    def lexical_only(self, query: str, k: int = 10, source: str | None = None) -> list[Hit]:
        return self.index.lexical(query, k, source)


def rank_files(hits: Sequence[Hit]) -> list[str]:
    """Files in the order their best chunk appears (a file counts once, at its first hit)."""
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.chunk.path, None)
    return list(seen)
