from __future__ import annotations

import json
from pathlib import Path

from devrel.platforms.github import to_inbound_event
from devrel.platforms.signatures import signature_for, verify_signature

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"


def test_published_signature_vector() -> None:
    vector = json.loads((FIXTURES / "signature_test_vector.json").read_text())
    body = vector["payload"].encode()
    assert signature_for(vector["secret"], body) == vector["X-Hub-Signature-256"]
    assert verify_signature(vector["secret"], body, vector["X-Hub-Signature-256"])
    assert not verify_signature(vector["secret"], body + b" ", vector["X-Hub-Signature-256"])
    assert not verify_signature("wrong", body, vector["X-Hub-Signature-256"])
    assert not verify_signature(vector["secret"], body, None)
    assert not verify_signature(vector["secret"], body, "sha1=" + vector["signature_hex"])
    assert not verify_signature("", body, vector["X-Hub-Signature-256"])


def test_issue_opened_becomes_a_neutral_event() -> None:
    payload = json.loads((FIXTURES / "issues.opened.15.json").read_text())
    event = to_inbound_event("issues", "d-1", payload)
    assert event is not None
    assert event.kind == "github.issues.opened"
    assert event.thread == f"{payload['repository']['full_name']}#{payload['issue']['number']}"
    assert payload["issue"]["title"] in event.text
    assert event.actor is not None and event.actor.name == payload["sender"]["login"]


def test_unhandled_events_and_actions_are_ignored() -> None:
    star = json.loads((FIXTURES / "star.created.0.json").read_text())
    assert to_inbound_event("star", "d-2", star) is None
    deleted = json.loads((FIXTURES / "issue_comment.deleted.5.json").read_text())
    assert to_inbound_event("issue_comment", "d-3", deleted) is None


def test_comment_events_carry_the_comment_text() -> None:
    payload = json.loads((FIXTURES / "issue_comment.created.0.json").read_text())
    event = to_inbound_event("issue_comment", "d-4", payload)
    assert event is not None and event.text == payload["comment"]["body"]


def test_a_merged_pull_request_is_told_from_a_closed_one() -> None:
    payload = json.loads((FIXTURES / "pull_request.opened.0.json").read_text())
    payload["action"] = "closed"
    payload["pull_request"]["merged"] = True
    merged = to_inbound_event("pull_request", "d-5", payload)
    payload["pull_request"]["merged"] = False
    closed = to_inbound_event("pull_request", "d-6", payload)
    assert merged is not None and merged.kind == "github.pull_request.merged"
    assert closed is not None and closed.kind == "github.pull_request.closed"
