"""Telegram end to end through `devrel serve`: an update with the webhook secret in, the ack, the
worker, and the answer arriving at a local stand-in of the Bot API over real HTTP, as a reply to
the question's message in MarkdownV2."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
SECRET = "e2e-telegram-secret"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawE2E"


class BotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def answer(self, got: Any) -> tuple[int, Any, dict[str, str]]:
        method = got.path.rsplit("/", 1)[-1]
        with self.lock:
            self.calls.append((got.path, json.loads(got.body or b"{}")))
        if method == "sendMessage":
            return 200, {"ok": True, "result": {"message_id": 4000 + len(self.calls)}}, {}
        return 200, {"ok": True, "result": True}, {}

    def sent(self, method: str, count: int = 1, timeout: float = 20.0) -> list[tuple[str, dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [call for call in self.calls if call[0].endswith(f"/{method}")]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return found


@pytest.fixture
def bot_api(stand_in_server: Any) -> tuple[str, BotApi]:
    api = BotApi()
    return stand_in_server(api.answer), api


@pytest.fixture
def app(serve_factory: Any, bot_api: tuple[str, BotApi]) -> Any:
    env = {"DEVREL_TELEGRAM_WEBHOOK_SECRET": SECRET, "DEVREL_TELEGRAM_BOT_TOKEN": TOKEN,
           "DEVREL_TELEGRAM_API_URL": bot_api[0], "DEVREL_TELEGRAM_BOT_USERNAME": "devrel_helper_bot"}
    return serve_factory(env, "--no-schedules", "--no-llm")


def post(app: Any, payload: dict[str, Any], secret: str | None = SECRET) -> tuple[int, Any]:
    headers = {"content-type": "application/json"} | ({"x-telegram-bot-api-secret-token": secret} if secret else {})
    request = urllib.request.Request(f"{app.url}/telegram/webhook", data=json.dumps(payload).encode(),
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def test_a_private_question_is_answered_once_as_a_reply(app: Any, bot_api: tuple[str, BotApi]) -> None:
    _, api = bot_api
    update = json.loads((FIXTURES / "message_with_entities.json").read_text())
    update["message"]["text"] = "How do I run the tests? (v1.2!)"
    for _ in range(3):  # Telegram retries an update until it is acknowledged
        assert post(app, update)[0] == 200
    [(path, sent)] = api.sent("sendMessage")
    assert path == f"/bot{TOKEN}/sendMessage"
    assert sent["chat_id"] == 1111111 and sent["parse_mode"] == "MarkdownV2"
    assert sent["reply_parameters"]["message_id"] == 1365
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "fb:up:update:10000"
    time.sleep(1.0)
    assert len(api.sent("sendMessage")) == 1  # the retries were duplicates


def test_a_wrong_secret_is_refused_and_nothing_is_sent(app: Any, bot_api: tuple[str, BotApi]) -> None:
    update = json.loads((FIXTURES / "message_with_entities.json").read_text())
    assert post(app, update, secret="nope")[0] == 401
    assert post(app, update, secret=None)[0] == 401
    time.sleep(1.0)
    assert bot_api[1].sent("sendMessage", timeout=0.1) == []
    assert TOKEN not in "".join(app.output)  # the token never reaches the logs
