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

from devrel.handlers.discord_interactions import handle_discord_interaction
from devrel.http import HttpRequest
from devrel.knowledge.ingest import detect_origin, ingest
from devrel.ports import Store
from devrel.records import People
from devrel.runtime import Services
from devrel.usecases.handoff import ANSWERS_SOURCE
from support.fakes import HashingEmbedder, fake_services
from support.signed import DISCORD_KEY, DISCORD_PUBLIC_KEY
from support.slack_flow import deliver_slack_event, slack_command, work_off
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
        if request.path.startswith("/slack/respond/"):
            return 200, b"ok", {}  # a slash command's response_url
        if request.path.startswith("/discord/"):
            return 200, {"id": f"90000{len(received)}"}, {}
        return 200, {"ok": True}, {}  # reactions.add

    url, server = start_stand_in(answer)
    yield url, received
    server.shutdown()
    server.server_close()


@pytest.fixture
def services(tmp_path: Path, store: Store, clock: Any, slack_api: tuple[str, list[Received]]) -> Services:
    url, _ = slack_api
    services = fake_services(tmp_path, slack_signing_secret=SECRET, slack_bot_token="xoxb-handoff",
                             slack_api_url=f"{url}/slack/api/", handoff_slack_channel="CMAINT",
                             discord_public_key=DISCORD_PUBLIC_KEY, discord_bot_token="discord-bot-token",
                             discord_api_url=f"{url}/discord", discord_application_id="app-1",
                             handoff_discord_channel="DMAINT")
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
    url, received = slack_api
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
    assert "<!channel>" not in answer["text"]  # escaped: it notifies no one
    assert len([p for p in posted(received) if p["channel"] == "CMAINT"]) == 1  # no second hand-off

    # The asker asks to be forgotten: their question leaves the knowledge index with their records.
    indexed = services.knowledge_index.lexical("widget plugins license", 10, source=ANSWERS_SOURCE)
    assert any("Which license covers the widget plugins" in hit.chunk.text for hit in indexed)
    for text in ("forget", "forget confirm"):
        assert slack_command(services, SECRET, text, ASKER, f"{url}/slack/respond/{text.replace(' ', '-')}") == 200
    assert "vous êtes oublié" in received[-1].json()["text"]  # in the language of their profile
    assert services.knowledge_index.lexical("widget plugins license", 10, source=ANSWERS_SOURCE) == []
    left = list(services.store.scan())
    assert ASKER not in "\n".join(json.dumps([item.pk, item.sk, item.data]) for item in left)
    assert not [item for item in left if item.pk.startswith("handoff-post#")]  # their question, as handed off


def send_to_asker(services: Services, reply_id: str, post: str, author: dict[str, Any], content: str = ANSWER,
                  channel: str = "DMAINT") -> dict[str, Any]:
    """The "Send to the asker" message command on a reply in Discord, signed, then the worker."""
    body = json.dumps({"type": 2, "id": f"i-{reply_id}-{channel}", "token": "interaction-token",
                       "application_id": "app-1", "channel_id": channel, "guild_id": "G1",
                       "member": {"user": {"id": "D-GRACE", "username": "grace"}},
                       "data": {"name": "Send to the asker", "type": 3, "target_id": reply_id, "resolved": {
                           "messages": {reply_id: {"id": reply_id, "content": content, "author": author,
                                                   "message_reference": {"message_id": post}}}}}}).encode()
    stamp = str(int(services.clock()))
    signature = DISCORD_KEY.sign(stamp.encode() + body).signature.hex()
    response = handle_discord_interaction(HttpRequest("POST", "/discord/interactions", {
        "x-signature-ed25519": signature, "x-signature-timestamp": stamp}, body), services)
    assert response.status == 200
    work_off(services)
    return dict(json.loads(response.body))


def test_a_discord_reply_sent_to_the_asker_reaches_them_on_slack(
        services: Services, slack_api: tuple[str, list[Received]]) -> None:
    _, received = slack_api
    deliver(services, {"type": "app_mention", "user": ASKER, "text": f"<@UBOT> {QUESTION}", "ts": "1700.1",
                       "channel": "C1", "channel_type": "channel"}, "Ev1")
    [post] = [r for r in received if r.path == "/discord/channels/DMAINT/messages"]
    assert "Send to the asker" in post.json()["content"] and "licens" in post.json()["content"]
    post_id = f"90000{received.index(post) + 1}"
    grace = {"id": "D-GRACE", "username": "grace", "bot": False}

    assert send_to_asker(services, "R1", post_id, grace)["data"]["flags"] == 64  # seen by the maintainer alone
    relayed = posted(received)[-1]
    assert (relayed["channel"], relayed["thread_ts"]) == ("C1", "1700.1") and "**grace** (a maintainer)" in \
        relayed["text"] and "MIT licensed" in relayed["text"]
    count = len(posted(received))
    send_to_asker(services, "R1", post_id, grace)  # the same reply sent twice: once
    send_to_asker(services, "R2", post_id, {"id": "B1", "username": "devrel", "bot": True})  # a bot's message
    send_to_asker(services, "R3", "123456", grace)  # a reply to something that is no hand-off
    send_to_asker(services, "R4", post_id, grace, channel="GENERAL")  # outside the maintainers' channel
    assert len(posted(received)) == count
    assert [a.status for a in services.activity.latest(kind="handoff_answer")] == ["posted"]
