"""One contract for both VectorIndex adapters.

The edge index runs on a SQLite file. The OpenSearch adapter runs over real HTTP against
osmem-server (an in-memory server speaking the OpenSearch REST API), which serves indexing, bulk,
BM25 and filters but not k-NN queries: the vector half of the contract runs on the edge index here,
and the k-NN request bodies are checked in tests/unit/test_knowledge_opensearch.py.

The OpenSearch adapter runs twice: against osmem directly ("opensearch", a domain), and through the
OpenSearch Serverless stand-in ("aoss"): SigV4 for `aoss`, no custom ids, no refresh, and searches
that see writes only once the test calls `settle()`. Bookkeeping (file hashes, deleting paths,
replacing chunks) must hold before any settle; searches are checked after one.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from devrel.adapters.index_embedded import EdgeIndex
from devrel.adapters.index_opensearch import OpenSearchIndex, connect
from devrel.knowledge.chunkers import chunk_file
from devrel.knowledge.documents import Chunk, Origin
from devrel.knowledge.index import VectorIndex
from devrel.knowledge.ingest import ingest
from support.aoss_standin import REGION, AossStandIn, standin_credentials

DIMENSION = 8


def _chunk(path: str, text: str, source: str = "proj", file_hash: str = "h1", line: int = 1) -> Chunk:
    return Chunk(
        source=source,
        path=path,
        start_line=line,
        end_line=line + 2,
        text=text,
        kind="code",
        title=f"def {path.split('/')[-1].split('.')[0]}",
        url=f"{path}:{line}-{line + 2}",
        file_hash=file_hash,
    )


def _vectors(count: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, DIMENSION)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


CHUNKS = [
    _chunk("src/json/provider.py", "ensure_ascii escapes non ASCII characters in JSON output"),
    _chunk("src/sessions.py", "The session cookie is signed with the secret key", file_hash="h2"),
    _chunk("src/sessions.py", "Session interface saves and opens sessions", file_hash="h2", line=10),
    _chunk("docs/cli.rst", "Run the development server with the flask run command", file_hash="h3"),
    _chunk("src/other.py", "secret key rotation for another project", source="other", file_hash="h4"),
]


@pytest.fixture
def aoss(osmem_clone: Any) -> Iterator[AossStandIn]:
    """The Serverless stand-in in front of this test's osmem clone; writes wait for settle()."""
    with AossStandIn(osmem_clone.url, lag=None) as standin:
        yield standin
        # The adapter must never send what Serverless refuses.
        assert standin.rejected() == []


