"""The OpenSearch adapter's requests against the OpenSearch / k-NN plugin API contract.

The lexical side and index management also run over real HTTP in
tests/integration/test_index_contract.py; k-NN queries are checked here, by their request bodies.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from devrel.adapters.index_opensearch import (
    MAPPING_FILE,
    OpenSearchIndex,
    chunk_document,
    knn_query,
    lexical_query,
    load_mapping,
)
from devrel.knowledge.documents import Chunk

CHUNK = Chunk(
    source="flask",
    path="src/app.py",
    start_line=3,
    end_line=9,
    text="def run(): pass",
    kind="code",
    title="def run",
    url="https://g/blob/s/src/app.py#L3-L9",
    file_hash="h1",
)


class RecordingClient:
    """Answers like OpenSearch and records each request body."""

    def __init__(self, score: float = 0.9) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.score = score

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(("search", body))
        source = chunk_document(CHUNK, [0.0] * 4)
        return {"hits": {"hits": [{"_score": self.score, "_source": source, "sort": ["src/app.py", "x"]}]}}

    def bulk(self, body: str, refresh: str | None = None) -> dict[str, Any]:
        self.requests.append(("bulk", {"lines": body.splitlines(), "refresh": refresh}))
        return {"errors": False, "items": []}


def test_mapping_declares_a_knn_hnsw_field_and_bm25_fields() -> None:
    body = load_mapping(384)
    assert body["settings"]["index"]["knn"] is True
    embedding = body["mappings"]["properties"]["embedding"]
    assert embedding["type"] == "knn_vector" and embedding["dimension"] == 384
    assert embedding["method"]["name"] == "hnsw" and embedding["method"]["space_type"] == "cosinesimil"
    assert embedding["method"]["engine"] in {"lucene", "faiss", "nmslib"}
    for field in ("title_words", "path_words", "body_words"):
        assert body["mappings"]["properties"][field]["type"] == "text"
    # The file on disk stays the 384-d default; other dimensions are set at load time.
    assert json.loads(MAPPING_FILE.read_text())["mappings"]["properties"]["embedding"]["dimension"] == 384
    assert load_mapping(768)["mappings"]["properties"]["embedding"]["dimension"] == 768


def test_documents_only_use_mapped_fields() -> None:
    # The mapping is "dynamic": "strict": an unmapped field would be rejected by the cluster.
    mapped = set(load_mapping(4)["mappings"]["properties"])
    assert load_mapping(4)["mappings"]["dynamic"] == "strict"
    assert set(chunk_document(CHUNK, [0.1, 0.2, 0.3, 0.4])) == mapped


def test_knn_query_body_follows_the_knn_plugin_dsl() -> None:
    body = knn_query([0.5, 0.25], 7, source="flask")
    clause = body["query"]["knn"]["embedding"]
    assert clause["vector"] == [0.5, 0.25] and clause["k"] == 7 and body["size"] == 7
    assert clause["filter"] == {"bool": {"filter": [{"term": {"source": "flask"}}]}}
    assert "filter" not in knn_query([1.0], 3)["query"]["knn"]["embedding"]


def test_lexical_query_searches_the_word_fields_with_a_source_filter() -> None:
    body = lexical_query("How does getSendFileMaxAge work?", 5, source="flask")
    assert body is not None
    match = body["query"]["bool"]["must"][0]["multi_match"]
    assert match["query"] == "get send file max age work"
    assert set(match["fields"]) == {"title_words^3", "path_words^2", "body_words"}
    assert body["query"]["bool"]["filter"] == [{"term": {"source": "flask"}}]
    assert lexical_query("what is the", 5) is None


def test_nearest_sends_the_vector_and_returns_cosine_scores() -> None:
    client = RecordingClient(score=0.9)
    index = OpenSearchIndex(client, "kb", dimension=4)
    hits = index.nearest(np.array([1, 0, 0, 0], dtype=np.float32), 3, source="flask")
    kind, body = client.requests[0]
    assert kind == "search" and body["query"]["knn"]["embedding"]["vector"] == [1.0, 0.0, 0.0, 0.0]
    # cosinesimil scores are (1 + cosine) / 2 in the k-NN plugin.
    assert hits[0].score == pytest.approx(0.8)
    assert hits[0].chunk == CHUNK


def test_bulk_upsert_uses_chunk_ids_as_document_ids() -> None:
    client = RecordingClient()
    OpenSearchIndex(client, "kb", dimension=4, refresh=True).upsert([CHUNK], np.ones((1, 4), dtype=np.float32))
    _, request = client.requests[0]
    action, document = (json.loads(line) for line in request["lines"])
    assert action == {"index": {"_index": "kb", "_id": CHUNK.chunk_id}}
    assert document["embedding"] == [1.0, 1.0, 1.0, 1.0] and request["refresh"] == "true"


def test_upsert_rejects_vectors_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        OpenSearchIndex(RecordingClient(), "kb", dimension=4).upsert([CHUNK], np.ones((1, 3)))
