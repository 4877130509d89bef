"""Load on `devrel serve`: a steady rate of signed GitHub webhook deliveries (200 req/s for 60 s by
default), then the same load on a trivial stdlib HTTP server in the same run, as the baseline that
shows what this machine and Python's HTTP stack cost on their own. Prints latency percentiles,
errors and the p99 ratio; asserts nothing about time.

    .venv/bin/python tests/bench/bench_load.py [--rate 200] [--seconds 60] [--keep-alive]

The load is open-loop: request i is due at start + i/rate whatever happened to the ones before, and
its latency counts from when it was due, so a server that falls behind shows it in the tail instead
of quietly slowing the sender down. Each delivery opens its own connection, as webhook senders do,
unless --keep-alive.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devrel.platforms.signatures import signature_for

ROOT = Path(__file__).resolve().parents[2]
DEVREL = Path(sys.executable).with_name("devrel")
SECRET = "bench-load-secret"


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)  # seconds from due to response read
    service: list[float] = field(default_factory=list)  # seconds from send to response read
    errors: dict[str, int] = field(default_factory=dict)
    late_starts: int = 0  # sent more than 10 ms after it was due: the sender itself fell behind
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_load(host: str, port: int, path: str, body: bytes, headers: dict[str, str], rate: float, seconds: float,
             senders: int, keep_alive: bool) -> Results:
    total = int(rate * seconds)
    results = Results()
    counter = iter(range(total))
    counter_lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def sender() -> None:
        connection: http.client.HTTPConnection | None = None
        while True:
            with counter_lock:
                index = next(counter, None)
            if index is None:
                break
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            try:
                if connection is None or not keep_alive:
                    connection = http.client.HTTPConnection(host, port, timeout=30)
                connection.request("POST", path, body=body,
                                   headers={**headers, "connection": "keep-alive" if keep_alive else "close"})
                response = connection.getresponse()
                response.read()
                if not keep_alive:
                    connection.close()
            except OSError as exc:
                results.error(type(exc).__name__)
                connection = None
                continue
            done = time.perf_counter()
            with results.lock:
                results.latencies.append(done - due)
                results.service.append(done - sent)
                results.late_starts += sent - due > 0.010
            if response.status != 200:
                results.error(f"HTTP {response.status}")

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def summary(name: str, results: Results, rate: float, seconds: float) -> dict[str, Any]:
    ms = 1000.0
    return {
        "server": name,
        "requests": int(rate * seconds),
        "ok": len(results.latencies) - sum(v for k, v in results.errors.items() if k.startswith("HTTP")),
        "errors": results.errors,
        "p50_ms": round(percentile(results.latencies, 0.50) * ms, 2),
        "p90_ms": round(percentile(results.latencies, 0.90) * ms, 2),
        "p99_ms": round(percentile(results.latencies, 0.99) * ms, 2),
        "max_ms": round(max(results.latencies, default=float("nan")) * ms, 2),
        "service_p99_ms": round(percentile(results.service, 0.99) * ms, 2),
        "late_starts": results.late_starts,
    }


# --- the baseline: the least an HTTP server in Python can do --------------------------------------------


def serve_baseline() -> None:
    """Read the body and answer a small JSON 200; prints its port, serves until killed."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            raw = b'{"ok": true}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.request_queue_size = 128  # the runner's backlog: compare servers, not listen queues
    server.daemon_threads = True
    print(f"baseline on {server.server_address[1]}", flush=True)
    server.serve_forever()


def start(command: list[str], pattern: str, env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                               cwd=ROOT)
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        found = re.search(pattern, line)
        if found:
            # Keep reading its output so a full pipe never blocks it.
            threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
            return process, int(found.group(1))
    process.kill()
    raise SystemExit(f"{command[0]} did not start")


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--senders", type=int, default=64, help="sending threads (connections at once)")
    parser.add_argument("--keep-alive", action="store_true")
    parser.add_argument("--baseline-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_server:
        serve_baseline()
        return

    body = (ROOT / "tests/fixtures/github/ping.noaction.0.json").read_bytes()
    headers = {"content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "bench-load",
               "x-hub-signature-256": signature_for(SECRET, body)}
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
    env["DEVREL_GITHUB_WEBHOOK_SECRET"] = SECRET
    reports = []
    with tempfile.TemporaryDirectory() as data_dir:
        servers = [
            ("devrel serve", [str(DEVREL), "serve", "--port", "0", "--no-llm", "--no-schedules",
                              "--data-dir", data_dir], r"edge runner on http://[\d.]+:(\d+)"),
            ("stdlib baseline", [sys.executable, __file__, "--baseline-server"], r"baseline on (\d+)"),
        ]
        for name, command, pattern in servers:
            process, port = start(command, pattern, env)
            try:
                results = run_load("127.0.0.1", port, "/github/webhook", body, headers, args.rate, args.seconds,
                                   args.senders, args.keep_alive)
            finally:
                stop(process)
            reports.append(summary(name, results, args.rate, args.seconds))
            print(json.dumps(reports[-1]), flush=True)
    runner, baseline = reports
    print(json.dumps({"rate": args.rate, "seconds": args.seconds, "keep_alive": args.keep_alive,
                      "p50_ratio": round(runner["p50_ms"] / baseline["p50_ms"], 2),
                      "p99_ratio": round(runner["p99_ms"] / baseline["p99_ms"], 2)}))


if __name__ == "__main__":
    main()
