"""Ack latency per platform: signed requests through `devrel serve`'s gateway at a fixed request rate,
against the same handler called bare (no HTTP) in the same run. Every request is a new delivery, so
each ack includes the signature check, the idempotency write and the enqueue. Loopback only: the
worker's replies go to a local stand-in of the platform APIs.

    .venv/bin/python tests/bench/bench_ack.py [--rate 200] [--requests 1000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from nacl.signing import SigningKey

from devrel.edge.gateway import build_event
from devrel.edge.runner import EdgeRunner, RunnerOptions
from devrel.handlers.discord_interactions import handle_discord_interaction
from devrel.handlers.discourse_webhook import handle_discourse_webhook
from devrel.handlers.github_webhook import handle_github_webhook
from devrel.handlers.slack_events import handle_slack
from devrel.handlers.telegram_webhook import handle_telegram_webhook
from devrel.http import HttpRequest
from devrel.platforms import signatures, slack
from devrel.runtime import reset_services, services
from devrel.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SECRET = "bench-secret"
DISCORD_KEY = SigningKey(bytes(range(32)))

Request = tuple[str, bytes, dict[str, str]]  # path, body, headers


def slack_request() -> Request:
    payload = json.loads((FIXTURES / "slack" / "events__valid_event_body.json").read_text())
    ts = f"{time.time():.6f}{uuid.uuid4().int % 1000:03d}"
    payload["event"].update(ts=ts, event_ts=ts)
    payload["event_id"] = f"Ev{uuid.uuid4().hex[:10]}"
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    return (
        "/slack/events",
        body,
        {
            "content-type": "application/json",
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": slack.signature_for(SECRET, stamp, body),
        },
    )


def discord_request() -> Request:
    payload = json.loads((FIXTURES / "discord" / "application-commands__03__example-interaction.json").read_text())
    payload.update(id=str(uuid.uuid4().int)[:19], application_id="1")
    payload["data"] = {
        "type": 1,
        "name": "ask",
        "id": "1",
        "options": [{"type": 3, "name": "question", "value": "How do I install it?"}],
    }
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    signature = DISCORD_KEY.sign(stamp.encode() + body).signature.hex()
    return (
        "/discord/interactions",
        body,
        {
            "content-type": "application/json",
            "x-signature-ed25519": signature,
            "x-signature-timestamp": stamp,
        },
    )


def discourse_request() -> Request:
    body = json.dumps(
        {
            "post": {
                "id": uuid.uuid4().int % 10**9,
                "username": "alice",
                "raw": "How do I start?",
                "post_number": 1,
                "post_type": 1,
                "topic_id": 7,
                "topic_title": "Start",
            }
        }
    ).encode()
    return (
        "/discourse/webhook",
        body,
        {
            "content-type": "application/json",
            "x-discourse-event": "post_created",
            "x-discourse-event-signature": signatures.signature_for(SECRET, body),
        },
    )


TELEGRAM_UPDATE = json.loads((FIXTURES / "telegram" / "message_with_entities.json").read_text())


def telegram_request() -> Request:
    update = {**TELEGRAM_UPDATE, "update_id": uuid.uuid4().int % 2**40}
    body = json.dumps(update).encode()
    return ("/telegram/webhook", body, {"content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET})


GITHUB_BODY = (FIXTURES / "github" / "issues.edited.0.json").read_bytes()


def github_request() -> Request:
    return (
        "/github/webhook",
        GITHUB_BODY,
        {
            "content-type": "application/json",
            "x-github-event": "issues",
            "x-github-delivery": str(uuid.uuid4()),
            "x-hub-signature-256": signatures.signature_for(SECRET, GITHUB_BODY),
        },
    )


PLATFORMS: dict[str, tuple[Callable[[], Request], Callable[[HttpRequest, Any], Any]]] = {
    "github": (github_request, handle_github_webhook),
    "slack": (slack_request, handle_slack),
    "discord": (discord_request, handle_discord_interaction),
    "discourse": (discourse_request, handle_discourse_webhook),
    "telegram": (telegram_request, handle_telegram_webhook),
}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(samples) * 1000, 3),
        "p99_ms": round(percentile(samples, 0.99) * 1000, 3),
    }


def over_http(host: str, port: int, requests: list[Request], rate: float, clients: int = 8) -> list[float]:
    """Open-loop load: request i is due at start + i/rate; latency counts from when it was due, so a
    server that falls behind is charged for the wait (no coordinated omission)."""
    jobs: queue.Queue[tuple[float, Request] | None] = queue.Queue()
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        while (job := jobs.get()) is not None:
            due, (path, body, headers) = job
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - due
            with lock:
                latencies.append(elapsed)
                if response.status >= 300:
                    failures.append(response.status)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.1
    for index, request in enumerate(requests):
        jobs.put((start + index / rate, request))
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. HTTP {failures[0]}")
    return latencies


def stand_in_api() -> ThreadingHTTPServer:
    """Accepts whatever the worker posts (it answers in the background while the bench runs)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            raw = b'{"ok": true, "id": "1", "ts": "1.0"}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_POST = do_PATCH = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second through the runner")
    parser.add_argument("--requests", type=int, default=1000, help="requests per platform and path")
    parser.add_argument("--out", type=Path, help="also write the report (JSON) to this file")
    args = parser.parse_args()

    api = stand_in_api()
    api_url = f"http://127.0.0.1:{api.server_address[1]}"
    os.environ.update(
        {
            "DEVREL_GITHUB_WEBHOOK_SECRET": SECRET,
            "DEVREL_SLACK_SIGNING_SECRET": SECRET,
            "DEVREL_DISCOURSE_WEBHOOK_SECRET": SECRET,
            "DEVREL_DISCORD_PUBLIC_KEY": DISCORD_KEY.verify_key.encode().hex(),
            "DEVREL_SLACK_BOT_TOKEN": "xoxb-bench",
            "DEVREL_SLACK_API_URL": f"{api_url}/api/",
            "DEVREL_DISCORD_API_URL": api_url,
            "DEVREL_DISCOURSE_URL": api_url,
            "DEVREL_DISCOURSE_API_KEY": "k",
            "DEVREL_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "DEVREL_TELEGRAM_BOT_TOKEN": "123:bench",
            "DEVREL_TELEGRAM_API_URL": api_url,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    report: dict[str, Any] = {"rate_per_s": args.rate, "requests": args.requests}
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(mode="edge", data_dir=Path(data_dir))
        runner = EdgeRunner(ROOT / "template.yaml", settings, RunnerOptions(port=0, schedules=False, local_llm=False))
        runner.start()
        host, port = runner.address
        reset_services()
        shared = services()  # the same Services the functions in this process use
        for name, (make_request, use_case) in PLATFORMS.items():
            bare: list[float] = []
            for _ in range(args.requests):
                path, body, headers = make_request()
                request = HttpRequest("POST", path, headers, body)
                started = time.perf_counter()
                response = use_case(request, shared)
                bare.append(time.perf_counter() - started)
                assert response.status < 300, (name, response.status, response.body)
            route = next(r for r in runner.template.routes if r.path == path)
            lambda_calls: list[float] = []
            for _ in range(args.requests):
                path, body, headers = make_request()
                event = build_event(route, {}, "POST", path, "", list(headers.items()), body, "127.0.0.1")
                started = time.perf_counter()
                result = runner.invoke(route.function_id, event)
                lambda_calls.append(time.perf_counter() - started)
                assert result["statusCode"] < 300, (name, result)
            http_latencies = over_http(host, port, [make_request() for _ in range(args.requests)], args.rate)
            report[name] = {
                "bare_handler": summary(bare),
                "lambda_handler": summary(lambda_calls),
                "through_runner": summary(http_latencies),
            }
        runner.stop()
    api.shutdown()
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
