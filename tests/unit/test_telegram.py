"""Telegram on the example updates Telegram publishes for testing bots (tests/fixtures/telegram,
see SOURCE.md there): the secret check, the converter, MarkdownV2 and long replies."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from devrel.events import Feedback, InboundEvent, MemberJoined, Question, Reply, TelegramAddress
from devrel.handlers.telegram_webhook import handle_telegram_webhook
from devrel.http import HttpRequest
from devrel.platforms import telegram
from devrel.runtime import Services
from support.fakes import fake_services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
SECRET = "unit-telegram-secret_1"
BOT = "devrel_helper_bot"
BOT_ID = 777


def fixture(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return payload


def group_message(text: str, update_id: int = 20000, **extra: Any) -> dict[str, Any]:
    payload = copy.deepcopy(fixture("message_with_entities"))
    payload["update_id"] = update_id
    message = payload["message"]
    message.update(text=text, entities=[], chat={"id": -100123, "type": "supergroup", "title": "Project"}, **extra)
    return payload


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fake_services(tmp_path, telegram_webhook_secret=SECRET, telegram_bot_username=BOT,
                         telegram_bot_id=BOT_ID)


def post(services: Services, payload: dict[str, Any] | bytes, secret: str | None = SECRET) -> tuple[int, Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"content-type": "application/json"} | (
        {"x-telegram-bot-api-secret-token": secret} if secret is not None else {})
    response = handle_telegram_webhook(HttpRequest("POST", "/telegram/webhook", headers, body), services)
    return response.status, json.loads(response.body) if response.body else None


def queued(services: Services) -> list[InboundEvent]:
    return [InboundEvent.model_validate_json(m.body) for m in services.queue.receive(max_messages=10)]


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
def test_a_wrong_or_missing_secret_is_401_and_stores_nothing(services: Services, secret: str | None) -> None:
    assert post(services, fixture("message_with_entities"), secret)[0] == 401
    assert queued(services) == [] and services.store.query("delivery#telegram") == []


def test_start_in_a_private_chat_starts_onboarding_once_per_update(services: Services) -> None:
    for _ in range(3):
        assert post(services, fixture("message_text_start"))[0] == 200
    [event] = queued(services)
    assert isinstance(event.intent, MemberJoined) and event.delivery_id == "update:10000"
    assert event.reply_to == TelegramAddress(chat_id=1111111, message_id=1365)
    assert event.actor is not None and event.actor.name == "Testusername"


def test_a_private_message_is_a_question_and_the_webhook_shows_typing(services: Services) -> None:
    status, answer = post(services, fixture("message_with_entities"))
    assert (status, answer) == (200, {"method": "sendChatAction", "chat_id": 1111111, "action": "typing"})
    [event] = queued(services)
    assert event.intent == Question() and event.text == "Bold and italics" and event.thread == "1111111"


def test_help_is_answered_in_the_webhook_response(services: Services) -> None:
    payload = fixture("message_with_entities")
    payload["message"]["text"] = "/help"
    status, answer = post(services, payload)
    assert status == 200 and answer["method"] == "sendMessage" and answer["parse_mode"] == "MarkdownV2"
    assert answer["reply_parameters"] == {"message_id": 1365}
    assert queued(services) == []


def test_edited_messages_are_ignored_unless_configured(services: Services, tmp_path: Path) -> None:
    assert post(services, fixture("edited_message")) == (200, {})
    assert queued(services) == []
    again = fake_services(tmp_path / "edits", telegram_webhook_secret=SECRET, telegram_answer_edits=True)
    post(again, fixture("edited_message"))
    [event] = queued(again)
    assert event.kind == "telegram.edited_message" and event.intent == Question()


@pytest.mark.parametrize("name", ["message_with_document", "inline_query"])
def test_updates_without_a_question_are_acknowledged_and_ignored(services: Services, name: str) -> None:
    assert post(services, fixture(name)) == (200, {})
    assert queued(services) == []


def test_buttons_are_acknowledged_and_feedback_recorded(services: Services) -> None:
    status, answer = post(services, fixture("callback_query"))  # a button that is not ours
    assert (status, answer) == (200, {"method": "answerCallbackQuery", "callback_query_id": "4382bfdwdsb323b2d9"})
    payload = fixture("callback_query")
    payload["update_id"] = 10001
    payload["callback_query"]["data"] = "fb:down:update:10000"
    status, answer = post(services, payload)
    assert answer["method"] == "answerCallbackQuery"
    [event] = queued(services)
    assert event.intent == Feedback(vote="down", answer="update:10000")


def test_in_groups_only_mentions_replies_and_our_commands_are_for_the_assistant() -> None:
    plan = telegram.plan_update
    assert plan(group_message("how do we cut a release?"), BOT, BOT_ID).event.intent.type == "activity"  # type: ignore[union-attr]
    mention = plan(group_message(f"@{BOT} how do we cut a release?"), BOT, BOT_ID).event
    assert mention is not None and mention.intent == Question() and mention.text == "how do we cut a release?"
    assert mention.thread == "-100123:0"
    to_bot = {"message_id": 5, "from": {"id": BOT_ID, "is_bot": True}}
    reply = plan(group_message("and on Windows?", reply_to_message=to_bot), BOT, BOT_ID)
    assert reply.event is not None and reply.event.intent == Question()
    other = plan(group_message("/ask@other_bot what?"), BOT, BOT_ID).event  # another bot's command: chatter
    assert other is not None and other.intent.type == "activity"
    ours = plan(group_message(f"/ask@{BOT} what is a release?"), BOT, BOT_ID).event
    assert ours is not None and ours.text == "what is a release?"
    by_bot = group_message("hi", **{"from": {"id": 5, "is_bot": True, "first_name": "x"}})
    assert plan(by_bot, BOT, BOT_ID).event is None


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"update_id": "x"}',
                                  b'{"update_id": 1, "message": {"message_id": 1, "chat": "x"}}'])
def test_malformed_updates_are_400(services: Services, body: bytes) -> None:
    assert post(services, body)[0] == 400
    assert queued(services) == []


# --- MarkdownV2 ---------------------------------------------------------------------------------------

def test_reserved_characters_are_escaped_outside_code_only() -> None:
    text = "Use v1.2 (not 1.1)! See `config.yaml` and run:\n```sh\npip install 'x[y]' # note_me\n```"
    converted = telegram.to_markdown_v2(text)
    assert converted.startswith("Use v1\\.2 \\(not 1\\.1\\)\\! See `config.yaml` and run:")
    assert "```sh\npip install 'x[y]' # note_me\n```" in converted  # code is left as it is


def test_bold_headings_and_links_become_markdown_v2() -> None:
    converted = telegram.to_markdown_v2("## Setup\n**Note**: see [the guide](https://x.org/a_(b)).")
    assert converted == "*Setup*\n*Note*: see [the guide](https://x.org/a_(b\\))\\."


def test_every_reserved_character_is_escaped() -> None:
    reserved = "_*[]()~`>#+-=|{}.!\\"
    converted = telegram.to_markdown_v2(reserved.replace("`", ""))
    assert re.fullmatch(r"(\\.)+", converted)


def test_mentions_in_replies_ping_nobody() -> None:
    assert "@\u200dmaintainers" in telegram.to_markdown_v2("ask @maintainers")


def test_long_answers_are_split_under_the_limit_without_breaking_code() -> None:
    code = "```python\n" + "\n".join(f"value_{i} = {i}  # comment" for i in range(400)) + "\n```"
    to = TelegramAddress(chat_id=1, message_id=9)
    messages = telegram.reply_messages(Reply(text="Here:\n" + code, sources=["https://x.org/a.py#L1"]), to, "update:5")
    assert len(messages) > 1
    assert all(len(m["text"]) <= 4096 and m["text"].count("```") % 2 == 0 for m in messages)
    assert messages[0]["reply_parameters"]["message_id"] == 9
    assert all("reply_parameters" not in m for m in messages[1:])
    buttons = messages[-1]["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["fb:up:update:5", "fb:down:update:5"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
