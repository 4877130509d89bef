"""What a signed but hostile request gets: absurd timestamps are 401, bodies of the wrong shape or
nesting are 400 (or acknowledged and ignored), and nothing accepted at the edge fails in the worker."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from devrel.handlers.worker import process_sqs_batch
from devrel.http import HttpRequest
from devrel.platforms import discord, signatures, slack
from devrel.runtime import Services
from support.fakes import FakeClock, RecordingPlatform, fake_services
from support.signed import NOW, ROUTES, SAMPLES, SIGNING_SETTINGS, body_for, handle, sign


@pytest.fixture
def services(tmp_path: Path) -> Services:
    platforms = {name: RecordingPlatform(name) for name in ("github", "slack", "discord", "discourse")}
    return fake_services(tmp_path, platforms=platforms, clock=FakeClock(float(NOW)), **SIGNING_SETTINGS)


def rows(services: Services) -> tuple[int, int]:
    """(store items, queued messages)."""
    counts = []
    for db, table in ((services.settings.store_db, "items"), (services.settings.queue_db, "messages")):
        with sqlite3.connect(db) as conn:
            counts.append(int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]))
    return counts[0], counts[1]


def drain_worker(services: Services) -> list[dict[str, str]]:
    """Run every queued message through the worker once; the failures it reports."""
    records = [{"messageId": m.receipt_handle, "body": m.body} for m in services.queue.receive(max_messages=10)]
    return process_sqs_batch({"Records": records}, services)["batchItemFailures"] if records else []


# --- defect: a huge timestamp overflowed before the signature was checked -----------------------------

HUGE = "1" + "0" * 400


@pytest.mark.parametrize("route", ["slack_events", "discord"])
@pytest.mark.parametrize("timestamp", [HUGE, "-" + HUGE, "1e400", "nan", "inf", " 1700000000", "9" * 5000,
                                       "\u0661\u0667" + "\u0660" * 8, "0x10", "+1700000000", "1700000000.5", ""])
def test_any_timestamp_header_is_401_not_a_crash(services: Services, route: str, timestamp: str) -> None:
    request = sign(route, body_for(route, SAMPLES[route]), timestamp=timestamp)
    assert handle(route, request, services).status == 401
    assert rows(services) == (0, 0)


@pytest.mark.parametrize("verify", [
    lambda ts: slack.verify_signature("s", b"{}", ts, "v0=00", NOW),
    lambda ts: discord.verify_signature("00" * 32, b"{}", ts, "00" * 64, NOW),
])
def test_the_signature_checks_answer_false_for_absurd_timestamps(verify: Any) -> None:
    assert verify(HUGE) is False and verify("1e400") is False and verify("\u0663") is False


@pytest.mark.parametrize("route", ["github", "discourse", "slack_events"])
def test_non_ascii_signature_headers_are_401(services: Services, route: str) -> None:
    header = {"github": "x-hub-signature-256", "discourse": "x-discourse-event-signature",
              "slack_events": "x-slack-signature"}[route]
    prefix = "v0=" if route == "slack_events" else "sha256="
    request = sign(route, body_for(route, SAMPLES[route]), headers={header: prefix + "é" * 64})
    assert handle(route, request, services).status == 401
    assert signatures.verify_signature("s", b"", "sha256=é") is False


# --- defect: signed bodies of the wrong shape crashed the converters --------------------------------

WRONG_SHAPES: list[tuple[str, dict[str, str], Any]] = [
    ("github", {}, {**SAMPLES["github"], "issue": "x"}),
    ("github", {}, {**SAMPLES["github"], "issue": {"number": [1]}}),
    ("github", {}, {**SAMPLES["github"], "issue": {**SAMPLES["github"]["issue"], "number": "7"}}),
    ("github", {}, {**SAMPLES["github"], "issue": {**SAMPLES["github"]["issue"], "labels": "bug"}}),
    ("github", {}, {**SAMPLES["github"], "issue": {**SAMPLES["github"]["issue"], "title": ["x"]}}),
    ("github", {}, {**SAMPLES["github"], "repository": "acme/widget"}),
    ("github", {}, {**SAMPLES["github"], "sender": ["octocat"]}),
    ("github", {}, {**SAMPLES["github"], "installation": {"id": {"x": 1}}}),
    ("github", {}, {**SAMPLES["github"], "action": 3}),
    ("github", {"x-github-event": "issue_comment"}, {"action": "created", "issue": {"number": 1}, "comment": "x",
                                                     "repository": {"full_name": "a/b"}}),
    ("github", {"x-github-event": "pull_request"}, {"action": "opened", "pull_request": {"number": True},
                                                    "repository": {"full_name": "a/b"}}),
    ("slack_events", {}, {**SAMPLES["slack_events"], "event": {**SAMPLES["slack_events"]["event"], "text": 5}}),
    ("slack_events", {}, {**SAMPLES["slack_events"], "authorizations": "x"}),
    ("slack_events", {}, {**SAMPLES["slack_events"], "authorizations": [{"is_bot": True, "user_id": ["U"]}]}),
    ("slack_events", {}, {**SAMPLES["slack_events"], "event": {"type": "team_join", "user": [1]}}),
    ("slack_interactivity", {}, {**SAMPLES["slack_interactivity"], "user": "U1"}),
    ("slack_interactivity", {}, {**SAMPLES["slack_interactivity"], "team": "T1"}),
    ("slack_interactivity", {}, {**SAMPLES["slack_interactivity"], "container": []}),
    ("slack_interactivity", {}, {**SAMPLES["slack_interactivity"], "actions": [{"action_id": {"a": 1}}]}),
    ("slack_interactivity", {}, {"type": "message_action", "trigger_id": "t", "channel": "C1", "message": {}}),
    ("slack_interactivity", {}, {"type": "message_action", "trigger_id": "t", "channel": {"id": "C1"},
                                 "message": "hello"}),
    # The release edit modal's submission: its values must be text, and it must name its view and approval.
    ("slack_interactivity", {}, {"type": "view_submission", "view": {"id": "V1", "callback_id": "release_edit",
                                                                     "private_metadata": "r-1", "state": {
                                                                         "values": {"notes_0": {"notes": {
                                                                             "value": ["@everyone"]}}}}}}),
    ("slack_interactivity", {}, {"type": "view_submission", "view": {"callback_id": "release_edit",
                                                                     "private_metadata": "r-1"}}),
    ("discord", {}, {**SAMPLES["discord"], "member": "u1"}),
    ("discord", {}, {**SAMPLES["discord"], "member": {"user": {"id": {"x": 1}}}}),
    ("discord", {}, {**SAMPLES["discord"], "channel": "ch1", "channel_id": None}),
    ("discord", {}, {**SAMPLES["discord"], "data": {"name": "ask", "options": "question"}}),
    ("discord", {}, {**SAMPLES["discord"], "type": 4, "data": {"options": [{"focused": True, "name": {}}]}}),
    ("discord", {}, {**SAMPLES["discord"], "type": 2, "data": {"type": 3, "name": "Ask about this message",
                                                               "target_id": "m1", "resolved": "x"}}),
    ("discord", {}, {**SAMPLES["discord"], "token": ["t"]}),
    ("discord", {}, {**SAMPLES["discord"], "type": "2"}),
    ("discourse", {}, {"post": {**SAMPLES["discourse"]["post"], "post_number": "one"}}),
    ("discourse", {}, {"post": {**SAMPLES["discourse"]["post"], "topic_id": [5]}}),
    ("discourse", {}, {"post": {**SAMPLES["discourse"]["post"], "username": 5}}),
]


@pytest.mark.parametrize(("route", "headers", "payload"), WRONG_SHAPES,
                         ids=[f"{route}-{index}" for index, (route, _, _) in enumerate(WRONG_SHAPES)])
def test_wrong_shapes_are_rejected_at_the_edge(services: Services, route: str, headers: dict[str, str],
                                               payload: Any) -> None:
    response = handle(route, sign(route, body_for(route, payload), headers), services)
    assert response.status == 400, response.body
    assert rows(services) == (0, 0)  # nothing stored, nothing queued: no poison message for the worker


@pytest.mark.parametrize("route", ["github", "slack_events", "slack_interactivity", "discord", "discourse"])
@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_deeply_nested_bodies_are_400(services: Services, route: str, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    nested = opener * 10_000 + "1" + closer * 10_000
    body = urlencode({"payload": nested}).encode() if route == "slack_interactivity" else nested.encode()
    assert handle(route, sign(route, body), services).status == 400
    assert rows(services) == (0, 0)


def test_the_shared_json_parser_limits_nesting() -> None:
    request = HttpRequest("POST", "/", {}, b"[" * 200 + b"]" * 200)
    with pytest.raises(ValueError, match="nested"):
        request.json()
    assert HttpRequest("POST", "/", {}, b'{"a": [[{"b": 1}]]}').json() == {"a": [[{"b": 1}]]}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_the_samples_are_accepted_and_the_worker_finishes_them(services: Services, route: str) -> None:
    response = handle(route, sign(route, body_for(route, SAMPLES[route])), services)
    assert response.status in (200, 202)
    assert rows(services)[1] == 1
    assert drain_worker(services) == []


def test_a_valid_issue_still_becomes_a_typed_event(services: Services) -> None:
    response = handle("github", sign("github", body_for("github", SAMPLES["github"])), services)
    assert response.status == 202 and json.loads(response.body)["accepted"] is True
