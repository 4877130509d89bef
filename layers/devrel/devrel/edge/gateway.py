"""A local stand-in for API Gateway (HTTP API, payload format 2.0).

It matches a request to a template route, builds the same event Lambda would receive (raw body
preserved byte for byte, base64 when binary), calls the function and turns its result into the
HTTP response.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devrel.edge.template import Route
from devrel.http import HttpResponse, response_from_apigw_v2

log = logging.getLogger("devrel.edge.gateway")

TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml",
              "application/javascript", "+json", "+xml")
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_params: dict[str, str]


class RouteTable:
    """HTTP API route selection: exact paths beat parameters, which beat greedy `{proxy+}`."""

    def __init__(self, routes: list[Route]) -> None:
        self._compiled = sorted(
            ((route, *_compile(route.path)) for route in routes if route.path != "$default"),
            key=lambda entry: entry[2],
        )
        self._default = next((r for r in routes if r.path == "$default"), None)

    def match(self, method: str, path: str) -> RouteMatch | None:
        for route, pattern, _rank in self._compiled:
            if route.method not in ("ANY", method):
                continue
            found = pattern.fullmatch(path)
            if found:
                return RouteMatch(route, {k: v for k, v in found.groupdict().items() if v is not None})
        if self._default is not None:
            return RouteMatch(self._default, {})
        return None

    def allows_path(self, path: str) -> bool:
        return any(pattern.fullmatch(path) for _route, pattern, _rank in self._compiled)


def _compile(path: str) -> tuple[re.Pattern[str], tuple[int, int, int]]:
    regex = ""
    params = greedy = 0
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            regex += f"/(?P<{segment[1:-2]}>.+)"
            greedy += 1
        elif segment.startswith("{") and segment.endswith("}"):
            regex += f"/(?P<{segment[1:-1]}>[^/]+)"
            params += 1
        else:
            regex += "/" + re.escape(segment)
    # Sort key: fewer greedy segments first, then fewer parameters, then longer literal paths.
    return re.compile(regex or "/"), (greedy, params, -len(path))


def build_event(
    route: Route,
    path_params: dict[str, str],
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    content_type = merged.get("content-type", "")
    is_text = not body or any(marker in content_type for marker in TEXT_TYPES)
    if is_text:
        try:
            body_text, is_b64 = body.decode("utf-8"), False
        except UnicodeDecodeError:
            body_text, is_b64 = base64.b64encode(body).decode("ascii"), True
    else:
        body_text, is_b64 = base64.b64encode(body).decode("ascii"), True
    query = {key: ",".join(values) for key, values in parse_qs(raw_query, keep_blank_values=True).items()}
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default" if route.path == "$default" else route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": merged,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": merged.get("host", "localhost"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": is_b64,
    }
    if body:
        event["body"] = body_text
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = path_params
    return event


Invoke = Callable[[str, Any], Any]

# What the Server header says: no software versions for scanners to match against.
SERVER_NAME = "devrel-edge"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class GatewayLimits:
    """How much of the server one client may take: connections, time and bytes.

    A connection may wait `idle_seconds` for its next request; once a request starts, its line and
    headers must arrive within `header_seconds` and the whole request within `read_seconds`, with
    no pause longer than `idle_seconds`. At most `max_connections` connections are served at once;
    the next waits up to `handler_wait_seconds` for a free handler (meanwhile the kernel queues up to
    `backlog` more), then gets a 503.
    """

    backlog: int = 128
    max_connections: int = 100
    handler_wait_seconds: float = 5.0
    idle_seconds: float = 5.0
    header_seconds: float = 10.0
    read_seconds: float = 30.0
    write_seconds: float = 30.0
    # Largest request body by the route's first path segment ("github" for /github/webhook); "*" for others.
    body_limits: Mapping[str, int] = field(default_factory=lambda: {"*": MAX_BODY_BYTES})
    # A body over its limit is still read (and discarded) up to this many bytes, so that a client
    # that sends everything before reading sees the 413 instead of a reset connection.
    drain_bytes: int = 32 * 1024 * 1024

    def body_limit(self, path: str) -> int:
        segment = path.strip("/").split("/", 1)[0]
        return self.body_limits.get(segment, self.body_limits.get("*", MAX_BODY_BYTES))


class _RequestReader(io.RawIOBase):
    """A connection's reads, bounded in time (see GatewayLimits): plain socket timeouts only bound
    each read, so a client sending a byte at a time could otherwise hold a thread forever."""

    def __init__(self, sock: socket.socket, limits: GatewayLimits) -> None:
        self._sock = sock
        self._limits = limits
        self._deadline: float | None = None
        self.started: float | None = None

    def readable(self) -> bool:
        return True

    def await_request(self) -> None:
        """Before each request: only the idle timeout applies until its first byte arrives."""
        self._deadline = self.started = None

    def set_deadline(self, deadline: float) -> None:
        self._deadline = deadline

    def readinto(self, buffer: Any) -> int:
        timeout = self._limits.idle_seconds
        if self._deadline is not None:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the request did not arrive in time")
            timeout = min(timeout, remaining)
        self._sock.settimeout(timeout)
        count = self._sock.recv_into(buffer)
        if self.started is None and count:
            self.started = time.monotonic()
            self._deadline = self.started + self._limits.header_seconds
        return count


class GatewayServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with a deep listen queue and a bounded number of handler threads."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 limits: GatewayLimits) -> None:
        # The stdlib's backlog of 5 drops connections in any burst; read by server_activate().
        self.request_queue_size = limits.backlog
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        self._closing = threading.Event()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._wait_for_slot():
            self._turn_away(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _wait_for_slot(self) -> bool:
        # In short steps, so shutdown() is not held up by a full server.
        deadline = time.monotonic() + self.limits.handler_wait_seconds
        while not self._closing.is_set():
            if self._slots.acquire(timeout=min(0.1, max(0.0, deadline - time.monotonic()))):
                return True
            if time.monotonic() >= deadline:
                return False
        return False

    def _turn_away(self, request: socket.socket) -> None:
        payload = b'{"error":"Service Unavailable"}'
        head = (f"HTTP/1.1 503 Service Unavailable\r\nServer: {SERVER_NAME}\r\ncontent-type: application/json\r\n"
                f"retry-after: 1\r\nconnection: close\r\ncontent-length: {len(payload)}\r\n\r\n")
        try:
            request.settimeout(1.0)
            request.sendall(head.encode("ascii") + payload)
        except OSError:
            pass
        self.shutdown_request(request)

    def shutdown(self) -> None:
        self._closing.set()
        super().shutdown()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # resets and broken pipes: the client went away
            log.debug("connection from %s ended: %r", client_address, error)
        else:
            log.exception("gateway error on a connection from %s", client_address)


def make_server(host: str, port: int, routes: list[Route], invoke: Invoke,
                limits: GatewayLimits | None = None) -> GatewayServer:
    table = RouteTable(routes)
    limits = limits or GatewayLimits()

    class GatewayHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = SERVER_NAME

        def version_string(self) -> str:
            return SERVER_NAME

        def setup(self) -> None:
            super().setup()
            # Headers and body go out as separate writes; without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every keep-alive request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.rfile.close()
            self._reader = _RequestReader(self.connection, limits)
            self.rfile = io.BufferedReader(self._reader)
            self._continue_withheld = False

        def handle_one_request(self) -> None:
            self._reader.await_request()
            self._continue_withheld = False
            super().handle_one_request()

        def handle_expect_100(self) -> bool:
            length = self._content_length()
            if length is None or length > limits.body_limit(urlsplit(self.path).path):
                # The refusal is the answer to the Expect: the client sends no body.
                self._continue_withheld = True
                return True
            return super().handle_expect_100()

        def _content_length(self) -> int | None:
            """The declared body length, 0 when absent, None when malformed or ambiguous."""
            values = {value.strip() for value in self.headers.get_all("content-length") or []}
            if not values:
                return 0
            text = values.pop()
            if values or not (text.isascii() and text.isdigit()):
                return None
            return int(text)

        def _handle(self) -> None:
            started = time.perf_counter()
            split = urlsplit(self.path)
            method = self.command.upper()
            if self.headers.get("transfer-encoding"):
                self._refuse(HttpResponse.error(411, "a Content-Length is required"), None)
                return
            length = self._content_length()
            if length is None:
                self._refuse(HttpResponse.error(400, "invalid Content-Length"), None)
                return
            if length > limits.body_limit(split.path):
                self._refuse(HttpResponse.error(413, "Request Entity Too Large"),
                             0 if self._continue_withheld else length)
                return
            if self._reader.started is not None:
                self._reader.set_deadline(self._reader.started + limits.read_seconds)
            try:
                body = self.rfile.read(length) if length else b""
            except TimeoutError:
                self._refuse(HttpResponse.error(408, "Request Timeout"), None)
                return
            if len(body) < length:  # the client hung up mid-body
                self.close_connection = True
                return
            match = table.match(method, split.path)
            if match is None:
                self._send(HttpResponse.error(404, "Not Found"))
                return
            event = build_event(
                match.route, match.path_params, method, split.path, split.query,
                list(self.headers.items()), body, self.client_address[0],
            )
            try:
                result = invoke(match.route.function_id, event)
                response = response_from_apigw_v2(result)
            except Exception:  # the gateway turns any function crash into a 500, like API Gateway
                log.exception("function %s failed", match.route.function_id)
                response = HttpResponse.json(500, {"message": "Internal Server Error"})
            self._send(response)
            log.debug("%s %s -> %s in %.1f ms", method, split.path, response.status,
                      (time.perf_counter() - started) * 1000)

        def _method_not_allowed(self) -> None:
            self._refuse(HttpResponse.json(405, {"error": "Method Not Allowed"},
                                           {"allow": ", ".join(ALLOWED_METHODS)}), self._content_length())

        def __getattr__(self, name: str) -> Any:
            # BaseHTTPRequestHandler looks up do_<METHOD>; any method not defined here is a 405.
            if name.startswith("do_"):
                return self._method_not_allowed
            raise AttributeError(name)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """The stdlib's protocol errors (414, 431, 400 ...) as JSON, not its HTML page."""
            self.log_error("code %d, message %s", code, message)
            self._refuse(HttpResponse.error(code, message or HTTPStatus(code).phrase), None)

        def _refuse(self, response: HttpResponse, unread: int | None) -> None:
            """Answer and close. `unread` body bytes (None: unknown) are read and discarded first, up
            to a bound, so that the client is not reset while it is still sending."""
            self.close_connection = True
            self._send(response, close=True)
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_WR)
                self._discard(unread)

        def _discard(self, unread: int | None) -> None:
            now = time.monotonic()
            started = self._reader.started or now
            if unread is None:  # whatever is already on its way, briefly
                unread, deadline = limits.drain_bytes, now + min(1.0, limits.idle_seconds)
            else:
                deadline = started + limits.read_seconds
            self._reader.set_deadline(deadline)
            left = min(unread, limits.drain_bytes)
            while left > 0:
                chunk = self.rfile.read1(min(left, 65536))
                if not chunk:
                    return
                left -= len(chunk)

        def _send(self, response: HttpResponse, close: bool = False) -> None:
            payload = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
            # Reads may have left a short timeout on the socket; a response gets its own.
            self.connection.settimeout(limits.write_seconds)
            self.send_response(response.status)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding", "server"):
                    self.send_header(name, value)
            if close:
                self.send_header("connection", "close")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s - %s", self.address_string(), format % args)

    return GatewayServer((host, port), GatewayHandler, limits)
