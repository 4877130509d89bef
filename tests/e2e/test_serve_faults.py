"""Faults through `devrel serve`: the runner killed with work queued and in the middle of a Task, the
model server killed, a platform API that fails and hangs. Every accepted event must end processed
once, or in the dead-letter queue; the tests count them.

The platform stand-ins record a write only when they answer it with success: a request that was
refused, or hung until the client gave up, never reached the platform.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from devrel.platforms.signatures import signature_for
from support.community import crash_issue_delivery

REPO = "acme/widget"
GITHUB_SECRET, DISCOURSE_SECRET = "faults-github", "faults-discourse"
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []


def secret_hits(secrets: dict[str, str], logs: list[str], data_dir: Path, bodies: list[bytes]) -> list[str]:
    """Where any configured secret value shows up: the runner's output, its data files, what it sent."""
    stored = b"".join(path.read_bytes() for path in data_dir.rglob("*") if path.is_file())
    places = {"logs": "".join(logs).encode(), "store files": stored, "outbound bodies": b"\n".join(bodies)}
    return [f"{name} in {where}" for name, value in secrets.items() for where, haystack in places.items()
            if value.encode() in haystack]


def queued(data_dir: Path, queue: str) -> int:
    return int(rows(data_dir / "queue.sqlite", f"SELECT COUNT(*) FROM messages WHERE queue = '{queue}'")[0][0])


# --- GitHub: the runner killed with work queued and mid-Task -----------------------------------------


@dataclass
class Github:
    """The REST endpoints triage uses. While `writes_open` is clear, writes hang (a Task in progress)
    and are never recorded."""

    url: str = ""
    comments: Counter[int] = field(default_factory=Counter)
    hung_writes: int = 0
    writes_open: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    bodies: list[bytes] = field(default_factory=list)

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any, dict[str, str]]:
        self.bodies.append(body)
        prefix = f"/repos/{REPO}/"
        if method == "GET" and path == f"{prefix}contents/.github/devrel.yml":
            # Distinct issues only: no duplicate closing, so each issue gets exactly one comment.
            text = yaml.safe_dump({"triage": {"close_duplicates": False}})
            content = base64.b64encode(text.encode()).decode()
            return 200, {"type": "file", "encoding": "base64", "content": content, "path": ".github/devrel.yml",
                         "url": f"{self.url}{path}"}, {}
        if method == "GET":
            return 404, {"message": "Not Found"}, {}
        found = re.fullmatch(rf"{prefix}issues/(\d+)/(comments|labels)", path)
        if not found:
            return 404, {"message": "Not Found"}, {}
        if not self.writes_open.is_set():
            with self.lock:
                self.hung_writes += 1
            self.writes_open.wait(60)
            return 503, {"message": "unavailable"}, {}  # by now its client is gone
        number = int(found.group(1))
        if found.group(2) == "labels":
            return 200, [{"name": name} for name in json.loads(body)], {}
        with self.lock:
            self.comments[number] += 1
            comment_id = sum(self.comments.values())
        return 201, {"id": comment_id, "body": json.loads(body)["body"], "user": {"login": "devrel-bot"}}, {}


@pytest.fixture
def github(stand_in_server: Any) -> Github:
    api = Github()
    api.url = stand_in_server(lambda seen: api.answer(seen.method, seen.path, seen.body))
    return api


