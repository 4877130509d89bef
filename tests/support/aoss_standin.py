"""A local stand-in for an Amazon OpenSearch Serverless (AOSS) VECTORSEARCH collection endpoint.

It fronts a real OpenSearch-compatible server (osmem-server unless another backend URL is given)
over HTTP on 127.0.0.1 and enforces where Serverless differs from an OpenSearch domain:

- every request needs a SigV4 signature for service `aoss`, made with the stand-in's credentials
  (ACCESS_KEY / SECRET_KEY, region REGION); the signature is recomputed with botocore and compared.
  Unsigned, `es`-signed, wrongly signed, stale (over 5 minutes) or body-mismatched requests get
  403 with the service's body ({"status": 403, "request-id": ..., "error": {"type": "Forbidden"}});
  the header `x-standin-reason` says which check failed;
- documents cannot be written with a custom id: `PUT|POST /<index>/_doc/<id>` and `_create/<id>`
  answer 400 illegal_argument_exception, and in `_bulk` each index/create action carrying `_id`
  fails on its own (status 400 in its item) while the others are carried out, as the service does;
- `refresh=true|wait_for` is refused with 400 status_exception, and APIs Serverless does not expose
  (`_refresh`, `_delete_by_query`, `_update_by_query`, `_flush`, `_forcemerge`, `_cluster`,
  `_nodes`, `GET /`) answer 404 with an empty body, as observed on the service;
- searches are eventually consistent: a document written becomes visible to `_search`/`_count`, and
  a deletion takes effect, `lag` seconds after the write was acknowledged (None: only on `settle()`).
  Reads by id stay real-time, as on OpenSearch.

In a test:
    with AossStandIn(osmem_clone.url, lag=None) as aoss:
        client = connect(aoss.url, REGION, standin_credentials(), service="aoss")
        ...
        aoss.settle()  # make every acknowledged write searchable now

As a process (from the repository root), starting its own osmem-server:
    python -m tests.support.aoss_standin --port 9200 [--lag 1.0 | --manual] [--backend URL]
It prints one JSON line when ready: {"url", "region", "access_key", "secret_key"}.
`POST /_standin/settle` (unsigned) does what settle() does. SIGTERM or Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIAAOSSSTANDIN00001"
SECRET_KEY = "aoss-stand-in-secret-key-not-a-real-one"
REGION = "us-east-1"
SERVICE = "aoss"
# AWS refuses signatures dated more than 5 minutes from its clock.
MAX_CLOCK_SKEW_SECONDS = 300
CUSTOM_ID_REASON = "Document ID is not supported in create/index operation request"
# Paths segments of APIs a Serverless collection does not serve.
UNSUPPORTED_APIS = frozenset(
    {"_refresh", "_delete_by_query", "_update_by_query", "_flush", "_forcemerge", "_cluster", "_nodes"}
)

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


def standin_credentials() -> Credentials:
    """The credentials the stand-in accepts, for signing clients."""
    return Credentials(ACCESS_KEY, SECRET_KEY)


def check_signature(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    keys: Mapping[str, Credentials],
    region: str = REGION,
    service: str = SERVICE,
    now: datetime | None = None,
) -> str | None:
    """None when the request carries a valid SigV4 signature for `service` in `region` by one of
    `keys` (access key -> credentials); otherwise why not. `headers` have lower-case names and
    `target` is the path and query as sent."""
    authorization = headers.get("authorization")
    if not authorization:
        return "no Authorization header"
    match = _AUTHORIZATION.fullmatch(authorization.strip())
    if match is None:
        return "Authorization is not an AWS4-HMAC-SHA256 signature"
    credentials = keys.get(match["key"])
    if credentials is None:
        return f"unknown access key {match['key']}"
    if match["service"] != service:
        return f"signed for service {match['service']!r}, not {service!r}"
    if match["region"] != region:
        return f"signed for region {match['region']!r}, not {region!r}"
    amz_date = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        return "no valid X-Amz-Date header"
    if amz_date[:8] != match["date"]:
        return "the credential scope's date is not the X-Amz-Date's"
    if abs(((now or datetime.now(UTC)) - signed_at).total_seconds()) > MAX_CLOCK_SKEW_SECONDS:
        return "signature expired or dated in the future"
    signed = match["signed"].split(";")
    for required in ("host", "x-amz-date", "x-amz-content-sha256"):
        if required not in signed:
            return f"{required} is not a signed header"
    missing = [name for name in signed if name not in headers]
    if missing:
        return f"signed headers missing from the request: {', '.join(missing)}"
    # The service hashes the body itself; a header that lies about it fails the request.
    if headers["x-amz-content-sha256"] != hashlib.sha256(body).hexdigest():
        return "X-Amz-Content-SHA256 is not the body's hash"
    if credentials.token and (
        "x-amz-security-token" not in signed or headers["x-amz-security-token"] != credentials.token
    ):
        return "missing or wrong session token"
    request = AWSRequest(
        method=method, url=f"http://{headers['host']}{target}", data=body, headers={n: headers[n] for n in signed}
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(credentials, service, region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, match["signature"]):
        return "signature does not match"
    return None


def opensearch_error(status: int, error_type: str, reason: str) -> dict[str, Any]:
    """An error body in OpenSearch's shape."""
    return {"error": {"root_cause": [{"type": error_type, "reason": reason}], "type": error_type, "reason": reason},
            "status": status}


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, **headers: str) -> Reply:
        return cls(status, json.dumps(payload).encode(), {"content-type": "application/json", **headers})


