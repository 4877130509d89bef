"""A maintainer's answer in a hand-off thread goes back to the asker, on both Stores (SQLite, DynamoDB on
moto's server): signed Slack events through the webhook handler, the queue and the worker, the posts
through the real Slack adapter (slack-sdk) to a local HTTP stand-in of Slack's API; then the next person
asking the same gets the maintainer's answer from the assistant, out of the knowledge index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devrel.knowledge.ingest import detect_origin, ingest
from devrel.ports import Store
from devrel.records import People
from devrel.runtime import Services
from support.fakes import HashingEmbedder, fake_services
from support.slack_flow import deliver_slack_event
from support.stand_in import Received, start_stand_in

SECRET = "handoff-answers-secret"
ASKER, MAINTAINER, LATER = "U0ASKER1", "U0GRACE1", "U0LATER1"
QUESTION = "Can I talk to a human? Which license covers the widget plugins, @here"
ANSWER = "The plugins are MIT licensed, like the core. <!channel> @everyone see LICENSE in each plugin."


@pytest.fixture
def slack_api() -> Iterator[tuple[str, list[Received]]]:
    received: list[Received] = []

    def answer(request: Received) -> tuple[int, Any, dict[str, str]]:
        received.append(request)
        if request.path.endswith("chat.postMessage"):
            return 200, {"ok": True, "channel": request.json()["channel"], "ts": f"1800000000.{len(received):06d}"}, {}
        return 200, {"ok": True}, {}  # reactions.add

    url, server = start_stand_in(answer)
    yield url, received
    server.shutdown()
    server.server_close()


@pytest.fixture
def services(tmp_path: Path, store: Store, clock: Any, slack_api: tuple[str, list[Received]]) -> Services:
    url, _ = slack_api
    services = fake_services(tmp_path, slack_signing_secret=SECRET, slack_bot_token="xoxb-handoff",
                             slack_api_url=f"{url}/slack/api/", handoff_slack_channel="CMAINT")
    services.store, services.clock = store, clock
    services.embedder = HashingEmbedder()  # type: ignore[assignment]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "install.md").write_text("# Install\n\nRun pip install widget to install the widget.\n")
    ingest(docs, detect_origin(docs, source="docs"), services.knowledge_index, services.embedder)
    return services


def deliver(services: Services, event: dict[str, Any], event_id: str) -> None:
    deliver_slack_event(services, SECRET, event, event_id)


def posted(received: list[Received]) -> list[dict[str, Any]]:
    return [r.json() for r in received if r.path.endswith("chat.postMessage")]


def test_a_maintainers_reply_in_the_hand_off_thread_reaches_the_asker_once_and_answers_the_next_person(
        services: Services, slack_api: tuple[str, list[Received]]) -> None:
    _, received = slack_api
    People(services.store, services.clock).save_profile("slack", ASKER, {"language": "fr"})
    deliver(services, {"type": "app_mention", "user": ASKER, "text": f"<@UBOT> {QUESTION}", "ts": "1700.1",
                       "channel": "C1", "channel_type": "channel"}, "Ev1")
    handed, told = posted(received)
    assert handed["channel"] == "CMAINT" and "Reply in this thread" in handed["text"]
    assert (told["channel"], told["thread_ts"]) == ("C1", "1700.1")
    post_ts = f"1800000000.{received.index(next(r for r in received if r.path.endswith('chat.postMessage'))) + 1:06d}"

    def reply(ts: str, event_id: str, **fields: Any) -> None:
        deliver(services, {"type": "message", "user": MAINTAINER, "text": ANSWER, "ts": ts, "thread_ts": post_ts,
                           "channel": "CMAINT", "channel_type": "channel",
                           "user_profile": {"display_name": "grace", "real_name": "Grace Hopper"}, **fields}, event_id)

    reply("1800000100.000001", "Ev2")
    relayed = posted(received)[-1]
    assert (relayed["channel"], relayed["thread_ts"]) == ("C1", "1700.1")  # where they asked
    assert "grace" in relayed["text"] and "a répondu à votre question" in relayed["text"]  # their language
    assert "MIT licensed" in relayed["text"]
    assert "<!channel>" not in relayed["text"] and "@everyone" not in relayed["text"]  # quoted, made inert
    [entry] = services.activity.latest(kind="handoff_answer")
    assert entry.status == "posted" and "grace answered" in entry.reason and entry.platform == "slack"

    count = len(posted(received))
    reply("1800000100.000001", "Ev2-again")  # Slack's retry of the same message: relayed once
    reply("1800000100.000002", "Ev3", bot_id="B1", user="UBOT")  # the assistant's own post: not an answer
    deliver(services, {"type": "message", "user": MAINTAINER, "text": "unrelated", "ts": "1800000200.000001",
                       "thread_ts": "1799999999.000001", "channel": "CMAINT", "channel_type": "channel"}, "Ev4")
    assert len(posted(received)) == count and len(services.activity.latest(kind="handoff_answer")) == 1

    # The next person, elsewhere, asks the same: the maintainer's answer comes from the assistant.
    deliver(services, {"type": "app_mention", "user": LATER, "text": "<@UBOT> Which license covers the widget "
                       "plugins?", "ts": "1900.1", "channel": "C2", "channel_type": "channel"}, "Ev5")
    answer = posted(received)[-1]
    assert answer["channel"] == "C2" and "MIT licensed" in json.dumps(answer)
    assert len([p for p in posted(received) if p["channel"] == "CMAINT"]) == 1  # no second hand-off
