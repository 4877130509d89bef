"""Worker throughput: issues triaged per second by `devrel serve`, from the first `issues.opened`
delivery until every triage run has ended, against a GitHub stand-in that takes --api-latency
seconds per request (GitHub's own answers take longer). Prints numbers; asserts nothing about time.

    .venv/bin/python tests/bench/bench_worker.py [--issues 60] [--workers 4] [--source CHECKOUT]

--source runs another checkout's code and template with this environment's packages, e.g. the
throughput before the edge worker ran messages at once and GitHub reads were spaced:

    git worktree add /tmp/before 7066cc1
    .venv/bin/python tests/bench/bench_worker.py --source /tmp/before

Settings the checkout does not know are ignored by it (the old runner has one worker and PyGithub's
default spacing of 0.25 s between reads).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared stand-in server

import yaml

from devrel.platforms.signatures import signature_for
from support.community import crash_issue_delivery
from support.stand_in import Received, start_stand_in

ROOT = Path(__file__).resolve().parents[2]
REPO = "acme/widget"
SECRET = "bench-worker-secret"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
CONFIG = yaml.safe_dump({"triage": {"close_duplicates": False}}).encode()


class Github:
    """The REST endpoints triage uses, each answer after `latency` seconds; the config file with an
    ETag (a conditional request that still matches is answered 304, as GitHub does)."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.requests: Counter[str] = Counter()
        self.comments: Counter[int] = Counter()
        self.lock = threading.Lock()

    def answer(self, seen: Received) -> tuple[int, Any, dict[str, str]]:
        time.sleep(self.latency)
        kind = seen.method + " " + re.sub(r"/\d+", "/N", seen.path)
        with self.lock:
            self.requests[kind] += 1
        prefix = f"/repos/{REPO}/"
        if seen.method == "GET" and seen.path == f"{prefix}contents/.github/devrel.yml":
            etag = '"config-1"'
            if seen.headers.get("if-none-match") == etag:
                return 304, b"", {"etag": etag}
            return 200, {"type": "file", "encoding": "base64", "content": base64.b64encode(CONFIG).decode(),
                         "path": ".github/devrel.yml", "sha": "c0nf16"}, {"etag": etag}
        if seen.method == "GET":
            return 404, {"message": "Not Found"}, {}
        found = re.fullmatch(rf"{prefix}issues/(\d+)/(comments|labels)", seen.path)
        if not found:
            return 404, {"message": "Not Found"}, {}
        if found.group(2) == "labels":
            return 200, [{"name": name} for name in json.loads(seen.body)], {}
        with self.lock:
            self.comments[int(found.group(1))] += 1
            comment_id = sum(self.comments.values())
        return 201, {"id": comment_id, "body": json.loads(seen.body)["body"], "user": {"login": "devrel-bot"}}, {}


def finished(data_dir: Path) -> int:
    try:
        with sqlite3.connect(data_dir / "workflows.sqlite") as conn:
            statuses = ", ".join(f"'{status}'" for status in TERMINAL)
            return int(conn.execute(f"SELECT COUNT(*) FROM executions WHERE status IN ({statuses})").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="DEVREL_EDGE_WORKERS (a newer runner's setting)")
    parser.add_argument("--api-latency", type=float, default=0.05, help="seconds per GitHub stand-in answer")
    parser.add_argument("--write-spacing", type=float,
                        help="DEVREL_GITHUB_SECONDS_BETWEEN_WRITES (default: the checkout's, 1 s)")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose code and template run")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()

    github = Github(args.api_latency)
    url, server = start_stand_in(github.answer)
    source = args.source.resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
    env.update({"DEVREL_GITHUB_WEBHOOK_SECRET": SECRET, "DEVREL_GITHUB_TOKEN": "ghp_bench_worker",
                "DEVREL_GITHUB_API_URL": url, "DEVREL_EDGE_WORKERS": str(args.workers),
                "PYTHONPATH": str(source / "layers" / "devrel")})
    if args.write_spacing is not None:
        env["DEVREL_GITHUB_SECONDS_BETWEEN_WRITES"] = str(args.write_spacing)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        command = [sys.executable, "-c", "import sys; from devrel.cli import main; sys.exit(main())", "serve",
                   "--port", "0", "--no-llm", "--no-schedules", "--data-dir", str(data_dir),
                   "--template", str(source / "template.yaml")]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                   cwd=source)
        try:
            assert process.stdout is not None
            found = None
            while found is None:
                line = process.stdout.readline()
                if not line:
                    raise SystemExit("devrel serve did not start")
                found = re.search(r"edge runner on (http://[\d.]+:\d+)", line)
            threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
            base = found.group(1)

            started = time.perf_counter()
            for number in range(1, args.issues + 1):
                body = crash_issue_delivery(number, REPO)
                request = urllib.request.Request(f"{base}/github/webhook", data=body, method="POST", headers={
                    "content-type": "application/json", "x-github-event": "issues",
                    "x-github-delivery": str(uuid.uuid4()), "x-hub-signature-256": signature_for(SECRET, body)})
                with urllib.request.urlopen(request, timeout=30) as response:
                    assert response.status == 202, response.status
            accepted = time.perf_counter() - started
            deadline = time.monotonic() + args.timeout
            while finished(data_dir) < args.issues and time.monotonic() < deadline:
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            done = finished(data_dir)
        finally:
            process.terminate()
            process.wait(timeout=30)
            server.shutdown()
            server.server_close()
    print(json.dumps({
        "source": str(source), "issues": args.issues, "workers": args.workers, "api_latency_s": args.api_latency,
        "write_spacing_s": args.write_spacing, "accepted_in_s": round(accepted, 2), "triaged": len(github.comments),
        "elapsed_s": round(elapsed, 2), "issues_per_s": round(len(github.comments) / elapsed, 2),
        "github_requests_per_issue": round(sum(github.requests.values()) / max(1, args.issues), 2),
        "requests": dict(github.requests.most_common()), "finished_runs": done,
    }, indent=2))


if __name__ == "__main__":
    main()