def open_issue(url: str, number: int) -> int:
    raw = crash_issue_delivery(number, REPO)
    request = urllib.request.Request(f"{url}/github/webhook", data=raw, method="POST", headers={
        "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": str(uuid.uuid4()),
        "x-hub-signature-256": signature_for(GITHUB_SECRET, raw)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def executions(data_dir: Path) -> list[tuple[str, str]]:
    return [(str(name), str(status)) for name, status in
            rows(data_dir / "workflows.sqlite", "SELECT name, status FROM executions WHERE state_machine LIKE"
                 " '%Triage%'")]


def test_kill_9_with_work_queued_and_mid_task_loses_and_repeats_nothing(
    serve_factory: Any, github: Github, tmp_path: Path
) -> None:
    env = {"DEVREL_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET, "DEVREL_GITHUB_TOKEN": "ghp_faults",
           "DEVREL_GITHUB_API_URL": github.url, "DEVREL_GITHUB_SECONDS_BETWEEN_WRITES": "0",
           "DEVREL_EDGE_WORKERS": "1"}
    data_dir = tmp_path / "data"
    first = serve_factory(env, "--no-schedules", "--visibility-timeout", "2", data_dir=data_dir)
    issues = list(range(1, 13))
    assert [open_issue(first.url, number) for number in issues] == [202] * len(issues)
    # A triage run is now stuck posting its comment, and other issues are still waiting in the queue.
    wait_for(lambda: github.hung_writes > 0, 60, "a triage run to reach its act Task")
    # The worker only starts each triage run, so the waiting work is in the queue or in the workflow
    # store: runs not started yet, behind the one that holds the only workflow thread.
    waiting = queued(data_dir, "WorkQueue") + sum(status == "PENDING" for _, status in executions(data_dir))
    assert waiting > 0
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    assert github.comments == Counter()
    github.writes_open.set()

    started = time.monotonic()
    second = serve_factory(env, "--no-schedules", "--visibility-timeout", "2", data_dir=data_dir)
    wait_for(lambda: queued(data_dir, "WorkQueue") == 0 and len(executions(data_dir)) == len(issues)
             and all(status in TERMINAL for _, status in executions(data_dir)), 120, "every issue to be triaged")
    recovered = time.monotonic() - started
    statuses = Counter(status for _, status in executions(data_dir))
    print(f"\nrecovered {len(issues)} issues in {recovered:.1f} s after kill -9; executions {dict(statuses)}, "
          f"comments per issue {sorted(Counter(github.comments.values()).items())}, "
          f"dead letters {queued(data_dir, 'WorkDeadLetterQueue')}")
    assert statuses == {"SUCCEEDED": len(issues)}
    assert github.comments == Counter({number: 1 for number in issues})  # each processed, once
    assert queued(data_dir, "WorkDeadLetterQueue") == 0
    assert second.process.poll() is None
    secrets = {name: env[name] for name in ("DEVREL_GITHUB_WEBHOOK_SECRET", "DEVREL_GITHUB_TOKEN")}
    assert secret_hits(secrets, first.output + second.output, data_dir, github.bodies) == []


# --- Discourse: a platform API that fails and hangs -------------------------------------------------


@dataclass
class Discourse:
    """Posts fail with a 503 the first time for every topic, hang past the client's timeout for one,
    and always fail for `poisoned`."""

    url: str = ""
    attempts: Counter[int] = field(default_factory=Counter)
    posted: Counter[int] = field(default_factory=Counter)
    hang_topic: int = 0
    poisoned: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    bodies: list[bytes] = field(default_factory=list)

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any, dict[str, str]]:
        self.bodies.append(body)
        if (method, path) != ("POST", "/posts.json"):
            return 404, {"errors": ["not found"]}, {}
        topic = int(json.loads(body)["topic_id"])
        with self.lock:
            self.attempts[topic] += 1
            attempt = self.attempts[topic]
        if topic == self.poisoned or attempt == 1:
            return 503, {"errors": ["unavailable"]}, {}
        if topic == self.hang_topic and attempt == 2:
            time.sleep(12)  # the client's timeout is 10 s
            return 503, {"errors": ["too late"]}, {}
        with self.lock:
            self.posted[topic] += 1
        return 200, {"id": 1000 + topic, "topic_id": topic}, {}


def discourse_post(post_id: int, topic: int) -> bytes:
    return json.dumps({"post": {"id": post_id, "username": "alice", "raw": f"How do I configure the cache? ({topic})",
                                "post_number": 1, "post_type": 1, "topic_id": topic,
                                "topic_title": "Cache configuration", "user_id": 12}}).encode()


def send_discourse(url: str, body: bytes) -> int:
    request = urllib.request.Request(f"{url}/discourse/webhook", data=body, method="POST", headers={
        "content-type": "application/json", "x-discourse-event": "post_created", "x-discourse-event-type": "post",
        "x-discourse-event-id": str(uuid.uuid4()),
        "x-discourse-event-signature": signature_for(DISCOURSE_SECRET, body)})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_platform_failures_and_timeouts_end_answered_once_or_dead_lettered(
    serve_factory: Any, stand_in_server: Any
) -> None:
    forum = Discourse(hang_topic=3, poisoned=5)
    forum.url = stand_in_server(lambda seen: forum.answer(seen.method, seen.path, seen.body))
    env = {"DEVREL_DISCOURSE_WEBHOOK_SECRET": DISCOURSE_SECRET, "DEVREL_DISCOURSE_API_KEY": "discourse-key",
           "DEVREL_DISCOURSE_URL": forum.url, "DEVREL_REPLY_ATTEMPTS": "1"}
    app = serve_factory(env, "--no-schedules", "--visibility-timeout", "1")
    topics = list(range(1, 9))
    accepted = [topic for topic in topics if send_discourse(app.url, discourse_post(500 + topic, topic)) == 200]
    assert accepted == topics
    poisoned_dead = "SELECT COUNT(*) FROM messages WHERE queue = 'WorkDeadLetterQueue'"
    wait_for(lambda: queued(app.data_dir, "WorkQueue") == 0
             and rows(app.data_dir / "queue.sqlite", poisoned_dead)[0][0] == 1, 90, "every event to settle")
    time.sleep(1.5)  # one more visibility timeout: nothing comes back
    dead = rows(app.data_dir / "queue.sqlite", "SELECT body FROM messages WHERE queue = 'WorkDeadLetterQueue'")
    print(f"\nanswered {dict(forum.posted)}, attempts {dict(forum.attempts)}, dead letters {len(dead)}")
    assert forum.posted == Counter({topic: 1 for topic in topics if topic != forum.poisoned})
    assert [json.loads(body)["reply_to"]["topic_id"] for (body,) in dead] == [forum.poisoned]
    assert forum.attempts[forum.poisoned] == 5  # the template's maxReceiveCount
    secrets = {name: env[name] for name in ("DEVREL_DISCOURSE_WEBHOOK_SECRET", "DEVREL_DISCOURSE_API_KEY")}
    assert secret_hits(secrets, app.output, app.data_dir, forum.bodies) == []


# --- the local model server killed ------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def state_of(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def health(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the model server among /proc's processes")
def test_a_killed_model_server_is_restarted_and_health_says_so(serve_factory: Any) -> None:
    app = serve_factory({}, "--no-schedules", "--llm")
    wait_for(lambda: health(app.url)[1].get("model") == "ok", 120, "the model server to answer")
    assert health(app.url)[1].get("model_restarts") == 0
    [model_server] = children(app.process.pid)
    os.kill(model_server, signal.SIGKILL)

    seen: list[tuple[int, str]] = []

    def recovered() -> bool:
        status, body = health(app.url)
        seen.append((status, str(body.get("model"))))
        return status == 200 and body.get("model") == "ok" and children(app.process.pid) not in ([], [model_server])

    wait_for(recovered, 120, "the model server to come back")
    print(f"\nhealth while it was down and after: {sorted(set(seen))}")
    assert (503, "down") in seen  # reported while it was gone
    assert state_of(model_server) is None  # reaped, not left defunct
    assert health(app.url)[1].get("model_restarts") == 1
    app.wait_for_output("restarted")
