"""Slack intake: signatures (published vector, agreement with slack-sdk), the handler's answers, and
de-duplication, with real Events API / slash command / interactivity payloads from bolt-python."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from devrel.events import InboundEvent, Question, Reply, SlackAddress
from devrel.handlers.slack_events import handle_slack
from devrel.http import HttpRequest
from devrel.platforms import slack
from devrel.runtime import Services
from support.fakes import FakeClock, fake_services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
SECRET = "unit-signing-secret"
NOW = 1_700_000_000


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fake_services(tmp_path, clock=FakeClock(float(NOW)), slack_signing_secret=SECRET)


def signed(
    path: str, body: bytes, secret: str = SECRET, timestamp: int = NOW, extra: dict[str, str] | None = None
) -> HttpRequest:
    headers = {
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": slack.signature_for(secret, str(timestamp), body),
        **(extra or {}),
    }
    return HttpRequest(method="POST", path=path, headers=headers, body=body)


def rows(services: Services) -> tuple[int, int]:
    """(store items, queued messages): what a request left behind."""
    counts = []
    for db, table in ((services.settings.store_db, "items"), (services.settings.queue_db, "messages")):
        with sqlite3.connect(db) as conn:
            counts.append(int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]))
    return counts[0], counts[1]


def queued(services: Services) -> list[InboundEvent]:
    return [InboundEvent.model_validate_json(m.body) for m in services.queue.receive(max_messages=10)]


# --- signatures ----------------------------------------------------------------------------------


def test_published_vector_verifies_only_with_the_clock_pinned_to_its_timestamp() -> None:
    vector = fixture("signature_test_vectors.json")
    body, timestamp = vector["body"].encode(), vector["X-Slack-Request-Timestamp"]
    good = vector["X-Slack-Signature"]
    assert slack.signature_for(vector["signing_secret"], timestamp, body) == good
    assert slack.verify_signature(vector["signing_secret"], body, timestamp, good, now=int(timestamp))
    assert not slack.verify_signature(
        vector["signing_secret"], body, timestamp, good, now=int(timestamp) + 301
    )
    assert not slack.verify_signature(
        vector["signing_secret"], body + b"&x=1", timestamp, good, now=int(timestamp)
    )


def test_verifier_agrees_with_slack_sdk() -> None:
    rng = random.Random(5)
    for _ in range(200):
        secret = "".join(rng.choice("abcdef0123456789") for _ in range(32))
        body = bytes(rng.randrange(32, 127) for _ in range(rng.randrange(0, 200)))
        timestamp = str(NOW + rng.randrange(-400, 400))
        signature = slack.signature_for(secret, timestamp, body)
        if rng.random() < 0.5:  # tamper with half of them
            body = body + b"!"
        sdk = SignatureVerifier(secret, clock=_Clock(NOW)).is_valid(body, timestamp, signature)
        assert slack.verify_signature(secret, body, timestamp, signature, now=NOW) == sdk


class _Clock:
    def __init__(self, now: int) -> None:
        self._now = now

    def now(self) -> float:
        return float(self._now)


# --- the handler ---------------------------------------------------------------------------------


def test_url_verification_echoes_the_challenge(services: Services) -> None:
    body = (FIXTURES / "events_url_verification__event_body.json").read_bytes()
    response = handle_slack(signed("/slack/events", body), services)
    assert response.status == 200
    assert (
        json.loads(response.body)["challenge"]
        == fixture("events_url_verification__event_body.json")["challenge"]
    )


def test_app_mention_is_accepted_and_enqueued(services: Services) -> None:
    body = (FIXTURES / "events__valid_event_body.json").read_bytes()
    response = handle_slack(signed("/slack/events", body), services)
    assert response.status == 200
    assert json.loads(response.body) == {"accepted": True}
    [event] = queued(services)
    assert event.kind == "slack.app_mention"
    assert event.thread == "T111:C111:1595926230.009600"
    assert event.text == "Hi there!"  # the mention of the bot is stripped


@pytest.mark.parametrize(
    "tamper", ["body", "secret", "stale", "future", "no-signature", "no-timestamp", "garbage"]
)
def test_bad_signatures_are_401_and_leave_nothing_behind(services: Services, tamper: str) -> None:
    body = (FIXTURES / "events__valid_event_body.json").read_bytes()
    request = {
        "body": signed("/slack/events", body),
        "secret": signed("/slack/events", body, secret="someone-else"),
        "stale": signed("/slack/events", body, timestamp=NOW - 301),
        "future": signed("/slack/events", body, timestamp=NOW + 301),
        "no-signature": signed("/slack/events", body),
        "no-timestamp": signed("/slack/events", body),
        "garbage": signed("/slack/events", body),
    }[tamper]
    headers = dict(request.headers)
    if tamper == "body":
        request = HttpRequest("POST", "/slack/events", headers, body.replace(b"Hi there", b"Hi thera"))
    elif tamper == "no-signature":
        del headers["x-slack-signature"]
        request = HttpRequest("POST", "/slack/events", headers, body)
    elif tamper == "no-timestamp":
        del headers["x-slack-request-timestamp"]
        request = HttpRequest("POST", "/slack/events", headers, body)
    elif tamper == "garbage":
        headers["x-slack-request-timestamp"] = "yesterday"
        request = HttpRequest("POST", "/slack/events", headers, body)
    assert handle_slack(request, services).status == 401
    assert rows(services) == (0, 0)


def test_unconfigured_secret_rejects_everything(tmp_path: Path) -> None:
    bare = fake_services(tmp_path, clock=FakeClock(float(NOW)))
    body = (FIXTURES / "events__valid_event_body.json").read_bytes()
    assert handle_slack(signed("/slack/events", body), bare).status == 401


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"type": "event_callback"}',
        b'{"type": "event_callback", "event": {"type": "message", "user": "U1"}}',
    ],
)
def test_malformed_events_are_400(services: Services, body: bytes) -> None:
    assert handle_slack(signed("/slack/events", body), services).status == 400
    assert rows(services)[1] == 0


@pytest.mark.parametrize(
    "name",
    [
        "events__valid_reaction_added_body.json",
        "events__left_event_body.json",
        "message_changed__event_payload.json",
        "message_deleted__event_payload.json",
        "message__message_body.json",
    ],
)
def test_unhandled_events_are_acknowledged_and_ignored(services: Services, name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    response = handle_slack(signed("/slack/events", body), services)
    assert response.status == 200
    assert "ignored" in json.loads(response.body)
    assert rows(services) == (0, 0)


def test_five_retries_of_one_event_are_enqueued_once(services: Services) -> None:
    body = (FIXTURES / "events__valid_event_body.json").read_bytes()
    answers = [
        json.loads(handle_slack(signed("/slack/events", body, extra=retry), services).body)["accepted"]
        for retry in (
            {},
            *({"x-slack-retry-num": str(n), "x-slack-retry-reason": "http_timeout"} for n in range(1, 5)),
        )
    ]
    assert answers == [True, False, False, False, False]
    assert len(queued(services)) == 1


def test_the_same_message_under_a_new_event_id_is_a_duplicate(services: Services) -> None:
    mention = fixture("events__valid_event_body.json")
    as_message = json.loads(json.dumps(mention))
    as_message["event_id"] = "Ev999"
    as_message["event"]["type"] = "message"
    as_message["authorizations"] = [{"user_id": "W111", "is_bot": True}]
    for payload in (mention, as_message):
        handle_slack(signed("/slack/events", json.dumps(payload).encode()), services)
    assert [event.kind for event in queued(services)] == ["slack.app_mention"]


def test_bot_messages_never_reach_the_queue(services: Services) -> None:
    payload = fixture("events__valid_event_body.json")
    payload["event"]["bot_id"] = "B123"
    response = handle_slack(signed("/slack/events", json.dumps(payload).encode()), services)
    assert json.loads(response.body) == {"ignored": "app_mention"}
    own = fixture("message_thread_broadcast__event_payload.json")
    own["event"]["user"] = "W111"  # the bot user named in `authorizations`
    handle_slack(signed("/slack/events", json.dumps(own).encode()), services)
    assert rows(services) == (0, 0)


def test_direct_messages_and_thread_replies_are_enqueued(services: Services) -> None:
    dm = fixture("message__message_body2.json")
    dm["event"]["channel_type"] = "im"
    thread = fixture("message_thread_broadcast__event_payload.json")
    for payload in (dm, thread):
        assert handle_slack(signed("/slack/events", json.dumps(payload).encode()), services).status == 200
    kinds = {event.kind: event for event in queued(services)}
    assert set(kinds) == {"slack.message.im", "slack.message.thread"}
    assert kinds["slack.message.thread"].thread == "T111:C111:1633663824.000500"


def test_member_and_revocation_events_are_enqueued_by_event_id(services: Services) -> None:
    for name in ("events__join_event_body.json", "events__tokens_revoked_body.json"):
        payload = fixture(name)
        payload["event_id"] = f"Ev-{name}"
        handle_slack(signed("/slack/events", json.dumps(payload).encode()), services)
    assert sorted(event.kind for event in queued(services)) == [
        "slack.member_joined_channel",
        "slack.tokens_revoked",
    ]


def test_slash_command_help_is_answered_at_once(services: Services) -> None:
    form = dict(
        pair.split("=", 1)
        for pair in (FIXTURES / "slash_command__slash_command_body.form.txt").read_text().strip().split("&")
    )
    form["text"] = "help"
    response = handle_slack(signed("/slack/commands", urlencode(form).encode()), services)
    assert response.status == 200
    assert "/devrel ask" in json.loads(response.body)["text"]
    assert rows(services) == (0, 0)


def test_slash_command_question_is_deferred_to_the_worker(services: Services) -> None:
    body = (FIXTURES / "slash_command__slash_command_body.form.txt").read_bytes()  # text=Hi
    response = handle_slack(signed("/slack/commands", body), services)
    assert response.status == 200
    assert json.loads(response.body)["response_type"] == "ephemeral"
    [event] = queued(services)
    assert event.kind == "slack.command.ask"
    assert event.text == "Hi"
    assert isinstance(event.reply_to, SlackAddress) and isinstance(event.intent, Question)
    assert event.reply_to.response_url == "https://hooks.slack.com/commands/T111/111/xxxxx"


def test_slash_command_without_trigger_is_400(services: Services) -> None:
    assert handle_slack(signed("/slack/commands", b"text=hi&user_id=U1"), services).status == 400


def test_feedback_button_is_enqueued_and_acknowledged_empty(services: Services) -> None:
    payload = fixture("block_actions__body.json")
    payload["actions"][0]["action_id"] = "feedback_up"
    response = handle_slack(
        signed("/slack/interactivity", urlencode({"payload": json.dumps(payload)}).encode()), services
    )
    assert (response.status, response.body) == (200, b"")
    [event] = queued(services)
    assert event.kind == "slack.action.feedback_up"


def test_message_shortcut_asks_about_that_message(services: Services) -> None:
    payload = fixture("shortcut__message_shortcut_body.json")
    handle_slack(
        signed("/slack/interactivity", urlencode({"payload": json.dumps(payload)}).encode()), services
    )
    [event] = queued(services)
    assert event.kind == "slack.shortcut.ask"
    assert event.text == payload["message"]["text"]


def test_interactivity_without_payload_is_400(services: Services) -> None:
    assert handle_slack(signed("/slack/interactivity", b"nothing=here"), services).status == 400


# --- converters ------------------------------------------------------------------------------------


def test_parse_command() -> None:
    assert slack.parse_command("") == slack.Command("help", "")
    assert slack.parse_command("help me") == slack.Command("help", "")
    assert slack.parse_command("ask how do I install?") == slack.Command("ask", "how do I install?")
    assert slack.parse_command("ask") == slack.Command("help", "")
    assert slack.parse_command("why is it slow?") == slack.Command("ask", "why is it slow?")


def test_reply_blocks_keep_code_and_convert_markdown() -> None:
    text = "## Install\n**Run** this, see [docs](https://example.org/docs):\n```sh\npip install **x**\n```"
    blocks = slack.reply_blocks(Reply(text=text, sources=["https://example.org/a"]), feedback_for="d-1")
    section = blocks[0]["text"]["text"]
    assert section.startswith("*Install*\n*Run* this, see <https://example.org/docs|docs>:")
    assert "```sh\npip install **x**\n```" in section  # untouched inside code
    assert blocks[1]["type"] == "context"
    assert [e["action_id"] for e in blocks[2]["elements"]] == list(slack.FEEDBACK_ACTIONS)


def test_long_replies_are_split_into_sections_within_slack_limits() -> None:
    code = "```python\n" + "\n".join(f"x = {i}" for i in range(1200)) + "\n```"
    blocks = slack.reply_blocks(Reply(text=code))
    assert len(blocks) > 1
    for block in blocks:
        assert len(block["text"]["text"]) <= slack.SECTION_LIMIT
        assert block["text"]["text"].count("```") == 2
