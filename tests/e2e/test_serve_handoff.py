"""Hand-off end to end through `devrel serve`: a signed Slack mention asking for a person, the worker,
and two posts arriving at a stand-in of Slack's API over real HTTP (slack-sdk): the question quoted in
the maintainers' channel, and the asker told in their thread."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devrel.platforms import slack

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SLACK_SECRET = "e2e-handoff"


@dataclass
class SlackApi:
    url: str = ""
    posted: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, body: bytes) -> tuple[int, Any]:
        if path == "/slack/api/chat.postMessage":
            with self.lock:
                self.posted.append(json.loads(body))
            return 200, {"ok": True, "channel": json.loads(body)["channel"], "ts": f"{time.time():.6f}"}
        return 200, {"ok": True}  # reactions.add

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.posted) < count:
            time.sleep(0.05)
        with self.lock:
            return list(self.posted)


@pytest.fixture
def slack_api(stand_in_server: Any) -> SlackApi:
    api = SlackApi()
    api.url = stand_in_server(lambda got: (*api.answer(got.path, got.body), {}))
    return api


def test_a_request_for_a_person_reaches_the_maintainers_channel_and_the_asker_is_told(
        serve_factory: Any, slack_api: SlackApi) -> None:
    app = serve_factory({"DEVREL_SLACK_SIGNING_SECRET": SLACK_SECRET, "DEVREL_SLACK_BOT_TOKEN": "xoxb-e2e",
                         "DEVREL_SLACK_API_URL": f"{slack_api.url}/slack/api/",
                         "DEVREL_HANDOFF_SLACK_CHANNEL": "CMAINT"}, "--no-schedules", "--no-llm")
    payload = json.loads((FIXTURES / "slack" / "events__valid_event_body.json").read_text())
    ts = f"{time.time():.6f}"
    payload["event"].update(ts=ts, event_ts=ts, text="<@W111> can I talk to a human about <!channel> licensing?")
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    headers = {"content-type": "application/json", "x-slack-request-timestamp": stamp,
               "x-slack-signature": slack.signature_for(SLACK_SECRET, stamp, body)}
    with urllib.request.urlopen(urllib.request.Request(f"{app.url}/slack/events", data=body, headers=headers,
                                                       method="POST"), timeout=30) as response:
        assert response.status == 200
    handed, told = slack_api.wait_for(2)
    assert handed["channel"] == "CMAINT" and "licensing" in handed["text"]
    assert "<!channel>" not in handed["text"]  # escaped: it notifies nobody in the maintainers' channel
    assert (told["channel"], told["thread_ts"]) == ("C111", ts)
    assert "passed your question to the maintainers" in told["text"]
    assert "posted" in app.wait_for_output("[activity] handoff")
