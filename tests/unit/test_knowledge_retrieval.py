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
from devrel.knowledge.retrieval import (
    Retriever,
    asks_for_tests,
    collapse_duplicates,
    rank_files,
    reciprocal_rank_fusion,
    source_aware,
    source_role,
)


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


# --- Source-aware ranking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("src/flask/app.py", "source"),
        ("README.md", "source"),
        ("docs/testing.rst", "source"),  # a page about testing is documentation
        ("src/_pytest/fixtures.py", "source"),  # pytest's own fixture code is code
        ("tests/test_app.py", "test"),
        ("testing/python/collect.py", "test"),
        ("pkg/app_test.go", "test"),
        ("web/widget.spec.ts", "test"),
        ("conftest.py", "test"),
        ("tests/fixtures/webhook.json", "fixture"),
        ("api/service_pb2.py", "generated"),
        ("docs/_build/html/index.html", "generated"),
        ("layers/devrel/devrel/triage/prompts/classify_issue.md", "template"),  # written for a model
        ("sphinx/templates/quickstart/conf.py_t", "template"),
        ("tests/templates/page.html", "test"),
    ],
)
def test_source_role_by_path(path: str, role: str) -> None:
    assert source_role(path) == role


def test_questions_about_tests_are_recognised_but_pytest_alone_is_not() -> None:
    assert asks_for_tests("Which test covers the signature check?")
    assert asks_for_tests("Where is the client fixture defined?")
    assert not asks_for_tests("How does pytest collect modules?")
    assert not asks_for_tests("Where are webhook signatures verified?")


def test_tests_and_fixtures_fall_below_code_unless_asked_for() -> None:
    hits = [
        Hit(_chunk("tests/test_signatures.py", "verify signature"), 0.033),
        Hit(_chunk("tests/fixtures/event.json", "signature"), 0.032),
        Hit(_chunk("devrel/platforms/signatures.py", "def verify"), 0.030),
    ]
    ranked = source_aware(hits, "Where are webhook signatures verified?", demotion=0.5)
    assert ranked[0].chunk.path == "devrel/platforms/signatures.py"
    assert ranked[1].score == pytest.approx(0.0165)
    asked = source_aware(hits, "Which test checks signatures?", demotion=0.5)
    assert [h.chunk.path for h in asked] == [h.chunk.path for h in hits]
    assert source_aware(hits, "Where are signatures verified?", demotion=1.0) == hits


def test_near_duplicate_chunks_collapse_to_the_better_one() -> None:
    text = " ".join(f"Step {n}: verify the request signature with the shared secret first." for n in range(8))
    hits = [
        _hit("docs/v2/security.md", text),
        _hit("docs/v1/security.md", text.replace("Verify", "verify") + "  "),  # same words
        _hit("docs/v0/security.md", text.replace("shared", "common", 1)),  # one word changed: still a twin
        _hit("src/signatures.py", "def verify(secret, body, signature): ..."),
    ]
    assert [h.chunk.path for h in collapse_duplicates(hits)] == ["docs/v2/security.md", "src/signatures.py"]
    assert len(collapse_duplicates(hits, threshold=1.01)) == 3  # only the exact copy goes


def test_retriever_demotes_a_test_that_matches_as_well_as_the_code(tmp_path: Path) -> None:
    embedder = ConceptEmbedder()
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    chunks = [
        _chunk("tests/test_brakes.py", "stop the car brake test stop the car"),
        _chunk("src/brakes.py", "stop the car brake"),
        _chunk("src/cooking.py", "boil pasta"),
    ]
    index.upsert(chunks, embedder.embed([c.text for c in chunks]))
    plain = Retriever(index, embedder, demotion=1.0, usage=1.0).search("how to stop the car", k=2)
    assert plain.hits[0].chunk.path == "tests/test_brakes.py"
    aware = Retriever(index, embedder).search("how to stop the car", k=2)
    assert aware.hits[0].chunk.path == "src/brakes.py"
    assert Retriever(index, embedder).search("which test stops the car", k=2).hits[0].chunk.path.startswith("tests/")


def test_usage_questions_put_the_documentation_above_code_and_templates(tmp_path: Path) -> None:
    """"How do I ...?" wants the page that explains the setting, not the code or prompt that reads it."""
    embedder = ConceptEmbedder()
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    chunks = [
        Chunk(source="s", path="src/triage.py", start_line=1, end_line=3, kind="code", title="def apply_labels",
              text="def apply_labels(issue, bug_label): the bot applies labels to bug reports"),
        Chunk(source="s", path="src/prompts/classify.md", start_line=1, end_line=1, kind="doc",
              title="classify.md", text="Label the bug reports the bot applies labels to"),
        Chunk(source="s", path="README.md", start_line=1, end_line=2, kind="doc", title="Triage",
              text="Set type_labels: {bug: defect} in the settings file"),
        _chunk("src/cooking.py", "boil pasta"),
    ]
    index.upsert(chunks, embedder.embed([c.text for c in chunks]))
    retriever = Retriever(index, embedder)
    how_to = retriever.search("How do I change the labels the bot applies to bug reports?", k=3)
    assert how_to.hits[0].chunk.path == "README.md"
    # The same words asked about the code keep the code first; without the factor so would usage.
    assert retriever.search("Where does the bot apply labels to bug reports?", k=3).hits[0].chunk.path != "README.md"
    plain = Retriever(index, embedder, usage=1.0).search("How do I change the labels the bot applies to bug reports?")
    assert plain.hits[0].chunk.path != "README.md"
