"""The OpenSearch adapter's requests against the OpenSearch / k-NN plugin API contract.

The lexical side and index management also run over real HTTP in
tests/integration/test_index_contract.py (directly and through the OpenSearch Serverless stand-in);
k-NN queries are checked here, by their request bodies.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from botocore.credentials import Credentials

from devrel.adapters.index_opensearch import (
    MAPPING_RESOURCE,
    OpenSearchIndex,
    chunk_document,
    connect,
    knn_query,
    lexical_query,
    load_mapping,
    signing_service,
)
from devrel.knowledge.documents import Chunk
from devrel.ports import PortError

ROOT = Path(__file__).resolve().parents[2]

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
    """Answers like OpenSearch and records each request; its index holds one copy of CHUNK."""

    def __init__(self, score: float = 0.9) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.score = score

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(("search", body))
        source = chunk_document(CHUNK, [0.0] * 4, doc_key="k")
        hit = {"_id": "old-1", "_score": self.score, "_source": source, "sort": ["src/app.py", "x", "k"]}
        return {"hits": {"hits": [hit]}}

    def bulk(self, body: str, **params: Any) -> dict[str, Any]:
        lines = [json.loads(line) for line in body.splitlines()]
        self.requests.append(("bulk", {"lines": lines, "params": params}))
        items = []
        for line in lines:
            if "index" in line:
                items.append({"index": {"_id": f"new-{len(items)}", "status": 201, "result": "created"}})
            elif "delete" in line:
                items.append({"delete": {"_id": line["delete"]["_id"], "status": 200, "result": "deleted"}})
        return {"errors": False, "items": items}


def test_mapping_declares_a_knn_hnsw_field_and_bm25_fields() -> None:
    body = load_mapping(384)
    assert body["settings"]["index"]["knn"] is True
    embedding = body["mappings"]["properties"]["embedding"]
    assert embedding["type"] == "knn_vector" and embedding["dimension"] == 384
    assert embedding["method"]["name"] == "hnsw" and embedding["method"]["space_type"] == "cosinesimil"
    assert embedding["method"]["engine"] in {"lucene", "faiss", "nmslib"}
    for field in ("title_words", "path_words", "body_words"):
        assert body["mappings"]["properties"][field]["type"] == "text"
    # The file stays the 384-d default; other dimensions are set at load time, on a fresh copy.
    packaged = resources.files("devrel.adapters").joinpath(MAPPING_RESOURCE).read_text(encoding="utf-8")
    assert json.loads(packaged)["mappings"]["properties"]["embedding"]["dimension"] == 384
    assert load_mapping(768)["mappings"]["properties"]["embedding"]["dimension"] == 768
    assert load_mapping(384)["mappings"]["properties"]["embedding"]["dimension"] == 384


def test_the_mapping_ships_inside_the_package(tmp_path: Path) -> None:
    # A Lambda layer carries the devrel package alone: load it from a copy with nothing around it.
    shutil.copytree(ROOT / "layers" / "devrel" / "devrel", tmp_path / "layer" / "devrel",
                    ignore=shutil.ignore_patterns("__pycache__"))
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from devrel.adapters import index_opensearch as m;"
        "assert m.__file__.startswith(sys.argv[1]), m.__file__;"
        "print(m.load_mapping(12)['mappings']['properties']['embedding']['dimension'])"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "layer")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "12"
    assert not (ROOT / "infra" / "opensearch" / "knowledge-index.json").exists(), "one copy, in the package"


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


def test_upsert_lets_the_server_assign_ids_and_replaces_stored_copies_by_chunk_id() -> None:
    # Serverless refuses custom document ids and refresh parameters.
    client = RecordingClient()
    OpenSearchIndex(client, "kb", dimension=4).upsert([CHUNK], np.ones((1, 4), dtype=np.float32))
    kinds = [kind for kind, _ in client.requests]
    assert kinds == ["search", "bulk", "bulk"]
    lookup = client.requests[0][1]
    assert lookup["query"] == {"terms": {"chunk_id": [CHUNK.chunk_id]}}
    written, deleted = client.requests[1][1], client.requests[2][1]
    action, document = written["lines"]
    assert action == {"index": {"_index": "kb"}}
    assert document["chunk_id"] == CHUNK.chunk_id and document["embedding"] == [1.0, 1.0, 1.0, 1.0]
    # The copy found by the lookup goes only after the new one was accepted.
    assert deleted["lines"] == [{"delete": {"_index": "kb", "_id": "old-1"}}]
    assert written["params"] == {} and deleted["params"] == {}


def test_a_rejected_write_keeps_the_stored_copy() -> None:
    class Refusing(RecordingClient):
        def bulk(self, body: str, **params: Any) -> dict[str, Any]:
            self.requests.append(("bulk", {"lines": body.splitlines(), "params": params}))
            error = {"type": "illegal_argument_exception", "reason": "no"}
            return {"errors": True, "items": [{"index": {"status": 400, "error": error}}]}

    client = Refusing()
    with pytest.raises(PortError, match="1 of 1 chunks failed"):
        OpenSearchIndex(client, "kb", dimension=4).upsert([CHUNK], np.ones((1, 4), dtype=np.float32))
    assert [kind for kind, _ in client.requests] == ["search", "bulk"]


@pytest.mark.parametrize(
    ("host", "service"),
    [
        ("abc123.us-east-1.aoss.amazonaws.com", "aoss"),
        ("search-kb-abc.eu-west-1.es.amazonaws.com", "es"),
        ("ABC123.US-EAST-1.AOSS.AMAZONAWS.COM.", "aoss"),
        ("127.0.0.1", None),
        ("localhost", None),
        ("aoss.amazonaws.com.example.org", None),
    ],
)
def test_signing_service_follows_the_endpoint(host: str, service: str | None) -> None:
    assert signing_service(host) == service


def _auth(client: Any) -> Any:
    return client.transport.kwargs.get("http_auth")


def test_connect_signs_serverless_collections_for_aoss_and_domains_for_es() -> None:
    credentials = Credentials("AKIDEXAMPLE", "secret")
    collection = connect("https://abc123.us-east-1.aoss.amazonaws.com", "us-east-1", credentials)
    domain = connect("https://search-kb-abc.us-east-1.es.amazonaws.com", "us-east-1", credentials)
    local = connect("http://127.0.0.1:9200", "us-east-1", credentials)
    assert _auth(collection).service == "aoss" and _auth(collection).signer.region == "us-east-1"
    assert _auth(domain).service == "es"
    assert _auth(local) is None
    assert _auth(connect("https://kb.example.org", "eu-west-1", credentials, service="aoss")).service == "aoss"


def test_connect_takes_credentials_from_the_default_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    client = connect("https://abc123.us-east-1.aoss.amazonaws.com", "us-east-1")
    assert _auth(client).signer.credentials.access_key == "AKIDFROMENV"


def test_upsert_rejects_vectors_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        OpenSearchIndex(RecordingClient(), "kb", dimension=4).upsert([CHUNK], np.ones((1, 3)))
