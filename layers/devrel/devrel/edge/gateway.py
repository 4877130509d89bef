"""A local stand-in for API Gateway (HTTP API, payload format 2.0).

It matches a request to a template route, builds the same event Lambda would receive (raw body
preserved byte for byte, base64 when binary), calls the function and turns its result into the
HTTP response.
"""

from __future__ import annotations

import base64
import logging
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
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


def make_server(host: str, port: int, routes: list[Route], invoke: Invoke) -> ThreadingHTTPServer:
    table = RouteTable(routes)

    class GatewayHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "devrel-edge"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out as separate writes; without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every keep-alive request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _handle(self) -> None:
            started = time.perf_counter()
            split = urlsplit(self.path)
            method = self.command.upper()
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                self._send(HttpResponse.error(413, "Request Entity Too Large"))
                return
            body = self.rfile.read(length) if length else b""
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

        def _send(self, response: HttpResponse) -> None:
            payload = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
            self.send_response(response.status)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s - %s", self.address_string(), format % args)

    server = ThreadingHTTPServer((host, port), GatewayHandler)
    server.daemon_threads = True
    return server
