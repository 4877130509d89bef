"""VectorIndex on OpenSearch: BM25 text fields and a k-NN (HNSW) vector field in one index.

The index mapping lives in infra/opensearch/knowledge-index.json. Identifiers are split into words
on the client (the same `identifier_words` the edge index uses), so lexical matching behaves the
same in both runtimes and needs no analysis plugin. Lexical and vector queries are two requests,
fused by the caller with reciprocal rank fusion; that works on any OpenSearch 2.x domain without a
search pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from copy import deepcopy
from pathlib import Path
from typing import Any

import numpy as np

from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import Hit, identifier_words, search_terms
from devrel.ports import PortError

MAPPING_FILE = Path(__file__).resolve().parents[4] / "infra" / "opensearch" / "knowledge-index.json"
_PAGE = 1000


def load_mapping(dimension: int, path: Path = MAPPING_FILE) -> dict[str, Any]:
    """The index body from infra/, with the vector dimension of the configured embedder."""
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    body = deepcopy(body)
    body["mappings"]["properties"]["embedding"]["dimension"] = dimension
    return body


def chunk_document(chunk: Chunk, vector: Sequence[float]) -> dict[str, Any]:
    return {
        "chunk_id": chunk.chunk_id,
        "source": chunk.source,
        "path": chunk.path,
        "kind": chunk.kind,
        "start_line": chunk.start_line,
        "end_line": chunk.end_line,
        "file_hash": chunk.file_hash,
        "url": chunk.url,
        "title": chunk.title,
        "text": chunk.text,
        "title_words": identifier_words(chunk.title),
        "path_words": identifier_words(chunk.path),
        "body_words": identifier_words(chunk.text),
        "embedding": [float(x) for x in vector],
    }


def _chunk(source: dict[str, Any]) -> Chunk:
    return Chunk(
        source=source["source"],
        path=source["path"],
        start_line=int(source["start_line"]),
        end_line=int(source["end_line"]),
        text=source["text"],
        kind=source["kind"],
        title=source.get("title", ""),
        url=source.get("url", ""),
        file_hash=source.get("file_hash", ""),
    )


_RESULT_FIELDS = [
    "chunk_id",
    "source",
    "path",
    "kind",
    "start_line",
    "end_line",
    "file_hash",
    "url",
    "title",
    "text",
]


def lexical_query(query: str, k: int, source: str | None = None) -> dict[str, Any] | None:
    """The BM25 request body, or None when the query has no searchable word."""
    terms = search_terms(query)
    if not terms:
        return None
    bool_query: dict[str, Any] = {
        "must": [
            {
                "multi_match": {
                    "query": " ".join(terms),
                    "type": "most_fields",
                    "operator": "or",
                    "fields": ["title_words^3", "path_words^2", "body_words"],
                }
            }
        ],
    }
    if source is not None:
        bool_query["filter"] = [{"term": {"source": source}}]
    return {"size": k, "query": {"bool": bool_query}, "_source": _RESULT_FIELDS}


def knn_query(vector: Sequence[float], k: int, source: str | None = None) -> dict[str, Any]:
    """The k-NN request body (k-NN plugin query DSL; the filter is applied during the HNSW search)."""
    clause: dict[str, Any] = {"vector": [float(x) for x in vector], "k": k}
    if source is not None:
        clause["filter"] = {"bool": {"filter": [{"term": {"source": source}}]}}
    return {"size": k, "query": {"knn": {"embedding": clause}}, "_source": _RESULT_FIELDS}


class OpenSearchIndex:
    """`client` is an opensearchpy.OpenSearch (built by the runtime with the domain's auth)."""

    def __init__(self, client: Any, index_name: str, dimension: int, refresh: bool = False) -> None:
        self._client = client
        self._name = index_name
        self._dimension = dimension
        # Tests and one-shot CLI runs want writes visible at once; the ingest job does not.
        self._refresh = refresh

    @property
    def dimension(self) -> int:
        return self._dimension

    def ensure_index(self) -> bool:
        """Create the index from the mapping in infra/ if missing. True when it was created."""
        if self._client.indices.exists(index=self._name):
            return False
        self._client.indices.create(index=self._name, body=load_mapping(self._dimension))
        return True

    def upsert(self, chunks: Sequence[Chunk], vectors: Any) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.shape != (len(chunks), self._dimension):
            raise ValueError(f"expected vectors of shape {(len(chunks), self._dimension)}, got {matrix.shape}")
        if not chunks:
            return
        lines: list[str] = []
        for chunk, vector in zip(chunks, matrix, strict=True):
            lines.append(json.dumps({"index": {"_index": self._name, "_id": chunk.chunk_id}}))
            lines.append(json.dumps(chunk_document(chunk, vector)))
        response = self._client.bulk(body="\n".join(lines) + "\n", refresh=self._refresh_param())
        if response.get("errors"):
            failed = [item for item in response.get("items", []) if item.get("index", {}).get("error")]
            raise PortError(
                f"opensearch bulk: {len(failed)} of {len(chunks)} chunks failed, first: "
                f"{failed[0]['index']['error'] if failed else 'unknown'}"
            )

    def delete_paths(self, source: str, paths: Iterable[str]) -> None:
        paths = list(paths)
        for start in range(0, len(paths), _PAGE):
            query = {
                "bool": {
                    "filter": [
                        {"term": {"source": source}},
                        {"terms": {"path": paths[start : start + _PAGE]}},
                    ]
                }
            }
            self._client.delete_by_query(
                index=self._name, body={"query": query}, refresh=self._refresh or None, conflicts="proceed"
            )

    def file_hashes(self, source: str) -> dict[str, str]:
        return {
            doc["path"]: doc["file_hash"] for doc in self._scan({"term": {"source": source}}, ["path", "file_hash"])
        }

    def _scan(self, query: dict[str, Any], fields: list[str]) -> Iterator[dict[str, Any]]:
        """Every matching document, paged with search_after (no scroll context to leak)."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": _PAGE,
                "query": query,
                "_source": fields,
                "sort": [{"path": "asc"}, {"chunk_id": "asc"}],
            }
            if after is not None:
                body["search_after"] = after
            hits = self._client.search(index=self._name, body=body)["hits"]["hits"]
            for hit in hits:
                yield hit["_source"]
            if len(hits) < _PAGE:
                return
            after = hits[-1]["sort"]

    def count(self, source: str | None = None) -> int:
        body = {"query": {"term": {"source": source}}} if source is not None else None
        return int(self._client.count(index=self._name, body=body)["count"])

    def lexical(self, query: str, k: int, source: str | None = None) -> list[Hit]:
        body = lexical_query(query, k, source)
        if body is None or k <= 0:
            return []
        hits = self._client.search(index=self._name, body=body)["hits"]["hits"]
        return [Hit(_chunk(hit["_source"]), float(hit["_score"])) for hit in hits]

    def nearest(self, vector: Any, k: int, source: str | None = None) -> list[Hit]:
        if k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        hits = self._client.search(index=self._name, body=knn_query(query.tolist(), k, source))["hits"]["hits"]
        # The k-NN plugin reports cosinesimil as (1 + cosine) / 2; give back the cosine.
        return [Hit(_chunk(hit["_source"]), 2.0 * float(hit["_score"]) - 1.0) for hit in hits]

    def _refresh_param(self) -> str | None:
        return "true" if self._refresh else None
