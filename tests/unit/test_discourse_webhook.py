"""Discourse intake: the signature vector from Discourse's own spec, routing on X-Discourse-Event,
the loop guard and de-duplication of redelivered posts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from devrel.events import DiscourseAddress, InboundEvent, Question
from devrel.handlers.discourse_webhook import handle_discourse_webhook
from devrel.http import HttpRequest
from devrel.platforms import discourse, signatures
from support.fakes import fake_services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discourse"
VECTOR = json.loads((FIXTURES / "signature_test_vectors.json").read_text())["vectors"][0]
SECRET = "unit-discourse-secret"


@pytest.fixture
def services(tmp_path: Path) -> Any:
    return fake_services(tmp_path, discourse_webhook_secret=SECRET, discourse_api_username="devrel-bot")


def post_payload(
    post_id: int = 41,
    username: str = "alice",
    post_number: int = 1,
    raw: str = "How do I configure the cache?",
) -> dict[str, Any]:
    """The fields of Discourse's WebHookPostSerializer that the converter reads, plus a few others."""
    return {
        "post": {
            "id": post_id,
            "name": "Alice",
            "username": username,
            "created_at": "2024-05-01T10:00:00.000Z",
            "cooked": f"<p>{raw}</p>",
            "raw": raw,
            "post_number": post_number,
            "post_type": 1,
            "reply_to_post_number": None,
            "topic_id": 7,
            "topic_slug": "cache-config",
            "topic_title": "Configuring the cache",
            "category_id": 4,
            "user_id": 12,
            "trust_level": 1,
        }
    }


def signed(
    body: bytes, event: str = "post_created", secret: str = SECRET, event_id: str = "1"
) -> HttpRequest:
    headers = {
        "x-discourse-event": event,
        "x-discourse-event-type": event.split("_")[0],
        "x-discourse-event-id": event_id,
        "x-discourse-instance": "https://forum.example.org",
        "x-discourse-event-signature": signatures.signature_for(secret, body),
    }
    return HttpRequest(method="POST", path="/discourse/webhook", headers=headers, body=body)


def rows(services: Any) -> tuple[int, int]:
    counts = []
    for db, table in ((services.settings.store_db, "items"), (services.settings.queue_db, "messages")):
        with sqlite3.connect(db) as conn:
            counts.append(int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]))
    return counts[0], counts[1]


def queued(services: Any) -> list[InboundEvent]:
    return [InboundEvent.model_validate_json(m.body) for m in services.queue.receive(max_messages=10)]


def test_vector_from_discourse_spec() -> None:
    body = VECTOR["body"].encode()
    assert signatures.signature_for(VECTOR["secret"], body) == VECTOR["X-Discourse-Event-Signature"]
    assert signatures.verify_signature(VECTOR["secret"], body, VECTOR["X-Discourse-Event-Signature"])
    assert not signatures.verify_signature(
        VECTOR["secret"], body + b" ", VECTOR["X-Discourse-Event-Signature"]
    )
    assert not signatures.verify_signature("wrong", body, VECTOR["X-Discourse-Event-Signature"])
    assert not signatures.verify_signature(VECTOR["secret"], body, VECTOR["X-Discourse-Event-Signature"][7:])


def test_ping_is_answered(services: Any) -> None:
    response = handle_discourse_webhook(signed(b'{"ping":"OK"}', event="ping"), services)
    assert response.status == 200
    assert rows(services) == (0, 0)


def test_new_topic_question_is_accepted(services: Any) -> None:
    response = handle_discourse_webhook(signed(json.dumps(post_payload()).encode()), services)
    assert (response.status, json.loads(response.body)["accepted"]) == (200, True)
    [event] = queued(services)
    assert (event.kind, event.delivery_id, event.thread) == ("discourse.post_created", "post:41", "topic:7")
    assert event.text.startswith("Configuring the cache\n\nHow do I configure")
    assert event.intent == Question(addressed="directly")
    assert isinstance(event.reply_to, DiscourseAddress) and event.reply_to.post_number == 1


@pytest.mark.parametrize("tamper", ["body", "secret", "no-signature", "sha1"])
def test_bad_signatures_are_401_and_leave_nothing_behind(services: Any, tamper: str) -> None:
    body = json.dumps(post_payload()).encode()
    request = signed(body, secret="someone-else" if tamper == "secret" else SECRET)
    headers = dict(request.headers)
    if tamper == "body":
        request = HttpRequest("POST", request.path, headers, body.replace(b"cache", b"cachE"))
    elif tamper == "no-signature":
        del headers["x-discourse-event-signature"]
        request = HttpRequest("POST", request.path, headers, body)
    elif tamper == "sha1":
        headers["x-discourse-event-signature"] = headers["x-discourse-event-signature"].replace(
            "sha256", "sha1"
        )
        request = HttpRequest("POST", request.path, headers, body)
    assert handle_discourse_webhook(request, services).status == 401
    assert rows(services) == (0, 0)


@pytest.mark.parametrize("body", [b"{oops", b"[]", b'{"post": "text"}', b'{"post": {"raw": "no ids"}}'])
def test_malformed_deliveries_are_400(services: Any, body: bytes) -> None:
    assert handle_discourse_webhook(signed(body), services).status == 400
    assert rows(services)[1] == 0


def test_missing_event_header_is_400(services: Any) -> None:
    body = json.dumps(post_payload()).encode()
    request = signed(body)
    headers = {k: v for k, v in request.headers.items() if k != "x-discourse-event"}
    assert handle_discourse_webhook(HttpRequest("POST", request.path, headers, body), services).status == 400


@pytest.mark.parametrize("event", ["topic_created", "user_created", "post_edited", "like_created"])
def test_other_events_are_acknowledged_and_ignored(services: Any, event: str) -> None:
    body = json.dumps({"topic": {"id": 7, "title": "x"}}).encode()
    response = handle_discourse_webhook(signed(body, event=event), services)
    assert (response.status, json.loads(response.body)) == (200, {"ignored": event})
    assert rows(services) == (0, 0)


def test_its_own_posts_and_small_actions_are_ignored(services: Any) -> None:
    own = post_payload(username="DevRel-Bot")
    action = post_payload(post_id=43)
    action["post"]["post_type"] = 3
    for payload in (own, action):
        assert handle_discourse_webhook(signed(json.dumps(payload).encode()), services).status == 200
    assert rows(services) == (0, 0)


def test_redelivery_of_a_post_is_accepted_once(services: Any) -> None:
    body = json.dumps(post_payload()).encode()
    answers = [
        json.loads(handle_discourse_webhook(signed(body, event_id=str(n)), services).body)["accepted"]
        for n in range(5)
    ]
    assert answers == [True, False, False, False, False]


def test_mentions_of_the_assistant_are_flagged() -> None:
    event = discourse.to_inbound_event(
        "post_created", post_payload(post_number=3, raw="thanks @devrel-bot"), "devrel-bot"
    )
    assert event is not None
    assert event.intent == Question(addressed="directly")  # a mention is for the assistant, whatever the post
    assert event.text == "thanks @devrel-bot"  # replies are not prefixed with the topic title
