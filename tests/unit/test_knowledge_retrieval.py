"""Hybrid retrieval: rank fusion rules and lexical + vector search over the edge index."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np
import pytest

from devrel.adapters.index_embedded import EdgeIndex
from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import Hit, identifier_words, search_terms
from devrel.knowledge.retrieval import Retriever, rank_files, reciprocal_rank_fusion


class ConceptEmbedder:
    """Bag of words where synonyms share a dimension: 'meaning' without a model."""

    SYNONYMS = {"automobile": "car", "vehicle": "car", "motorcar": "car", "halt": "stop", "brake": "stop"}
    dimension = 64

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                word = self.SYNONYMS.get(word, word)
                out[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def _chunk(path: str, text: str, source: str = "s") -> Chunk:
    return Chunk(source=source, path=path, start_line=1, end_line=1, text=text, kind="doc", title="")


def _hit(path: str, text: str = "") -> Hit:
    return Hit(_chunk(path, text or path), 1.0)


def test_search_terms_split_identifiers_and_drop_stopwords() -> None:
    assert search_terms("What is DefaultJSONProvider.ensure_ascii for?") == [
        "default",
        "json",
        "provider",
        "ensure",
        "ascii",
    ]
    assert identifier_words("getSendFileMaxAge") == "get send file max age"


def test_rrf_rewards_agreement_between_lists() -> None:
    a, b, c = _hit("a.py"), _hit("b.py"), _hit("c.py")
    fused = reciprocal_rank_fusion([[a, b], [c, b]], k=60)
    assert [h.chunk.path for h in fused] == ["b.py", "a.py", "c.py"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 62)


def test_rrf_weights_tilt_the_order() -> None:
    a, c = _hit("a.py"), _hit("c.py")
    fused = reciprocal_rank_fusion([[a], [c]], weights=[1.0, 2.0])
    assert [h.chunk.path for h in fused] == ["c.py", "a.py"]


def test_rank_files_keeps_first_occurrence() -> None:
    assert rank_files([_hit("a.py", "1"), _hit("b.py"), _hit("a.py", "2")]) == ["a.py", "b.py"]


@pytest.fixture
def index(tmp_path: Path) -> EdgeIndex:
    embedder = ConceptEmbedder()
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    chunks = [
        _chunk("docs/cars.md", "How to park your car in the garage"),
        _chunk("docs/brakes.md", "Press the pedal to stop quickly"),
        _chunk("docs/cooking.md", "Boil the pasta for ten minutes"),
        _chunk("other/cars.md", "A car manual from another project", source="other"),
    ]
    index.upsert(chunks, embedder.embed([c.text for c in chunks]))
    return index


def test_vector_side_finds_synonyms_the_lexical_side_misses(index: EdgeIndex) -> None:
    retriever = Retriever(index, ConceptEmbedder(), pool=10)
    question = "where do I leave my automobile"
    assert "docs/cars.md" not in rank_files(retriever.lexical_only(question, 5, "s"))
    found = retriever.search(question, 5, "s")
    assert rank_files(found.hits)[0] == "docs/cars.md"
    assert found.vector[0].chunk.path == "docs/cars.md" and found.vector[0].score > found.vector[-1].score


def test_lexical_side_finds_exact_words(index: EdgeIndex) -> None:
    hits = Retriever(index, ConceptEmbedder()).lexical_only("pasta boil", 5)
    assert [h.chunk.path for h in hits] == ["docs/cooking.md"]


def test_source_filter_applies_to_both_sides(index: EdgeIndex) -> None:
    found = Retriever(index, ConceptEmbedder()).search("car manual", 10, source="other")
    assert {h.chunk.source for h in found.hits} == {"other"}
    assert {h.chunk.source for h in found.vector} == {"other"}
