"""Every platform end to end through `devrel serve`: a signed request in, the ack, the worker, and the
reply arriving over real HTTP (PyGithub, slack-sdk, requests) at a local stand-in of the platform's
API, in the right thread. The stand-in is a stdlib HTTP server in this test process."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from nacl.signing import SigningKey

from devrel.platforms import signatures, slack
from support.stand_in import Received as Call

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DISCORD_VECTORS = json.loads((FIXTURES / "discord" / "ed25519_test_vectors.json").read_text())
DISCORD_KEY = SigningKey(bytes.fromhex(DISCORD_VECTORS["rfc8032_test1"]["secret_key_hex"]))
SLACK_SECRET, GITHUB_SECRET, DISCOURSE_SECRET = "e2e-slack", "e2e-github", "e2e-discourse"
BOT_LOGIN = "devrel-bot"


@dataclass
class PlatformApi:
    """Stand-in for the four platform APIs; `fail[path] = n` makes the next n calls there a 503."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, call: Call) -> tuple[int, Any]:
        with self.lock:
            self.calls.append(call)
            if self.fail.get(call.path, 0) > 0:
                self.fail[call.path] -= 1
                return 503, {"message": "try later"}
        path = call.path
        if path == "/slack/api/chat.postMessage":
            return 200, {"ok": True, "channel": call.json()["channel"], "ts": f"{time.time():.6f}"}
        if path == "/slack/api/reactions.add":
            return 200, {"ok": True}
        if path.startswith("/slack/hooks/"):
            return 200, b"ok"
        if path.startswith("/discord/api/v10/webhooks/"):
            return 200, {"id": str(uuid.uuid4().int)[:18], "content": call.json()["content"]}
        if path == "/discourse/posts.json":
            # A reply names its topic; a post with a title opens a new one.
            topic = call.json().get("topic_id") or 5000 + len(self.calls)
            return 200, {"id": 900 + len(self.calls), "topic_id": topic, "topic_slug": "t"}
        if re.fullmatch(r"/github/repos/[^/]+/[^/]+/issues/\d+/comments", path):
            return 201, {"id": len(self.calls), "body": call.json()["body"], "user": {"login": BOT_LOGIN}}
        return 404, {"message": f"no such endpoint {path}"}

    def received(self, path: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received(path)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.received(path)


@pytest.fixture
def platform_api(stand_in_server: Any) -> PlatformApi:
    api = PlatformApi()

    def answer(got: Any) -> tuple[int, Any, dict[str, str]]:
        return (*api.answer(got), {})

    api.url = stand_in_server(answer)
    return api


@pytest.fixture
def app(serve_factory: Any, platform_api: PlatformApi) -> Any:
    env = {
        "DEVREL_SLACK_SIGNING_SECRET": SLACK_SECRET,
        "DEVREL_SLACK_BOT_TOKEN": "xoxb-e2e",
        "DEVREL_SLACK_API_URL": f"{platform_api.url}/slack/api/",
        "DEVREL_DISCORD_PUBLIC_KEY": DISCORD_VECTORS["rfc8032_test1"]["public_key_hex"],
        "DEVREL_DISCORD_API_URL": f"{platform_api.url}/discord/api/v10",
        "DEVREL_DISCOURSE_WEBHOOK_SECRET": DISCOURSE_SECRET,
        "DEVREL_DISCOURSE_API_KEY": "discourse-key",
        "DEVREL_DISCOURSE_API_USERNAME": BOT_LOGIN,
        "DEVREL_DISCOURSE_URL": f"{platform_api.url}/discourse",
        "DEVREL_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
        "DEVREL_GITHUB_TOKEN": "ghp_e2e",
        "DEVREL_GITHUB_API_URL": f"{platform_api.url}/github",
        "DEVREL_GITHUB_BOT_LOGIN": BOT_LOGIN,
        # One quick in-worker attempt, so the queue's own retries and dead-lettering show.
        "DEVREL_REPLY_ATTEMPTS": "1",
    }
    return serve_factory(env, "--no-schedules", "--no-llm", "--visibility-timeout", "2")


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def slack_headers(body: bytes, secret: str = SLACK_SECRET, **extra: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "content-type": "application/json",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": slack.signature_for(secret, timestamp, body),
        **extra,
    }


def discord_headers(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = DISCORD_KEY.sign(timestamp.encode() + body).signature.hex()
    return {
        "content-type": "application/json",
        "x-signature-ed25519": signature,
        "x-signature-timestamp": timestamp,
    }


def count_rows(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute(sql).fetchone()[0])
        except sqlite3.OperationalError:  # the table does not exist yet: nothing was written
            return 0


# --- Slack ---------------------------------------------------------------------------------------


def test_slack_mention_is_answered_once_in_its_thread(app: Any, platform_api: PlatformApi) -> None:
    payload = json.loads((FIXTURES / "slack" / "events__valid_event_body.json").read_text())
    ts = f"{time.time():.6f}"
    payload["event"].update(ts=ts, event_ts=ts, text="<@W111> how do I install the CLI?")
    body = json.dumps(payload).encode()
    # The first delivery and four retries (Slack re-sends when an ack is slow or lost).
    for retry in range(5):
        extra = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"} if retry else {}
        status, _ = post(f"{app.url}/slack/events", body, slack_headers(body, **extra))
        assert status == 200
    # The same post as a `message` event with its own event_id is a duplicate as well.
    as_message = {**payload, "event_id": "Ev-other", "event": {**payload["event"], "type": "message"}}
    message_body = json.dumps(as_message).encode()
    assert post(f"{app.url}/slack/events", message_body, slack_headers(message_body))[0] == 200

    [reply] = platform_api.wait_for("/slack/api/chat.postMessage")
    sent = reply.json()
    assert (sent["channel"], sent["thread_ts"]) == ("C111", ts)
    assert reply.headers["authorization"] == "Bearer xoxb-e2e"
    assert sent["blocks"][0]["type"] == "section" and sent["text"]
    assert platform_api.received("/slack/api/reactions.add")  # the "working on it" reaction
    time.sleep(2.5)  # past one visibility timeout: nothing is posted twice
    assert len(platform_api.received("/slack/api/chat.postMessage")) == 1


def test_slack_forged_request_is_rejected_and_stores_nothing(app: Any, platform_api: PlatformApi) -> None:
    body = (FIXTURES / "slack" / "events__valid_event_body.json").read_bytes()
    assert post(f"{app.url}/slack/events", body, slack_headers(body, secret="forged"))[0] == 401
    stale = slack_headers(body)
    stale["x-slack-request-timestamp"] = str(int(time.time()) - 600)
    stale["x-slack-signature"] = slack.signature_for(SLACK_SECRET, stale["x-slack-request-timestamp"], body)
    assert post(f"{app.url}/slack/events", body, stale)[0] == 401
    assert count_rows(app.data_dir / "store.sqlite", "SELECT COUNT(*) FROM items") == 0
    challenge = (FIXTURES / "slack" / "events_url_verification__event_body.json").read_bytes()
    status, answer = post(f"{app.url}/slack/events", challenge, slack_headers(challenge))
    assert (status, json.loads(answer)["challenge"]) == (200, json.loads(challenge)["challenge"])


def test_slack_slash_command_answers_through_its_response_url(app: Any, platform_api: PlatformApi) -> None:
    form = {
        "team_id": "T1",
        "channel_id": "C9",
        "user_id": "U7",
        "user_name": "ada",
        "command": "/devrel",
        "text": "ask where are the docs?",
        "trigger_id": f"{uuid.uuid4()}",
        "response_url": f"{platform_api.url}/slack/hooks/commands/T1/1/x",
    }
    body = urlencode(form).encode()
    headers = slack_headers(body)
    headers["content-type"] = "application/x-www-form-urlencoded"
    status, answer = post(f"{app.url}/slack/commands", body, headers)
    assert status == 200 and json.loads(answer)["response_type"] == "ephemeral"
    [reply] = platform_api.wait_for("/slack/hooks/commands/T1/1/x")
    assert reply.json()["response_type"] == "in_channel"


# --- Discord -------------------------------------------------------------------------------------


def test_discord_ask_is_deferred_then_the_original_response_is_edited(app: Any, platform_api: PlatformApi) -> None:
    ping = (FIXTURES / "discord" / "interactions-js__ping.json").read_bytes()
    assert post(f"{app.url}/discord/interactions", ping, discord_headers(ping)) == (200, b'{"type":1}')
    forged = discord_headers(ping)
    forged["x-signature-ed25519"] = "00" * 64
    assert post(f"{app.url}/discord/interactions", ping, forged)[0] == 401

    interaction = json.loads((FIXTURES / "discord" / "application-commands__03__example-interaction.json").read_text())
    interaction.update(id=str(uuid.uuid4().int)[:19], application_id="775799577604522054")
    interaction["data"] = {
        "type": 1,
        "name": "ask",
        "id": "1",
        "options": [{"type": 3, "name": "question", "value": "How do I run the tests?"}],
    }
    body = json.dumps(interaction).encode()
    for _ in range(5):
        status, answer = post(f"{app.url}/discord/interactions", body, discord_headers(body))
        assert (status, json.loads(answer)) == (200, {"type": 5})

    original = "/discord/api/v10/webhooks/775799577604522054/A_UNIQUE_TOKEN/messages/@original"
    [edit] = platform_api.wait_for(original)
    assert edit.method == "PATCH"
    assert edit.json()["content"] and len(edit.json()["content"]) <= 2000
    assert edit.json()["components"][0]["components"][0]["custom_id"].startswith("feedback:up:")
    time.sleep(2.5)
    assert len(platform_api.received(original)) == 1


# --- Discourse -----------------------------------------------------------------------------------


def discourse_post(post_id: int, topic_id: int, username: str = "alice") -> bytes:
    return json.dumps(
        {
            "post": {
                "id": post_id,
                "username": username,
                "raw": "How do I configure the cache?",
                "post_number": 1,
                "post_type": 1,
                "topic_id": topic_id,
                "topic_title": "Cache configuration",
                "user_id": 12,
            }
        }
    ).encode()


def discourse_headers(body: bytes, secret: str = DISCOURSE_SECRET) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-discourse-event": "post_created",
        "x-discourse-event-type": "post",
        "x-discourse-event-id": str(uuid.uuid4()),
        "x-discourse-event-signature": signatures.signature_for(secret, body),
    }


def test_discourse_question_gets_a_reply_in_its_topic_and_own_posts_do_not(
    app: Any,
    platform_api: PlatformApi,
) -> None:
    own = discourse_post(500, 70, username=BOT_LOGIN)
    assert post(f"{app.url}/discourse/webhook", own, discourse_headers(own))[0] == 200
    body = discourse_post(501, 71)
    for _ in range(5):
        assert post(f"{app.url}/discourse/webhook", body, discourse_headers(body))[0] == 200
    assert post(f"{app.url}/discourse/webhook", body, discourse_headers(body, secret="forged"))[0] == 401

    [reply] = platform_api.wait_for("/discourse/posts.json")
    assert reply.json()["topic_id"] == 71 and reply.json()["reply_to_post_number"] == 1
    assert (reply.headers["api-key"], reply.headers["api-username"]) == ("discourse-key", BOT_LOGIN)
    time.sleep(2.5)
    assert [call.json()["topic_id"] for call in platform_api.received("/discourse/posts.json")] == [71]


def test_failed_posts_are_retried_by_the_queue_then_succeed_once(app: Any, platform_api: PlatformApi) -> None:
    platform_api.fail["/discourse/posts.json"] = 2
    body = discourse_post(502, 72)
    assert post(f"{app.url}/discourse/webhook", body, discourse_headers(body))[0] == 200
    calls = platform_api.wait_for("/discourse/posts.json", count=3, timeout=30)
    assert len(calls) == 3  # two 503s, each retried after the visibility timeout, then success
    time.sleep(2.5)
    assert len(platform_api.received("/discourse/posts.json")) == 3


@pytest.mark.slow
def test_a_reply_that_never_gets_through_is_dead_lettered(app: Any, platform_api: PlatformApi) -> None:
    platform_api.fail["/discourse/posts.json"] = 1000
    body = discourse_post(503, 73)
    assert post(f"{app.url}/discourse/webhook", body, discourse_headers(body))[0] == 200
    dead_letters = "SELECT COUNT(*) FROM messages WHERE queue = 'WorkDeadLetterQueue'"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and count_rows(app.data_dir / "queue.sqlite", dead_letters) == 0:
        time.sleep(0.25)
    assert count_rows(app.data_dir / "queue.sqlite", dead_letters) == 1
    assert len(platform_api.received("/discourse/posts.json")) == 5  # maxReceiveCount in template.yaml


# --- GitHub --------------------------------------------------------------------------------------


def github_delivery(event: str, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": str(uuid.uuid4()),
        "x-hub-signature-256": signatures.signature_for(GITHUB_SECRET, body),
    }


def test_github_mention_is_answered_on_the_issue_and_the_bot_never_answers_itself(
    app: Any,
    platform_api: PlatformApi,
) -> None:
    payload = json.loads((FIXTURES / "github" / "issue_comment.created.0.json").read_text())
    payload["comment"]["body"] = f"@{BOT_LOGIN} how do I enable debug logging?"
    body = json.dumps(payload).encode()
    headers = github_delivery("issue_comment", body)
    for _ in range(5):  # redeliveries of one delivery
        assert post(f"{app.url}/github/webhook", body, headers)[0] == 202
    own = json.loads(json.dumps(payload))
    own["comment"]["body"] = f"@{BOT_LOGIN} quoting myself"
    own["sender"] = {"login": BOT_LOGIN, "id": 99, "type": "User"}
    own_body = json.dumps(own).encode()
    assert post(f"{app.url}/github/webhook", own_body, github_delivery("issue_comment", own_body))[0] == 202

    repo, number = payload["repository"]["full_name"], payload["issue"]["number"]
    path = f"/github/repos/{repo}/issues/{number}/comments"
    [comment] = platform_api.wait_for(path)
    assert comment.headers["authorization"] == "token ghp_e2e"
    assert comment.json()["body"]
    time.sleep(2.5)
    assert len(platform_api.received(path)) == 1
