"""TF-IDF over feature blocks (title words, body words, character n-grams, report shape).

Each block is weighted with sublinear term frequency and smoothed IDF, L2-normalised on its own
and scaled by a block weight, so a long body cannot drown out the title.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from devrel.triage.sparse import CsrMatrix, hstack

Analyzed = Mapping[str, Counter[str]]


@dataclass(frozen=True)
class BlockSpec:
    weight: float = 1.0
    min_df: int = 2
    max_features: int = 50_000
    # 1 + log(count) instead of the raw count: repeating a word adds little evidence.
    sublinear: bool = True


# Chosen once on cross-validation of issue classification (see the triage evaluation command).
DEFAULT_BLOCKS: dict[str, BlockSpec] = {
    "title": BlockSpec(weight=0.7),
    "words": BlockSpec(weight=1.0),
    "chars": BlockSpec(weight=1.0, min_df=3, max_features=60_000),
    "shape": BlockSpec(weight=0.3, min_df=1),
}


def _tf(count: int, sublinear: bool) -> float:
    return 1.0 + math.log(count) if sublinear else float(count)


class TfidfVectorizer:
    def __init__(self, blocks: Mapping[str, BlockSpec] | None = None) -> None:
        self.blocks = dict(blocks if blocks is not None else DEFAULT_BLOCKS)
        self.vocabulary: dict[str, dict[str, int]] = {}
        self.idf: dict[str, np.ndarray] = {}

    @property
    def n_features(self) -> int:
        return sum(len(self.vocabulary[name]) for name in self.blocks)

    def fit(self, docs: Sequence[Analyzed]) -> TfidfVectorizer:
        n_docs = len(docs)
        for name, spec in self.blocks.items():
            df: Counter[str] = Counter()
            for doc in docs:
                df.update(doc.get(name, {}).keys())
            kept = sorted((term for term, count in df.items() if count >= spec.min_df),
                          key=lambda term: (-df[term], term))[:spec.max_features]
            self.vocabulary[name] = {term: i for i, term in enumerate(kept)}
            counts = np.array([df[term] for term in kept], dtype=np.float64)
            self.idf[name] = (np.log((1.0 + n_docs) / (1.0 + counts)) + 1.0).astype(np.float32)
        return self

    def transform(self, docs: Sequence[Analyzed]) -> CsrMatrix:
        if not self.vocabulary:
            raise ValueError("vectorizer is not fitted")
        matrices = []
        for name, spec in self.blocks.items():
            vocabulary, idf = self.vocabulary[name], self.idf[name]
            rows = []
            for doc in docs:
                counts = doc.get(name, {})
                rows.append({vocabulary[term]: _tf(count, spec.sublinear) * float(idf[vocabulary[term]])
                             for term, count in counts.items() if term in vocabulary})
            block = CsrMatrix.from_rows(rows, len(vocabulary)).normalized()
            matrices.append(block.scale_rows(np.full(block.n_rows, spec.weight)))
        return hstack(matrices)

    def fit_transform(self, docs: Sequence[Analyzed]) -> CsrMatrix:
        return self.fit(docs).transform(docs)

    # --- persistence: vocabularies as JSON, IDF vectors as arrays ---------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {
            "blocks": {name: vars(spec) for name, spec in self.blocks.items()},
            "vocabulary": {name: list(self.vocabulary[name]) for name in self.blocks},
        }
        return meta, {f"idf_{name}": self.idf[name] for name in self.blocks}

    @classmethod
    def from_state(cls, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> TfidfVectorizer:
        vectorizer = cls({name: BlockSpec(**spec) for name, spec in meta["blocks"].items()})
        for name in vectorizer.blocks:
            terms = meta["vocabulary"][name]
            vectorizer.vocabulary[name] = {term: i for i, term in enumerate(terms)}
            vectorizer.idf[name] = np.asarray(arrays[f"idf_{name}"], dtype=np.float32)
            if len(vectorizer.idf[name]) != len(terms):
                raise ValueError(f"block {name!r}: {len(terms)} terms but {len(vectorizer.idf[name])} weights")
        return vectorizer
