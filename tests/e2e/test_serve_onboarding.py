"""Onboarding end to end through `devrel serve`: a signed Slack `team_join` in, the onboarding state
machine run by the local executor, and the welcome arriving as a direct message at a stand-in of
Slack's API over real HTTP (slack-sdk); in dry-run nothing arrives and the activity log says why."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from devrel.platforms import slack

SLACK_SECRET = "e2e-onboarding"


def post_signed(url: str, body: bytes) -> int:
    timestamp = str(int(time.time()))
    headers = {"content-type": "application/json", "x-slack-request-timestamp": timestamp,
               "x-slack-signature": slack.signature_for(SLACK_SECRET, timestamp, body)}
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers, method="POST"),
                                timeout=30) as response:
        return int(response.status)


@dataclass
class SlackApi:
    url: str = ""
    calls: list[tuple[str, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, body: bytes) -> tuple[int, Any]:
        with self.lock:
            self.calls.append((path, body))
        if path == "/slack/api/conversations.open":
            return 200, {"ok": True, "channel": {"id": "D-welcome"}}
        if path == "/slack/api/chat.postMessage":
            return 200, {"ok": True, "channel": json.loads(body)["channel"], "ts": f"{time.time():.6f}"}
        return 404, {"ok": False, "error": "unknown_method"}

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.calls]


@pytest.fixture
def slack_api(stand_in_server: Any) -> SlackApi:
    api = SlackApi()
    api.url = stand_in_server(lambda got: (*api.answer(got.path, got.body), {}))
    return api


def serve(serve_factory: Any, slack_api: SlackApi, **extra: str) -> Any:
    env = {"DEVREL_SLACK_SIGNING_SECRET": SLACK_SECRET, "DEVREL_SLACK_BOT_TOKEN": "xoxb-e2e",
           "DEVREL_SLACK_API_URL": f"{slack_api.url}/slack/api/", **extra}
    return serve_factory(env, "--no-schedules", "--no-llm")


def team_join(user: str) -> bytes:
    return json.dumps({"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": f"Ev{uuid.uuid4().hex[:10]}", "event_time": int(time.time()),
                       "event": {"type": "team_join", "user": {"id": user, "name": "", "team_id": "T1"}}}).encode()


def test_a_slack_workspace_join_is_welcomed_by_direct_message(serve_factory: Any, slack_api: SlackApi) -> None:
    app = serve(serve_factory, slack_api)
    body = team_join("U-new")
    assert post_signed(f"{app.url}/slack/events", body) == 200
    line = app.wait_for_output("[activity] welcome")
    assert "posted" in line and "slack://user?team=T1&id=U-new" in line, line
    paths = slack_api.paths()
    assert paths == ["/slack/api/conversations.open", "/slack/api/chat.postMessage"]
    opened, posted = (body for _, body in slack_api.calls)
    assert b"users=U-new" in opened
    assert json.loads(posted)["channel"] == "D-welcome" and "Welcome" in json.loads(posted)["text"]


def test_onboarding_in_dry_run_posts_nothing_and_says_so_in_the_activity_log(serve_factory: Any,
                                                                            slack_api: SlackApi) -> None:
    app = serve(serve_factory, slack_api, DEVREL_ONBOARDING_DRY_RUN="true")
    body = team_join("U-dry")
    assert post_signed(f"{app.url}/slack/events", body) == 200
    line = app.wait_for_output("[activity] welcome")
    assert "dry-run" in line and "(dry run)" in line, line
    time.sleep(1)
    assert slack_api.paths() == []
