"""Runner overhead per request: a signed GitHub ping through `devrel serve`'s HTTP gateway versus the
same handler called directly with the same API Gateway event, in one run.

    .venv/bin/python tests/bench/bench_runner.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from devrel.edge.gateway import build_event
from devrel.edge.runner import EdgeRunner, RunnerOptions
from devrel.platforms.signatures import signature_for
from devrel.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    os.environ["DEVREL_GITHUB_WEBHOOK_SECRET"] = SECRET
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(mode="edge", data_dir=Path(data_dir))
        runner = EdgeRunner(ROOT / "template.yaml", settings, RunnerOptions(port=0, schedules=False))
        runner.start()
        host, port = runner.address
        body = (ROOT / "tests/fixtures/github/ping.noaction.0.json").read_bytes()
        headers = {"content-type": "application/json", "x-github-event": "ping",
                   "x-github-delivery": "bench", "x-hub-signature-256": signature_for(SECRET, body)}
        route = next(r for r in runner.template.routes if r.path == "/github/webhook")
        event = build_event(route, {}, "POST", route.path, "", list(headers.items()), body, "127.0.0.1")

        direct: list[float] = []
        for _ in range(args.requests):
            started = time.perf_counter()
            result = runner.invoke(route.function_id, event)
            direct.append(time.perf_counter() - started)
            assert result["statusCode"] == 200

        over_http: list[float] = []
        connection = http.client.HTTPConnection(host, port)
        for _ in range(args.requests):
            started = time.perf_counter()
            connection.request("POST", route.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            over_http.append(time.perf_counter() - started)
            assert response.status == 200
        runner.stop()

    report = {
        "requests": args.requests,
        "direct_p50_ms": round(statistics.median(direct) * 1000, 3),
        "direct_p99_ms": round(percentile(direct, 0.99) * 1000, 3),
        "http_p50_ms": round(statistics.median(over_http) * 1000, 3),
        "http_p99_ms": round(percentile(over_http, 0.99) * 1000, 3),
    }
    report["overhead_p50_ms"] = round(report["http_p50_ms"] - report["direct_p50_ms"], 3)
    report["ratio_p50"] = round(report["http_p50_ms"] / report["direct_p50_ms"], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
