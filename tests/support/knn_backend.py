"""k-NN search in front of an OpenSearch-compatible server that lacks it (osmem-server).

An HTTP proxy: every request goes to the backend unchanged, except searches whose query holds a
`knn` clause (the k-NN plugin's query DSL, alone or inside `bool.must`). Those are answered here by
exact (brute-force) nearest neighbours over the documents the rest of the query selects, with the
scores the k-NN plugin gives for `cosinesimil` (`(1 + cosine) / 2`); the knn clause's own `filter`
applies first, as in an efficient filtered search. Exact search returns what HNSW approximates, so
a test that passes here does not depend on the approximation.
"""

from __future__ import annotations

import http.client
import json
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from support.stand_in import BackgroundHttpServer

# Enough for any index a test builds; the backend's result window caps a single page.
_CANDIDATES = 10_000


def _split_knn(query: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(the knn clause, the query for candidate documents) of a search query."""
    if "knn" in query:
        return query["knn"], {"match_all": {}}
    boolean = query.get("bool")
    if isinstance(boolean, dict):
        must = boolean.get("must") or []
        must = must if isinstance(must, list) else [must]
        knn = next((clause["knn"] for clause in must if isinstance(clause, dict) and "knn" in clause), None)
        if knn is not None:
            rest = [clause for clause in must if not (isinstance(clause, dict) and "knn" in clause)]
            return knn, {"bool": {**boolean, "must": rest or [{"match_all": {}}]}}
    return None, query


class KnnBackend(BackgroundHttpServer):
    def __init__(self, backend_url: str) -> None:
        split = urlsplit(backend_url)
        self._backend = (split.hostname or "127.0.0.1", split.port or 80)
        super().__init__(_handler(self))


    def forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str],
                                                                                                 bytes]:
        connection = http.client.HTTPConnection(*self._backend, timeout=60)
        try:
            connection.request(method, target, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str],
                                                                                                bytes]:
        path = urlsplit(target).path
        if method in ("GET", "POST") and path.endswith("/_search") and body.strip():
            request = json.loads(body)
            knn, candidates_query = _split_knn(request.get("query") or {})
            if knn is not None:
                return self._knn(path, request, knn, candidates_query)
        return self.forward(method, target, {k: v for k, v in headers.items() if k in ("content-type",)}, body)

    def _knn(self, path: str, request: dict[str, Any], knn: dict[str, Any], candidates_query: dict[str, Any]
             ) -> tuple[int, dict[str, str], bytes]:
        ((field, clause),) = knn.items()
        query = candidates_query
        if clause.get("filter"):
            query = {"bool": {"must": [candidates_query], "filter": [clause["filter"]]}}
        status, headers, raw = self.forward("POST", path, {"content-type": "application/json"},
                                            json.dumps({"size": _CANDIDATES, "query": query}).encode())
        if status != 200:
            return status, headers, raw
        hits = json.loads(raw)["hits"]["hits"]
        wanted = np.asarray(clause["vector"], dtype=np.float64)
        scored = []
        for hit in hits:
            vector = np.asarray(hit["_source"].get(field) or [], dtype=np.float64)
            if vector.shape != wanted.shape:
                continue
            cosine = float(vector @ wanted / max(np.linalg.norm(vector) * np.linalg.norm(wanted), 1e-12))
            scored.append(((1.0 + cosine) / 2.0, hit))
        scored.sort(key=lambda pair: -pair[0])
        size = int(request.get("size", clause.get("k", 10)))
        top = scored[: min(size, int(clause.get("k", size)))]
        fields = request.get("_source")
        result = [
            {"_index": hit["_index"], "_id": hit["_id"], "_score": score,
             "_source": {k: v for k, v in hit["_source"].items() if not isinstance(fields, list) or k in fields}}
            for score, hit in top
        ]
        payload = {"took": 1, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                   "hits": {"total": {"value": len(result), "relation": "eq"},
                            "max_score": result[0]["_score"] if result else None, "hits": result}}
        return 200, {"content-type": "application/json"}, json.dumps(payload).encode()


def _handler(backend: KnnBackend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            status, headers, raw = backend.handle(self.command, self.path,
                                                  {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("content-type", headers.get("content-type", "application/json"))
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(raw)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
