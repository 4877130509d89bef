"""Discord intake: Ed25519 (RFC 8032 key pair), PING/PONG, deferred commands, autocomplete, buttons,
with interaction payloads from discord-api-docs and discord-interactions-js."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from devrel.events import DiscordAddress, Feedback, InboundEvent, Question, Reply
from devrel.handlers.discord_interactions import handle_discord_interaction
from devrel.http import HttpRequest
from devrel.platforms import discord
from support.fakes import FakeClock, fake_services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discord"
VECTORS = json.loads((FIXTURES / "ed25519_test_vectors.json").read_text())
PUBLIC_KEY = VECTORS["rfc8032_test1"]["public_key_hex"]
SIGNING_KEY = SigningKey(bytes.fromhex(VECTORS["rfc8032_test1"]["secret_key_hex"]))
NOW = 1_700_000_000


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def services(tmp_path: Path) -> Any:
    return fake_services(tmp_path, clock=FakeClock(float(NOW)), discord_public_key=PUBLIC_KEY,
                         discord_application_id="app-1")


def signed(body: bytes, timestamp: int = NOW, key: SigningKey = SIGNING_KEY) -> HttpRequest:
    signature = key.sign(str(timestamp).encode() + body).signature.hex()
    headers = {
        "x-signature-ed25519": signature,
        "x-signature-timestamp": str(timestamp),
        "content-type": "application/json",
    }
    return HttpRequest(method="POST", path="/discord/interactions", headers=headers, body=body)


def rows(services: Any) -> tuple[int, int]:
    counts = []
    for db, table in ((services.settings.store_db, "items"), (services.settings.queue_db, "messages")):
        with sqlite3.connect(db) as conn:
            counts.append(int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]))
    return counts[0], counts[1]


def queued(services: Any) -> list[InboundEvent]:
    return [InboundEvent.model_validate_json(m.body) for m in services.queue.receive(max_messages=10)]


def answer(services: Any, request: HttpRequest) -> tuple[int, dict[str, Any]]:
    response = handle_discord_interaction(request, services)
    return response.status, json.loads(response.body or b"{}")


# --- signatures ----------------------------------------------------------------------------------


def test_rfc8032_vector_and_discord_style_ping() -> None:
    rfc = VECTORS["rfc8032_test1"]
    assert SIGNING_KEY.sign(b"").signature.hex() == rfc["signature_hex"]
    ping = VECTORS["discord_ping"]
    body, timestamp = ping["body"].encode(), ping["timestamp"]
    now = int(timestamp)
    assert discord.verify_signature(PUBLIC_KEY, body, timestamp, ping["X-Signature-Ed25519"], now)
    tampered = ping["tampered_body_must_fail"].encode()
    assert not discord.verify_signature(PUBLIC_KEY, tampered, timestamp, ping["X-Signature-Ed25519"], now)
    assert not discord.verify_signature(PUBLIC_KEY, body, timestamp, ping["X-Signature-Ed25519"], now + 301)
    assert not discord.verify_signature(PUBLIC_KEY, body, timestamp, "zz" * 64, now)
    assert not discord.verify_signature(PUBLIC_KEY, body, timestamp, ping["X-Signature-Ed25519"][:-2], now)
    assert not discord.verify_signature("", body, timestamp, ping["X-Signature-Ed25519"], now)


# --- the handler ---------------------------------------------------------------------------------


def test_ping_gets_pong_and_stores_nothing(services: Any) -> None:
    body = (FIXTURES / "interactions-js__ping.json").read_bytes()
    assert answer(services, signed(body)) == (200, {"type": 1})
    assert rows(services) == (0, 0)


@pytest.mark.parametrize("tamper", ["body", "key", "stale", "no-signature", "no-timestamp", "bad-hex"])
def test_bad_signatures_are_401_and_leave_nothing_behind(services: Any, tamper: str) -> None:
    body = json.dumps(ask_interaction()).encode()
    request = signed(body)
    headers = dict(request.headers)
    if tamper == "body":
        request = HttpRequest("POST", request.path, headers, body.replace(b"install", b"instal1"))
    elif tamper == "key":
        request = signed(body, key=SigningKey.generate())
    elif tamper == "stale":
        request = signed(body, timestamp=NOW - 3600)
    elif tamper == "no-signature":
        del headers["x-signature-ed25519"]
        request = HttpRequest("POST", request.path, headers, body)
    elif tamper == "no-timestamp":
        del headers["x-signature-timestamp"]
        request = HttpRequest("POST", request.path, headers, body)
    elif tamper == "bad-hex":
        headers["x-signature-ed25519"] = "not hex at all"
        request = HttpRequest("POST", request.path, headers, body)
    assert handle_discord_interaction(request, services).status == 401
    assert rows(services) == (0, 0)


@pytest.mark.parametrize("body", [b"{nope", b"[]", b'{"type": 2}', b'{"type": 2, "id": "1", "token": "t"}'])
def test_malformed_interactions_are_400(services: Any, body: bytes) -> None:
    assert handle_discord_interaction(signed(body), services).status == 400
    assert rows(services)[1] == 0


def ask_interaction(interaction_id: str = "1100000000000000001") -> dict[str, Any]:
    """The documented example interaction, as an /ask command."""
    payload = fixture("application-commands__03__example-interaction.json")
    payload["id"] = interaction_id
    payload["data"] = {
        "type": 1,
        "name": "ask",
        "id": "771825006014889984",
        "options": [{"type": 3, "name": "question", "value": "How do I install it?"}],
    }
    return payload


def test_ask_is_deferred_and_enqueued_with_its_webhook(services: Any) -> None:
    status, body = answer(services, signed(json.dumps(ask_interaction()).encode()))
    assert (status, body) == (200, {"type": 5})
    [event] = queued(services)
    assert event.kind == "discord.command.ask"
    assert event.text == "How do I install it?"
    assert event.actor is not None and event.actor.name == "Mason"
    assert event.thread == "290926798626357999:645027906669510667:53908232506183680"
    assert isinstance(event.reply_to, DiscordAddress) and isinstance(event.intent, Question)
    assert event.reply_to.token == "A_UNIQUE_TOKEN"
    assert event.reply_to.application_id == "app-1"  # from settings: this payload does not carry it


def test_replaying_an_interaction_enqueues_it_once(services: Any) -> None:
    body = json.dumps(ask_interaction()).encode()
    for _ in range(5):
        assert answer(services, signed(body))[0] == 200
    assert len(queued(services)) == 1


def test_message_command_asks_about_the_resolved_message(services: Any) -> None:
    payload = fixture("application-commands__07__example-interaction.json")
    payload["data"]["name"] = discord.ASK_ABOUT_MESSAGE
    assert answer(services, signed(json.dumps(payload).encode())) == (200, {"type": 5})
    [event] = queued(services)
    assert event.kind == "discord.message_command.ask"
    assert event.text == "some message"
    assert isinstance(event.reply_to, DiscordAddress) and isinstance(event.intent, Question)
    assert event.reply_to.application_id == "775799577604522054"


def test_help_is_immediate_and_ephemeral(services: Any) -> None:
    payload = ask_interaction()
    payload["data"] = {"type": 1, "name": "help", "id": "2"}
    status, body = answer(services, signed(json.dumps(payload).encode()))
    assert status == 200 and body["type"] == 4
    assert body["data"]["flags"] == discord.EPHEMERAL
    assert "/ask" in body["data"]["content"]
    assert rows(services) == (0, 0)


def test_autocomplete_suggests_help_topics(services: Any) -> None:
    payload = fixture("application-commands__09__autocomplete.json")
    payload.update(id="3", token="tok")
    payload["data"]["name"] = "help"
    payload["data"]["options"] = [{"type": 3, "name": "topic", "value": "on", "focused": True}]
    status, body = answer(services, signed(json.dumps(payload).encode()))
    assert (status, body["type"]) == (200, 8)
    assert [choice["value"] for choice in body["data"]["choices"]] == ["onboarding"]


def test_autocomplete_fixture_for_an_unknown_option_offers_nothing(services: Any) -> None:
    body = (FIXTURES / "interactions-js__autocomplete.json").read_bytes()
    assert answer(services, signed(body)) == (200, {"type": 8, "data": {"choices": []}})


def test_feedback_button_is_acknowledged_and_recorded(services: Any) -> None:
    payload = fixture("interactions-js__message_component.json")
    payload["data"]["custom_id"] = "feedback:up:for:1100000000000000001"
    assert answer(services, signed(json.dumps(payload).encode())) == (200, {"type": 6})
    [event] = queued(services)
    assert isinstance(event.intent, Feedback)
    assert (event.kind, event.intent.vote, event.intent.answer) == (
        "discord.feedback",
        "up",
        "1100000000000000001",
    )


def test_other_buttons_and_unknown_commands_are_acknowledged_and_ignored(services: Any) -> None:
    button = (FIXTURES / "interactions-js__message_component.json").read_bytes()
    assert answer(services, signed(button)) == (200, {"type": 6})
    unknown = (FIXTURES / "interactions-js__application_command.json").read_bytes()  # "/test"
    status, body = answer(services, signed(unknown))
    assert status == 200 and body["type"] == 4
    assert rows(services) == (0, 0)


# --- outbound formatting -------------------------------------------------------------------------


def test_long_replies_split_under_2000_characters_with_code_blocks_intact() -> None:
    text = (
        "Here is the script:\n\n```python\n"
        + "\n".join(f"print('step {i}')  # explain step {i}" for i in range(150))
        + "\n```\n\nThat's all."
        + " ok" * 400
    )
    messages = discord.reply_messages(
        Reply(text=text, sources=["https://example.org/docs"]), feedback_for="d-1"
    )
    assert len(messages) >= 3
    for message in messages:
        assert len(message["content"]) <= discord.MESSAGE_LIMIT
        assert message["content"].count("```") % 2 == 0
    continuation = messages[1]["content"]
    assert continuation.startswith("```python\n")  # the block reopens with its language
    assert "components" in messages[-1] and all("components" not in m for m in messages[:-1])
    assert "<https://example.org/docs>" in messages[-1]["content"]
    rejoined = "".join(m["content"] for m in messages)
    assert rejoined.count("print('step ") == 150  # nothing lost in the cuts


def test_register_definition_has_the_commands_the_handler_serves() -> None:
    names = {command["name"] for command in discord.COMMANDS}
    assert {"ask", "help", "onboard", discord.ASK_ABOUT_MESSAGE, discord.SEND_TO_ASKER} <= names
