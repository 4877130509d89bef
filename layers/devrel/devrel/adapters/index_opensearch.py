"""VectorIndex on OpenSearch: BM25 text fields and a k-NN (HNSW) vector field in one index.

The index mapping ships with this package (opensearch_mapping.json), so a Lambda layer that carries
only `devrel` can create the index. Identifiers are split into words on the client (the same
`identifier_words` the edge index uses), so lexical matching behaves the same in both runtimes and
needs no analysis plugin. Lexical and vector queries are two requests, fused by the caller with
reciprocal rank fusion; that works on any OpenSearch 2.x without a search pipeline.

Written to the rules of Amazon OpenSearch Serverless VECTORSEARCH collections, which also hold on a
regular OpenSearch:
- the server assigns document ids (custom ids are refused), so `chunk_id` is a keyword field and a
  chunk is found, replaced and deleted through queries on it and the ids those queries return;
- there is no refresh, delete-by-query or update-by-query, and searches see writes only after a
  while. What the incremental bookkeeping (`file_hashes`, `delete_paths`, replacing in `upsert`)
  needs to know about its own recent writes it keeps from the bulk responses, so it never has to
  read them back. Searches (`lexical`, `nearest`, `count`) are eventually consistent.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import Hit, identifier_words, search_terms
from devrel.ports import PortError

if TYPE_CHECKING:
    from opensearchpy import OpenSearch

MAPPING_RESOURCE = "opensearch_mapping.json"
_PAGE = 1000
# unmapped_type: an index created before doc_key existed can still be read (writes to it fail).
_DOC_KEY_SORT = {"doc_key": {"order": "asc", "unmapped_type": "keyword"}}


def load_mapping(dimension: int) -> dict[str, Any]:
    """The index body shipped with the package, with the vector dimension of the configured embedder."""
    text = resources.files(__package__).joinpath(MAPPING_RESOURCE).read_text(encoding="utf-8")
    body: dict[str, Any] = json.loads(text)
    body["mappings"]["properties"]["embedding"]["dimension"] = dimension
    return body


def signing_service(host: str) -> str | None:
    """The SigV4 service name for an endpoint: `aoss` for Serverless collections, `es` for
    OpenSearch Service domains, None (no signing) for anything else, e.g. a local server."""
    host = host.lower().rstrip(".")
    if host.endswith(".aoss.amazonaws.com"):
        return "aoss"
    if host.endswith(".es.amazonaws.com"):
        return "es"
    return None


def connect(url: str, region: str, credentials: Any | None = None, *, service: str | None = None) -> OpenSearch:
    """An OpenSearch client for `url`, SigV4-signed when the endpoint is on AWS.

    `credentials` are botocore credentials (default: boto3's chain, e.g. the Lambda role). `service`
    overrides the name guessed from the host, for an AWS endpoint behind a custom domain.
    """
    from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth

    service = service or signing_service(urlsplit(url).hostname or "")
    if service is None:
        return OpenSearch(hosts=[url], timeout=30)
    if credentials is None:
        import boto3  # only AWS endpoints need it

        credentials = boto3.Session().get_credentials()
        if credentials is None:
            raise PortError(f"opensearch: no AWS credentials to sign requests to {url}")
    auth = Urllib3AWSV4SignerAuth(credentials, region, service)
    return OpenSearch(hosts=[url], http_auth=auth, timeout=30)


def chunk_document(chunk: Chunk, vector: Sequence[float], doc_key: str | None = None) -> dict[str, Any]:
    """The indexed document of a chunk. `doc_key` is unique per written copy: a tiebreak for paging,
    since the server's `_id` is not sortable everywhere and two copies of one chunk can coexist
    while a replacement becomes visible."""
    return {
        "chunk_id": chunk.chunk_id,
        "doc_key": doc_key or uuid.uuid4().hex,
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


@dataclass(frozen=True)
class _Written:
    """A document this adapter wrote, as the bulk response identified it."""

    doc_id: str
    source: str
    path: str
    file_hash: str


class OpenSearchIndex:
    """`client` is an opensearchpy.OpenSearch (see `connect`)."""

    def __init__(self, client: Any, index_name: str, dimension: int) -> None:
        self._client = client
        self._name = index_name
        self._dimension = dimension
        # Our own writes that searches may not show yet: chunk_id -> the copy we wrote, and
        # server id -> source of copies we deleted. file_hashes drops the entries its scan shows
        # have become searchable, so they live about as long as the index's refresh lag.
        self._written: dict[str, _Written] = {}
        self._deleted: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self._dimension

    def ensure_index(self) -> bool:
        """Create the index from the packaged mapping if missing. True when it was created."""
        if self._client.indices.exists(index=self._name):
            return False
        self._client.indices.create(index=self._name, body=load_mapping(self._dimension))
        return True

    # --- Writes ----------------------------------------------------------------------------------

    def upsert(self, chunks: Sequence[Chunk], vectors: Any) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.shape != (len(chunks), self._dimension):
            raise ValueError(f"expected vectors of shape {(len(chunks), self._dimension)}, got {matrix.shape}")
        if not chunks:
            return
        # The last of repeated chunks wins, as with any upsert.
        latest = {chunk.chunk_id: (chunk, vector) for chunk, vector in zip(chunks, matrix, strict=True)}
        with self._lock:
            previous = self._copies_of(list(latest))
            lines: list[str] = []
            for chunk, vector in latest.values():
                lines.append(json.dumps({"index": {"_index": self._name}}))
                lines.append(json.dumps(chunk_document(chunk, vector)))
            items = self._bulk(lines, len(latest))
            failures: list[Any] = []
            for (chunk, _vector), item in zip(latest.values(), items, strict=True):
                result = item.get("index", {})
                if result.get("error") or not result.get("_id"):
                    failures.append(result.get("error", result))
                    previous.pop(chunk.chunk_id, None)  # keep the old copy rather than none
                    continue
                self._written[chunk.chunk_id] = _Written(result["_id"], chunk.source, chunk.path, chunk.file_hash)
            # Replaced copies go only after their successors were accepted.
            self._delete_ids({doc_id: source for copies in previous.values() for doc_id, source in copies})
            if failures:
                raise PortError(
                    f"opensearch bulk: {len(failures)} of {len(latest)} chunks failed, first: {failures[0]}"
                )

    def delete_paths(self, source: str, paths: Iterable[str]) -> None:
        paths = list(dict.fromkeys(paths))
        if not paths:
            return
        wanted = set(paths)
        with self._lock:
            doomed: dict[str, str] = {}
            for start in range(0, len(paths), _PAGE):
                query = {
                    "bool": {
                        "filter": [
                            {"term": {"source": source}},
                            {"terms": {"path": paths[start : start + _PAGE]}},
                        ]
                    }
                }
                for hit in self._scan(query, ["path"]):
                    doomed[hit["_id"]] = source
            for chunk_id, written in list(self._written.items()):
                if written.source == source and written.path in wanted:
                    doomed[written.doc_id] = source
                    del self._written[chunk_id]
            self._delete_ids(doomed)

    def _copies_of(self, chunk_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
        """chunk_id -> [(server id, source)] of the copies already stored, searchable or our own."""
        copies: dict[str, list[tuple[str, str]]] = {}
        for start in range(0, len(chunk_ids), _PAGE):
            query = {"terms": {"chunk_id": chunk_ids[start : start + _PAGE]}}
            for hit in self._scan(query, ["chunk_id", "source"]):
                copies.setdefault(hit["_source"]["chunk_id"], []).append((hit["_id"], hit["_source"]["source"]))
        for chunk_id in chunk_ids:
            written = self._written.get(chunk_id)
            if written is not None and all(doc_id != written.doc_id for doc_id, _ in copies.get(chunk_id, [])):
                copies.setdefault(chunk_id, []).append((written.doc_id, written.source))
        return copies

    def _delete_ids(self, doomed: dict[str, str]) -> None:
        """Bulk-delete documents by server id; one that is already gone counts as deleted."""
        ids = [doc_id for doc_id in doomed if doc_id not in self._deleted]
        for start in range(0, len(ids), _PAGE):
            page = ids[start : start + _PAGE]
            lines = [json.dumps({"delete": {"_index": self._name, "_id": doc_id}}) for doc_id in page]
            items = self._bulk(lines, len(page))
            failed: list[Any] = []
            for doc_id, item in zip(page, items, strict=True):
                result = item.get("delete", {})
                if result.get("error") and result.get("status") != 404:
                    failed.append(result["error"])
                else:
                    self._deleted[doc_id] = doomed[doc_id]
            if failed:
                raise PortError(f"opensearch bulk delete: {len(failed)} of {len(page)} failed, first: {failed[0]}")

    def _bulk(self, lines: list[str], actions: int) -> list[dict[str, Any]]:
        """One item per action, in order. No `refresh`: Serverless refuses it, and the bookkeeping
        does not need it."""
        response = self._client.bulk(body="\n".join(lines) + "\n")
        items: list[dict[str, Any]] = response.get("items", [])
        if len(items) != actions:
            raise PortError(f"opensearch bulk: {actions} actions sent, {len(items)} results received")
        return items

    # --- Bookkeeping reads -----------------------------------------------------------------------

    def file_hashes(self, source: str) -> dict[str, str]:
        with self._lock:
            hashes: dict[str, str] = {}
            seen: set[str] = set()
            for hit in self._scan({"term": {"source": source}}, ["path", "file_hash"]):
                seen.add(hit["_id"])
                if hit["_id"] not in self._deleted:
                    hashes[hit["_source"]["path"]] = hit["_source"]["file_hash"]
            for chunk_id, written in list(self._written.items()):
                if written.source != source:
                    continue
                hashes[written.path] = written.file_hash
                if written.doc_id in seen:
                    del self._written[chunk_id]  # searchable now: queries will find it
            for doc_id, deleted_from in list(self._deleted.items()):
                if deleted_from == source and doc_id not in seen:
                    del self._deleted[doc_id]  # the deletion is visible now
            return hashes

    def _scan(self, query: dict[str, Any], fields: list[str]) -> Iterator[dict[str, Any]]:
        """Every matching hit (with `_id`), paged with search_after: no scroll context to leak, and
        search_after works on Serverless. `doc_key` makes the sort total, so no hit is skipped at a
        page boundary."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": _PAGE,
                "query": query,
                "_source": fields,
                "sort": [{"path": "asc"}, {"chunk_id": "asc"}, _DOC_KEY_SORT],
            }
            if after is not None:
                body["search_after"] = after
            hits = self._client.search(index=self._name, body=body)["hits"]["hits"]
            yield from hits
            if len(hits) < _PAGE:
                return
            after = hits[-1]["sort"]

    # --- Searches (eventually consistent) --------------------------------------------------------

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
