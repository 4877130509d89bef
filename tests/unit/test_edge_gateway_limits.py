"""The edge gateway under hostile or clumsy clients: bursts, slow clients, bad lengths, huge bodies.

Each test runs the real HTTP server in-process with a trivial function behind it, over raw sockets
where the client's misbehaviour has to be exact.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from devrel.edge.gateway import GatewayLimits, make_server
from devrel.edge.template import Route

ROUTES = [Route("POST", "/github/webhook", "Github"), Route("ANY", "/api/{proxy+}", "Api")]


def echo(function_id: str, event: Any) -> Any:
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"function": function_id, "bytes": len(event.get("body") or "")})}


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[Any] = []

    def start(limits: GatewayLimits | None = None) -> tuple[str, int]:
        server = make_server("127.0.0.1", 0, ROUTES, echo, limits=limits)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return "127.0.0.1", int(server.server_address[1])

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def raw_exchange(address: tuple[str, int], request: bytes, timeout: float = 10.0) -> bytes:
    """Send `request` as is and read until the server closes the connection."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(request)
        return read_all(sock)


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def json_body(response: bytes) -> Any:
    return json.loads(response.split(b"\r\n\r\n", 1)[1])


def test_a_burst_of_connections_is_queued_not_dropped(serve: Any) -> None:
    address = serve()
    clients = 200
    barrier = threading.Barrier(clients)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        try:
            response = raw_exchange(address, b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                    timeout=5)
            outcome = str(status_of(response))
        except OSError as error:
            outcome = type(error).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [outcome for outcome in outcomes if outcome != "200"]
    assert not failed, f"{len(failed)} of {clients} failed: {sorted(set(failed))}"


def test_bad_content_lengths_are_answered_400(serve: Any) -> None:
    address = serve()
    for length in (b"abc", b"-1", b"+5", b"1e3", b" "):
        response = raw_exchange(address, b"POST /github/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: "
                                + length + b"\r\n\r\n{}")
        assert status_of(response) == 400, (length, response[:80])
        assert "error" in json_body(response)
    conflicting = b"POST /github/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x"
    assert status_of(raw_exchange(address, conflicting)) == 400


def test_a_body_shorter_than_its_length_times_out_and_frees_the_thread(serve: Any) -> None:
    address = serve(GatewayLimits(read_seconds=0.5, idle_seconds=0.5))
    started = time.monotonic()
    response = raw_exchange(address, b"POST /github/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}")
    assert time.monotonic() - started < 5
    assert status_of(response) == 408


def test_slow_header_clients_hold_a_bounded_number_of_threads(serve: Any) -> None:
    limits = GatewayLimits(max_connections=8, handler_wait_seconds=10, read_seconds=1.0, idle_seconds=1.0)
    address = serve(limits)
    baseline = threading.active_count()
    slow = [socket.create_connection(address, timeout=10) for _ in range(60)]
    for sock in slow:
        sock.sendall(b"POST /github/webhook HTTP/1.1\r\nHost: x\r\n")  # and never the rest
    time.sleep(0.5)
    assert threading.active_count() <= baseline + limits.max_connections
    # A well-behaved client still gets through once the slow ones are cut off.
    connection = http.client.HTTPConnection(*address, timeout=30)
    connection.request("GET", "/api/health")
    assert connection.getresponse().status == 200
    for sock in slow:
        assert read_all(sock) == b""  # closed by the server, nothing sent for a request never finished
        sock.close()


def test_an_idle_keep_alive_connection_is_closed(serve: Any) -> None:
    address = serve(GatewayLimits(idle_seconds=0.3))
    with socket.create_connection(address, timeout=5) as sock:
        started = time.monotonic()
        assert read_all(sock) == b""
        assert time.monotonic() - started < 3


def test_a_too_large_body_gets_a_413_the_client_can_read(serve: Any) -> None:
    address = serve()
    connection = http.client.HTTPConnection(*address, timeout=30)
    # http.client sends the whole body before reading: without draining, this is a broken pipe.
    connection.request("POST", "/github/webhook", body=b"x" * (20 * 1024 * 1024),
                       headers={"content-type": "application/json"})
    response = connection.getresponse()
    assert response.status == 413
    assert "error" in json.loads(response.read())
    assert response.getheader("connection") == "close"


def test_a_too_large_body_announced_with_expect_is_refused_before_it_is_sent(serve: Any) -> None:
    address = serve(GatewayLimits(body_limits={"*": 1000}))
    response = raw_exchange(address, b"POST /github/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                            b"Expect: 100-continue\r\n\r\n")
    assert status_of(response) == 413
    assert b"100 Continue" not in response


def test_body_limits_are_per_route(serve: Any) -> None:
    address = serve(GatewayLimits(body_limits={"github": 2000, "*": 100}))
    connection = http.client.HTTPConnection(*address, timeout=10)
    connection.request("POST", "/github/webhook", body=b"x" * 1500, headers={"content-type": "text/plain"})
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())["bytes"]) == (200, 1500)
    connection.request("POST", "/api/ask", body=b"x" * 1500)
    response = connection.getresponse()
    assert response.status == 413
    response.read()
    connection.close()
    connection = http.client.HTTPConnection(*address, timeout=10)
    connection.request("POST", "/github/webhook", body=b"x" * 2001)
    assert connection.getresponse().status == 413


def test_unsupported_methods_are_a_json_405(serve: Any) -> None:
    address = serve()
    for method in (b"TRACE", b"CONNECT", b"BREW"):
        response = raw_exchange(address, method + b" /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status_of(response) == 405, response[:80]
        assert b"content-type: application/json" in response.lower()
        assert "error" in json_body(response)
        assert b"<html" not in response.lower()


def test_protocol_errors_are_json_too(serve: Any) -> None:
    address = serve()
    response = raw_exchange(address, b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n")
    assert status_of(response) == 414
    assert "error" in json_body(response)


def test_the_server_header_does_not_name_python(serve: Any) -> None:
    address = serve()
    connection = http.client.HTTPConnection(*address, timeout=10)
    connection.request("GET", "/api/health")
    server = connection.getresponse().getheader("server") or ""
    assert "python" not in server.lower() and server
