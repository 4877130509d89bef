"""A local HTTP stand-in of a platform API, shared by the tests' fixtures."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Received:
    """One request a stand-in API received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def start_stand_in(answer: Any) -> tuple[str, ThreadingHTTPServer]:
    """A local HTTP stand-in of a platform API: `answer(Received) -> (status, payload, headers)`.

    Real HTTP on 127.0.0.1, so the real client libraries (PyGithub, slack-sdk, requests) are what
    talk to it. Returns its URL and the server (call `shutdown()` and `server_close()` to stop it).
    """

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            split = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            received = Received(self.command, split.path, parse_qs(split.query),
                                {k.lower(): v for k, v in self.headers.items()}, body)
            status, payload, headers = answer(received)
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            content_type = "text/plain" if isinstance(payload, bytes) else "application/json"
            self.send_response(status)
            for name, value in {"content-type": content_type, **headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


class BackgroundHttpServer:
    """A threaded HTTP server on 127.0.0.1 serving from a daemon thread: the stand-ins' common part."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