@dataclass(frozen=True)
class Logged:
    """One request the stand-in answered; `reason` is set when it refused it."""

    method: str
    target: str
    status: int
    reason: str | None


class AossStandIn:
    """The HTTP stand-in; see the module docstring. Usable as a context manager."""

    def __init__(
        self,
        backend_url: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = REGION,
        credentials: Credentials | None = None,
        lag: float | None = 1.0,
    ) -> None:
        backend = urlsplit(backend_url)
        self._backend = (backend.hostname or "127.0.0.1", backend.port or 80)
        self.region = region
        creds = credentials or standin_credentials()
        self._keys = {creds.access_key: creds}
        self.lag = lag
        self.log: list[Logged] = []
        # index -> document id -> monotonic time it becomes visible (inf: at settle()).
        self._unseen_writes: dict[str, dict[str, float]] = {}
        # index -> document id -> monotonic time the acknowledged deletion is carried out.
        self._pending_deletes: dict[str, dict[str, float]] = {}
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._owned: Any = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> AossStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> AossStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @classmethod
    def with_osmem(cls, **options: Any) -> AossStandIn:
        """A stand-in in front of a fresh osmem-server of its own, stopped with it (not started)."""
        from osmem_server import OsmemServer

        osmem = OsmemServer.start(freeze=False, japanese=False)
        try:
            standin = cls(osmem.url, **options)
        except BaseException:
            osmem.close()
            raise
        standin._owned = osmem
        return standin

    def settle(self) -> None:
        """Make every acknowledged write and deletion visible to searches now."""
        with self._lock:
            self._apply_due(float("inf"))

    def rejected(self) -> list[Logged]:
        """The requests refused so far (4xx/5xx decided by the stand-in, not the backend)."""
        return [entry for entry in self.log if entry.reason is not None]

    # --- Request handling ------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        with self._lock:
            self._apply_due(time.monotonic())
            reply, reason = self._route(method, target, headers, body)
            self.log.append(Logged(method, target, reply.status, reason))
            return reply

    def _route(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> tuple[Reply, str | None]:
        split = urlsplit(target)
        if split.path == "/_standin/settle" and method == "POST":
            self._apply_due(float("inf"))
            return Reply.json(200, {"settled": True}), None
        reason = check_signature(method, target, headers, body, keys=self._keys, region=self.region)
        if reason is not None:
            request_id = str(uuid.uuid4())
            error = {"reason": "403 Forbidden", "type": "Forbidden"}
            payload = {"status": 403, "request-id": request_id, "error": error}
            return Reply.json(403, payload, **{"x-request-id": request_id, "x-standin-reason": reason}), reason
        params = parse_qs(split.query, keep_blank_values=True)
        for value in params.get("refresh", []):
            policy = value or "true"  # a bare ?refresh means true
            if policy != "false":
                reason = f"{policy} refresh policy is not supported."
                return Reply.json(400, opensearch_error(400, "status_exception", reason)), reason
        segments = [unquote(part) for part in split.path.split("/") if part]
        if not segments or UNSUPPORTED_APIS.intersection(segments):
            return Reply(404), f"{split.path} is not served by Serverless"
        if len(segments) == 3 and segments[1] in ("_doc", "_create") and method in ("PUT", "POST"):
            error = opensearch_error(400, "illegal_argument_exception", CUSTOM_ID_REASON)
            return Reply.json(400, error), CUSTOM_ID_REASON
        if segments[-1] == "_bulk" and method in ("PUT", "POST") and len(segments) <= 2:
            return self._bulk(segments[0] if len(segments) == 2 else None, target, body)
        if segments[-1] in ("_search", "_count") and len(segments) <= 2 and method in ("GET", "POST"):
            indices = segments[0].split(",") if len(segments) == 2 else list(self._unseen_writes)
            return self._search(method, target, body, indices), None
        if len(segments) == 3 and segments[1] == "_doc" and method == "DELETE" and self.lag != 0:
            return self._delete_one(segments[0], segments[2]), None
        if len(segments) == 2 and segments[1] == "_doc" and method == "POST":
            reply = self._forward(method, target, body)
            if reply.status in (200, 201):
                self._written(segments[0], json.loads(reply.body)["_id"])
            return reply, None
        if len(segments) == 1 and method == "DELETE":
            for index in segments[0].split(","):
                self._unseen_writes.pop(index, None)
                self._pending_deletes.pop(index, None)
        return self._forward(method, target, body), None

    # --- Eventual consistency --------------------------------------------------------------------

    def _due(self) -> float:
        return float("inf") if self.lag is None else time.monotonic() + self.lag

    def _written(self, index: str, doc_id: str) -> None:
        if self.lag != 0:
            self._unseen_writes.setdefault(index, {})[doc_id] = self._due()

    def _apply_due(self, now: float) -> None:
        for unseen in self._unseen_writes.values():
            for doc_id in [d for d, due in unseen.items() if due <= now]:
                del unseen[doc_id]
        for index, pending in self._pending_deletes.items():
            due_ids = [d for d, due in pending.items() if due <= now]
            if due_ids:
                lines = "".join(json.dumps({"delete": {"_index": index, "_id": d}}) + "\n" for d in due_ids)
                reply = self._forward("POST", "/_bulk", lines.encode())
                if reply.status != 200:
                    raise RuntimeError(f"backend refused deletions: {reply.status} {reply.body[:200]!r}")
                for doc_id in due_ids:
                    del pending[doc_id]

    def _existing(self, index: str, doc_ids: list[str]) -> set[str]:
        """Which of these documents exist and are not already being deleted."""
        pending = self._pending_deletes.get(index, {})
        wanted = [d for d in doc_ids if d not in pending]
        if not wanted:
            return set()
        reply = self._forward("POST", f"/{index}/_mget?_source=false", json.dumps({"ids": wanted}).encode())
        if reply.status != 200:
            return set()
        return {doc["_id"] for doc in json.loads(reply.body)["docs"] if doc.get("found")}

    def _delete_one(self, index: str, doc_id: str) -> Reply:
        found = doc_id in self._existing(index, [doc_id])
        if found:
            self._pending_deletes.setdefault(index, {})[doc_id] = self._due()
        result = {"_index": index, "_id": doc_id, "result": "deleted" if found else "not_found",
                  "_shards": {"total": 1, "successful": 1, "failed": 0}}
        return Reply.json(200 if found else 404, result)

    def _search(self, method: str, target: str, body: bytes, indices: list[str]) -> Reply:
        unseen = sorted({doc_id for index in indices for doc_id in self._unseen_writes.get(index, {})})
        if not unseen:
            return self._forward(method, target, body)
        request = json.loads(body) if body.strip() else {}
        query = request.get("query") or {"match_all": {}}
        # Scores are unchanged: must_not only filters.
        request["query"] = {"bool": {"must": [query], "must_not": [{"ids": {"values": unseen}}]}}
        return self._forward("POST", target, json.dumps(request).encode())

    def _bulk(self, default_index: str | None, target: str, body: bytes) -> tuple[Reply, str | None]:
        """Carries out the actions it accepts; the reason names the refused ones, if any."""
        try:
            actions = _parse_bulk(body)
        except ValueError:
            return self._forward("POST", target, body), None  # the backend reports the malformed body
        items: list[dict[str, Any] | None] = [None] * len(actions)
        forwarded: list[int] = []
        lines: list[str] = []
        deletes: dict[str, list[tuple[int, str]]] = {}
        for position, (op, meta, document) in enumerate(actions):
            index = str(meta.get("_index", default_index))
            if op in ("index", "create") and "_id" in meta:
                error = {"type": "illegal_argument_exception", "reason": CUSTOM_ID_REASON}
                items[position] = {op: {"_index": index, "_id": meta["_id"], "status": 400, "error": error}}
            elif op == "delete" and self.lag != 0 and "_id" in meta:
                deletes.setdefault(index, []).append((position, str(meta["_id"])))
            else:
                forwarded.append(position)
                lines.append(json.dumps({op: meta}))
                if document is not None:
                    lines.append(document)
        if lines:
            reply = self._forward("POST", f"/{default_index}/_bulk" if default_index else "/_bulk",
                                  ("\n".join(lines) + "\n").encode())
            if reply.status != 200:
                return reply, None
            for position, item in zip(forwarded, json.loads(reply.body)["items"], strict=True):
                items[position] = item
                op, result = next(iter(item.items()))
                if op in ("index", "create") and result.get("status") in (200, 201):
                    self._written(result["_index"], result["_id"])
        for index, wanted in deletes.items():
            existing = self._existing(index, [doc_id for _, doc_id in wanted])
            for position, doc_id in wanted:
                found = doc_id in existing
                existing.discard(doc_id)  # a second delete of it in this request finds nothing
                if found:
                    self._pending_deletes.setdefault(index, {})[doc_id] = self._due()
                items[position] = {"delete": {"_index": index, "_id": doc_id, "status": 200 if found else 404,
                                              "result": "deleted" if found else "not_found"}}
        errors = any("error" in next(iter(item.values())) for item in items if item is not None)
        refused = sum(1 for op, meta, _ in actions if op in ("index", "create") and "_id" in meta)
        reason = f"{refused} bulk action(s) with a custom document id" if refused else None
        return Reply.json(200, {"took": 1, "errors": errors, "items": items}), reason

    def _forward(self, method: str, target: str, body: bytes) -> Reply:
        connection = http.client.HTTPConnection(*self._backend, timeout=60)
        try:
            headers = {"content-type": "application/json"} if body else {}
            connection.request(method, target, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            content_type = response.getheader("content-type", "application/json")
            return Reply(response.status, data, {"content-type": content_type})
        finally:
            connection.close()


def _parse_bulk(body: bytes) -> list[tuple[str, dict[str, Any], str | None]]:
    """(operation, metadata, document line or None) per action of an NDJSON bulk body."""
    lines = [line for line in body.decode("utf-8").split("\n") if line.strip()]
    actions: list[tuple[str, dict[str, Any], str | None]] = []
    position = 0
    while position < len(lines):
        header = json.loads(lines[position])
        if not isinstance(header, dict) or len(header) != 1:
            raise ValueError("not a bulk action line")
        op, meta = next(iter(header.items()))
        position += 1
        document = None
        if op != "delete":
            if position >= len(lines):
                raise ValueError("action without a document")
            document = lines[position]
            position += 1
        actions.append((op, dict(meta or {}), document))
    return actions


def _handler(standin: AossStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = standin.handle(self.command, self.path, headers, body)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running(backend_url: str | None = None, **options: Any) -> Iterator[AossStandIn]:
    """A started stand-in, in front of `backend_url` or of an osmem-server of its own."""
    standin = AossStandIn(backend_url, **options) if backend_url else AossStandIn.with_osmem(**options)
    with standin:
        yield standin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Amazon OpenSearch Serverless stand-in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--region", default=REGION)
    parser.add_argument("--backend", help="an OpenSearch-compatible URL (default: start osmem-server)")
    timing = parser.add_mutually_exclusive_group()
    timing.add_argument("--lag", type=float, default=1.0, help="seconds until writes are searchable")
    timing.add_argument("--manual", action="store_true", help="writes are searchable only after a settle")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    options = {"host": args.host, "port": args.port, "region": args.region, "lag": None if args.manual else args.lag}
    with running(args.backend, **options) as standin:
        ready = {"url": standin.url, "region": standin.region, "access_key": ACCESS_KEY, "secret_key": SECRET_KEY}
        print(json.dumps(ready), flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
