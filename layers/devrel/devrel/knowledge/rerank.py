"""Re-rank the head of a hybrid result list with a small linear model over cheap signals.

No cross-encoder ships its weights in a PyPI package we may use, and one would cost seconds per
question on 2 cores; the signals retrieval already has (where each list ranked a passage, its cosine,
how much of the question it holds, its file's role and how many of the file's passages came back)
are combined by weights learned on SWE-QA v1, leave-one-repository-out (tests/bench/bench_rerank.py,
README "Evaluation"). Scoring 30 passages is a (30 x 12) product: microseconds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from devrel.knowledge.index import Hit, identifier_words, search_terms
from devrel.knowledge.roles import source_role

FEATURES = (
    "fused_position", "lexical_position", "vector_position", "cosine", "test_or_fixture", "doc", "code",
    "question_words_in_text", "question_words_in_path", "lines", "file_share", "file_first",
)
DEPTH = 30  # how many of the fused hits are re-ranked; the rest keep their order below them
# "How do I ...?" asks for usage, which the docs explain. The weights were learned on questions about
# how code works (SWE-QA's answers cite code far more than docs), so such questions keep the fused order.
# "How would you refactor ...?" asks for a design, not usage: "would" is left out.
_HOW_TO = re.compile(r"^\W*(?:how\s+(?:do|can|should)\s+(?:i|we|you)|how\s+to|can\s+i|is\s+there\s+a\s+way)\b",
                     re.IGNORECASE)


def asks_how_to(query: str) -> bool:
    return bool(_HOW_TO.match(query))


def _share(terms: set[str], words: set[str]) -> float:
    return len(terms & words) / len(terms) if terms else 0.0


def _stems(text: str) -> set[str]:
    return {w[:5] for w in identifier_words(text).split() if len(w) > 1}


def features(query: str, hits: Sequence[Hit], lexical: Sequence[Hit], vector: Sequence[Hit]) -> np.ndarray:
    """One row of FEATURES per hit, in the hits' order."""
    lexical_rank = {hit.chunk.chunk_id: rank for rank, hit in enumerate(lexical)}
    vector_rank = {hit.chunk.chunk_id: rank for rank, hit in enumerate(vector)}
    cosine = {hit.chunk.chunk_id: hit.score for hit in vector}
    floor = min(cosine.values(), default=0.0)
    terms = {t[:5] for t in search_terms(query)}
    per_file = Counter(hit.chunk.path for hit in hits)
    seen: set[str] = set()
    rows = []
    for position, hit in enumerate(hits):
        chunk, key = hit.chunk, hit.chunk.chunk_id
        role = source_role(chunk.path)
        rows.append((
            1.0 / (1 + position),
            1.0 / (1 + lexical_rank[key]) if key in lexical_rank else 0.0,
            1.0 / (1 + vector_rank[key]) if key in vector_rank else 0.0,
            cosine.get(key, floor),
            float(role != "source"),
            float(chunk.kind == "doc"),
            float(chunk.kind == "code"),
            _share(terms, _stems(chunk.text)),
            _share(terms, _stems(f"{chunk.path} {chunk.title}")),
            math.log1p(chunk.end_line - chunk.start_line + 1) / 5.0,
            per_file[chunk.path] / len(hits),
            float(chunk.path not in seen),
        ))
        seen.add(chunk.path)
    return np.asarray(rows, dtype=np.float64).reshape(len(hits), len(FEATURES))


@dataclass(frozen=True)
class Reranker:
    weights: tuple[float, ...]
    bias: float = 0.0

    def scores(self, query: str, hits: Sequence[Hit], lexical: Sequence[Hit], vector: Sequence[Hit]) -> np.ndarray:
        return features(query, hits, lexical, vector) @ np.asarray(self.weights) + self.bias

    def rerank(self, query: str, hits: Sequence[Hit], lexical: Sequence[Hit], vector: Sequence[Hit]) -> list[Hit]:
        head, tail = list(hits[:DEPTH]), list(hits[DEPTH:])
        if len(head) < 2 or asks_how_to(query):
            return list(hits)
        scores = self.scores(query, head, lexical, vector)
        order = sorted(range(len(head)), key=lambda i: (-scores[i], i))  # ties keep the fused order
        return [Hit(head[i].chunk, float(scores[i])) for i in order] + tail


def fit_reranker(rows: Sequence[np.ndarray], labels: Sequence[np.ndarray], l2: float = 1e-3) -> Reranker:
    """Logistic regression of "this passage's file is one the reference answer cites" on FEATURES."""
    from devrel.triage.linear import Features, LinearClassifier  # training only: not on the answer path
    from devrel.triage.sparse import CsrMatrix

    dense = np.vstack(rows)
    targets = np.concatenate(labels).reshape(-1, 1).astype(np.float64)
    model = LinearClassifier(l2=l2, multi_label=True, max_iter=500)
    model.fit(Features(CsrMatrix.from_rows([{}] * len(dense), 0), dense), targets)
    return Reranker(tuple(float(w) for w in model.dense_weights[:, 0]), float(model.bias[0]))


# Fitted on SWE-QA v1's flask, requests, pytest, sqlfluff, xarray, pylint, sphinx, django and sympy questions
# (tests/bench/bench_rerank.py, L2 1e-3). Leave-one-repository-out over those nine it raised file MRR
# .735 -> .786 and recall@5 .674 -> .721; the earlier weights, fitted on the first five, raised it on the
# four they had not seen from .641 to .699 (README, Evaluation).
RERANKER: Reranker | None = Reranker(
    weights=(1.752, 0.930, 0.856, -0.079, -0.910, -1.450, 1.396, 0.001, 1.118, -0.401, 4.159, -1.294), bias=-2.441)
