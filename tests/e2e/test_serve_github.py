"""The whole spine over real HTTP: `devrel serve` as a subprocess, signed GitHub deliveries in."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from devrel.platforms.signatures import signature_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

SECRET = "e2e-webhook-secret"


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def delivery(event: str, body: bytes, secret: str = SECRET, delivery_id: str | None = None) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": delivery_id or str(uuid.uuid4()),
        "x-hub-signature-256": signature_for(secret, body),
        "user-agent": "GitHub-Hookshot/e2e",
    }


@pytest.fixture
def app(serve_factory: Any) -> Any:
    return serve_factory({"DEVREL_GITHUB_WEBHOOK_SECRET": SECRET}, "--no-schedules")


def test_signed_ping_is_answered_and_forged_ping_is_rejected(app: Any) -> None:
    body = (FIXTURES / "github" / "ping.noaction.0.json").read_bytes()
    status, reply = post(f"{app.url}/github/webhook", body, delivery("ping", body))
    assert status == 200
    assert reply["ok"] is True

    forged = delivery("ping", body, secret="not-the-secret")
    assert post(f"{app.url}/github/webhook", body, forged)[0] == 401
    tampered = body.replace(b"{", b"{ ", 1)
    assert post(f"{app.url}/github/webhook", tampered, delivery("ping", body))[0] == 401
    unsigned = {k: v for k, v in delivery("ping", body).items() if k != "x-hub-signature-256"}
    assert post(f"{app.url}/github/webhook", body, unsigned)[0] == 401


def test_forged_delivery_stores_and_enqueues_nothing(app: Any) -> None:
    body = (FIXTURES / "github" / "issues.opened.15.json").read_bytes()
    status, _ = post(f"{app.url}/github/webhook", body, delivery("issues", body, secret="forged"))
    assert status == 401
    assert _count(app.data_dir / "store.sqlite", "items") == 0
    assert _count(app.data_dir / "queue.sqlite", "messages") == 0


def test_malformed_body_is_a_400(app: Any) -> None:
    body = b'{"action": "opened", '
    assert post(f"{app.url}/github/webhook", body, delivery("issues", body))[0] == 400


def test_every_payload_example_is_acknowledged_without_5xx(app: Any) -> None:
    examples = sorted((FIXTURES / "github").glob("*.json"))
    examples = [path for path in examples if path.name != "signature_test_vector.json"]
    assert len(examples) > 100
    statuses: dict[int, int] = {}
    for path in examples:
        body = path.read_bytes()
        status, _ = post(f"{app.url}/github/webhook", body, delivery(path.name.split(".")[0], body))
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, path.name
    assert set(statuses) <= {200, 202}
    assert statuses.get(202, 0) > 50


def test_redelivery_is_accepted_once_and_issue_opened_starts_triage(app: Any) -> None:
    body = (FIXTURES / "github" / "issues.opened.15.json").read_bytes()
    headers = delivery("issues", body, delivery_id="redelivered-1")
    outcomes = [post(f"{app.url}/github/webhook", body, headers) for _ in range(5)]
    assert [status for status, _ in outcomes] == [202] * 5
    assert [reply["accepted"] for _, reply in outcomes] == [True, False, False, False, False]

    # The worker takes the event off the queue and starts exactly one triage execution.
    executions = _wait_for_rows(app.data_dir / "workflows.sqlite", "executions", minimum=1)
    assert executions == 1
    time.sleep(1.0)
    assert _count(app.data_dir / "workflows.sqlite", "executions") == 1


def _count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        except sqlite3.OperationalError:  # table not created yet: nothing was written
            return 0


def _wait_for_rows(db: Path, table: str, minimum: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = _count(db, table)
        if count >= minimum:
            return count
        time.sleep(0.2)
    return _count(db, table)