@pytest.fixture(params=["edge", "opensearch", "aoss"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    if request.param == "edge":
        edge = EdgeIndex(tmp_path / "index.sqlite", DIMENSION)
        yield edge
        edge.close()
        return
    if request.param == "aoss":
        standin: AossStandIn = request.getfixturevalue("aoss")
        client = connect(standin.url, REGION, standin_credentials(), service="aoss")
    else:
        client = connect(request.getfixturevalue("osmem_clone").url, REGION)
    adapter = OpenSearchIndex(client, f"kb-{uuid.uuid4().hex[:8]}", DIMENSION)
    assert adapter.ensure_index() is True
    assert adapter.ensure_index() is False
    yield adapter


@pytest.fixture
def settle(request: pytest.FixtureRequest, index: VectorIndex) -> Callable[[], None]:
    """Make writes searchable: a no-op except behind the Serverless stand-in."""
    if request.node.callspec.params["index"] == "aoss":
        standin: AossStandIn = request.getfixturevalue("aoss")
        return standin.settle
    return lambda: None


@pytest.fixture
def filled(index: VectorIndex, settle: Callable[[], None]) -> VectorIndex:
    index.upsert(CHUNKS, _vectors(len(CHUNKS)))
    settle()
    return index


def test_counts_per_source(filled: VectorIndex) -> None:
    assert filled.count() == 5 and filled.count("proj") == 4 and filled.count("nobody") == 0


def test_lexical_ranks_matching_chunks_and_round_trips_them(filled: VectorIndex) -> None:
    hits = filled.lexical("How is the session cookie signed?", 3, source="proj")
    assert hits[0].chunk == CHUNKS[1]
    assert all(h.chunk.source == "proj" for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_lexical_matches_split_identifiers_and_stems(filled: VectorIndex) -> None:
    hits = filled.lexical("escaping ascii", 2)
    assert hits[0].chunk.path == "src/json/provider.py"


def test_lexical_source_filter(filled: VectorIndex) -> None:
    hits = filled.lexical("secret key", 5, source="other")
    assert [h.chunk.path for h in hits] == ["src/other.py"]


def test_lexical_without_words_finds_nothing(filled: VectorIndex) -> None:
    assert filled.lexical("what is the", 5) == []


def test_upsert_replaces_the_same_chunk(filled: VectorIndex, settle: Callable[[], None]) -> None:
    filled.upsert(CHUNKS[:1], _vectors(1, seed=1))
    settle()
    assert filled.count("proj") == 4


def test_file_hashes_and_delete_paths(filled: VectorIndex, settle: Callable[[], None]) -> None:
    assert filled.file_hashes("proj") == {"src/json/provider.py": "h1", "src/sessions.py": "h2", "docs/cli.rst": "h3"}
    filled.delete_paths("proj", ["src/sessions.py"])
    assert set(filled.file_hashes("proj")) == {"src/json/provider.py", "docs/cli.rst"}
    settle()
    assert filled.lexical("session cookie", 5, source="proj") == []
    assert filled.file_hashes("other") == {"src/other.py": "h4"}


# --- Bookkeeping reads its own writes; searches may lag behind them --------------------------------


def test_file_hashes_see_writes_and_deletions_before_searches_do(
    index: VectorIndex, settle: Callable[[], None]
) -> None:
    index.upsert(CHUNKS, _vectors(len(CHUNKS)))
    assert index.file_hashes("proj") == {"src/json/provider.py": "h1", "src/sessions.py": "h2", "docs/cli.rst": "h3"}
    index.delete_paths("proj", ["src/sessions.py"])
    assert index.file_hashes("proj") == {"src/json/provider.py": "h1", "docs/cli.rst": "h3"}
    index.delete_paths("other", ["src/other.py"])
    assert index.file_hashes("other") == {}
    settle()
    assert index.count() == 2
    assert index.file_hashes("proj") == {"src/json/provider.py": "h1", "docs/cli.rst": "h3"}


def test_replacing_a_chunk_not_yet_searchable_leaves_one_copy(
    index: VectorIndex, settle: Callable[[], None]
) -> None:
    for seed in range(3):
        index.upsert(CHUNKS[:2], _vectors(2, seed=seed))
    settle()
    assert index.count("proj") == 2
    # Written, settled, then replaced again: the searchable copy goes too.
    index.upsert(CHUNKS[:2], _vectors(2, seed=7))
    settle()
    assert index.count("proj") == 2
    assert [h.chunk for h in index.lexical("session cookie signed", 5)] == [CHUNKS[1]]


class _FirstLetters:
    """A deterministic embedder: enough for bookkeeping, where vectors do not matter."""

    dimension = DIMENSION

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = np.ones((len(texts), DIMENSION), dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_incremental_ingestion_in_one_process_needs_no_refresh(
    index: VectorIndex, settle: Callable[[], None], tmp_path: Path
) -> None:
    # A warm process ingests twice within the index's refresh lag: the second run must see the
    # first run's files, replace the changed one and drop the deleted one.
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "alpha.py").write_text("def alpha():\n    return 'first alpha'\n")
    (root / "pkg" / "beta.py").write_text("def beta():\n    return 'beta stays'\n")
    (root / "pkg" / "gamma.py").write_text("def gamma():\n    return 'gamma goes'\n")
    origin = Origin("proj", root=str(root))
    first = ingest(root, origin, index, _FirstLetters())
    assert (first.files_changed, first.files_removed) == (3, 0)

    (root / "pkg" / "alpha.py").write_text("def alpha():\n    return 'second alpha'\n")
    (root / "pkg" / "gamma.py").unlink()
    second = ingest(root, origin, index, _FirstLetters())
    assert (second.files_seen, second.files_changed, second.files_removed) == (2, 1, 1)
    assert set(index.file_hashes("proj")) == {"pkg/alpha.py", "pkg/beta.py"}

    settle()
    current = [chunk_file(f"pkg/{name}", (root / "pkg" / name).read_text()) for name in ("alpha.py", "beta.py")]
    assert index.count("proj") == sum(len(chunks) for chunks in current)
    assert [h.chunk.path for h in index.lexical("gamma", 5)] == []
    texts = [h.chunk.text for h in index.lexical("alpha", 5)]
    assert texts and all("second alpha" in text for text in texts)


def test_wrong_vector_shape_is_rejected(index: VectorIndex) -> None:
    with pytest.raises(ValueError):
        index.upsert(CHUNKS[:2], _vectors(1))


# --- Vector search (k-NN): the edge index here; OpenSearch's request bodies in the unit tests ---------


@pytest.fixture
def edge(tmp_path: Path) -> EdgeIndex:
    index = EdgeIndex(tmp_path / "index.sqlite", DIMENSION)
    index.upsert(CHUNKS, _vectors(len(CHUNKS)))
    return index


def test_nearest_returns_exact_cosine_order(edge: EdgeIndex) -> None:
    vectors = _vectors(len(CHUNKS))
    query = vectors[3] + 0.1 * vectors[1]
    query /= np.linalg.norm(query)
    hits = edge.nearest(query, 3)
    expected = np.argsort(-(vectors @ query))[:3]
    assert [h.chunk for h in hits] == [CHUNKS[i] for i in expected]
    assert hits[0].score == pytest.approx(float(vectors[3] @ query), abs=1e-5)


def test_nearest_filters_by_source_and_sees_writes(edge: EdgeIndex) -> None:
    assert [h.chunk.path for h in edge.nearest(_vectors(5)[4], 5, source="other")] == ["src/other.py"]
    edge.delete_paths("other", ["src/other.py"])
    assert edge.nearest(_vectors(5)[4], 5, source="other") == []


def test_dimension_mismatch_on_reopen_is_refused(tmp_path: Path) -> None:
    EdgeIndex(tmp_path / "index.sqlite", DIMENSION).close()
    with pytest.raises(ValueError, match="re-ingest"):
        EdgeIndex(tmp_path / "index.sqlite", DIMENSION * 2)


def test_vectors_written_by_another_process_are_seen(tmp_path: Path) -> None:
    reader = EdgeIndex(tmp_path / "index.sqlite", DIMENSION)
    assert reader.nearest(_vectors(1)[0], 3) == []
    writer = EdgeIndex(tmp_path / "index.sqlite", DIMENSION)  # e.g. `devrel ingest` while serving
    writer.upsert(CHUNKS[:2], _vectors(2))
    assert len(reader.nearest(_vectors(1)[0], 3)) == 2
    writer.delete_paths("proj", ["src/sessions.py"])
    assert [h.chunk.path for h in reader.nearest(_vectors(1)[0], 3)] == ["src/json/provider.py"]


def test_an_index_of_an_older_layout_is_refused(tmp_path: Path) -> None:
    index = EdgeIndex(tmp_path / "index.sqlite", DIMENSION)
    index.upsert(CHUNKS[:1], _vectors(1))
    index.close()
    with sqlite3.connect(tmp_path / "index.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    with pytest.raises(ValueError, match="older layout"):
        EdgeIndex(tmp_path / "index.sqlite", DIMENSION)
