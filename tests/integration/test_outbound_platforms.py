"""Outbound adapters over real HTTP: PyGithub, slack-sdk and requests talk to a stdlib HTTP server
standing in for each platform's API; the test checks what arrived on the wire."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devrel.adapters.outbound_discord import DiscordPlatform
from devrel.adapters.outbound_discourse import DiscoursePlatform
from devrel.adapters.outbound_github import GithubPlatform
from devrel.adapters.outbound_slack import SlackPlatform
from devrel.events import DiscordAddress, InboundEvent, Reply, SlackAddress
from devrel.platforms.outbound import PlatformError
from devrel.queue_messages import upgrade_legacy

Responder = Callable[["Seen"], tuple[int, Any, dict[str, str]]]


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class StandIn:
    """Answers each request with the first matching (method, path regex) rule; records everything."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    rules: list[tuple[str, re.Pattern[str], Responder]] = field(default_factory=list)

    def on(self, method: str, path: str, responder: Responder) -> None:
        self.rules.insert(0, (method, re.compile(path), responder))

    def answer(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        self.seen.append(seen)
        for method, pattern, responder in self.rules:
            if method == seen.method and pattern.fullmatch(seen.path):
                return responder(seen)
        return 404, {"message": "no rule"}, {}


@pytest.fixture
def api(stand_in_server: Any) -> StandIn:
    stand_in = StandIn()
    stand_in.url = stand_in_server(
        lambda got: stand_in.answer(Seen(got.method, got.path, got.query, got.headers, got.body)))
    return stand_in


def ok(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Responder:
    return lambda seen: (status, payload, headers or {})


def event(platform: str, kind: str, **data: Any) -> InboundEvent:
    """An event as its platform's converter would make it, from the converter's field names."""
    raw = {"platform": platform, "kind": kind, "delivery_id": "d-1", "thread": "t", "text": "q?", "data": data}
    return InboundEvent.model_validate(upgrade_legacy(raw))


# --- Slack ---------------------------------------------------------------------------------------


def test_slack_posts_block_kit_in_the_thread(api: StandIn) -> None:
    api.on("POST", "/api/chat.postMessage", ok({"ok": True, "channel": "C1", "ts": "1700.0001"}))
    platform = SlackPlatform("xoxb-test", f"{api.url}/api/")
    ts = platform.post_reply(
        event("slack", "slack.app_mention", team="T1", channel="C1", ts="1699.1", thread_ts="1699.1"),
        Reply(text="Use `pip`:\n```sh\npip install x\n```"),
    )
    assert ts == "1700.0001"
    [call] = api.seen
    assert call.headers["authorization"] == "Bearer xoxb-test"
    sent = call.json()
    assert (sent["channel"], sent["thread_ts"]) == ("C1", "1699.1")
    assert "```sh\npip install x\n```" in sent["blocks"][0]["text"]["text"]
    assert sent["blocks"][-1]["block_id"] == "feedback"


def test_slack_replaces_a_decided_message_without_buttons(api: StandIn) -> None:
    api.on("POST", "/api/chat.update", ok({"ok": True, "channel": "C1", "ts": "1699.1"}))
    platform = SlackPlatform("xoxb-test", f"{api.url}/api/")
    platform.update_message("C1", "1699.1", "Release v2.0: approved by maria, thanks @everyone")
    [call] = api.seen
    sent = call.json()
    assert (sent["channel"], sent["ts"]) == ("C1", "1699.1")
    assert [block["type"] for block in sent["blocks"]] == ["section"]  # the buttons are gone
    assert "approved by maria" in sent["text"] and "<!everyone>" not in json.dumps(sent)


def test_slack_redraws_an_edited_release_draft_with_its_buttons(api: StandIn) -> None:
    api.on("POST", "/api/chat.update", ok({"ok": True, "channel": "C1", "ts": "1699.1"}))
    platform = SlackPlatform("xoxb-test", f"{api.url}/api/")
    platform.update_message("C1", "1699.1", "Release v2.0 is drafted\n\n<!channel> new notes", approval="r-1")
    sent = api.seen[0].json()
    [buttons] = [block for block in sent["blocks"] if block["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in buttons["elements"]] == [
        ("release_approve", "r-1"), ("release_edit", "r-1"), ("release_reject", "r-1")]
    assert "<!channel>" not in json.dumps(sent)


def test_slack_opens_the_release_editor_and_an_expired_trigger_is_not_retried(api: StandIn) -> None:
    answers = iter([(200, {"ok": True, "view": {"id": "V42"}}, {}),
                    (200, {"ok": False, "error": "expired_trigger_id"}, {})])
    api.on("POST", "/api/views.open", lambda seen: next(answers))
    platform = SlackPlatform("xoxb-test", f"{api.url}/api/")
    notes = "# acme/widget v2.0\n\n" + "\n".join(f"- change {n}" for n in range(600))
    assert platform.open_release_editor("T1", "trig-1", "r-1", "acme/widget v2.0", notes) == "V42"
    sent = api.seen[0].json()
    view = sent["view"]
    assert sent["trigger_id"] == "trig-1" and view["private_metadata"] == "r-1"
    parts = [b["element"]["initial_value"] for b in view["blocks"] if b["type"] == "input"]
    assert len(parts) > 1 and "\n".join(parts) == notes  # the whole draft, in inputs of Slack's size
    with pytest.raises(PlatformError) as expired:
        platform.open_release_editor("T1", "trig-2", "r-1", "acme/widget v2.0", notes)
    assert not expired.value.retryable and "expired_trigger_id" in str(expired.value)
    assert len(api.seen) == 2


def test_slack_uses_the_workspace_token_when_installed(api: StandIn) -> None:
    api.on("POST", "/api/chat.postMessage", ok({"ok": True, "ts": "1"}))
    platform = SlackPlatform(None, f"{api.url}/api/", team_token={"T9": "xoxb-team9"}.get)
    platform.post_reply(event("slack", "slack.app_mention", team="T9", channel="C", ts="1"), Reply(text="hi"))
    assert api.seen[0].headers["authorization"] == "Bearer xoxb-team9"
    with pytest.raises(PlatformError) as missing:
        platform.post_reply(
            event("slack", "slack.app_mention", team="T0", channel="C", ts="1"), Reply(text="x")
        )
    assert not missing.value.retryable


def test_slack_slash_commands_answer_through_response_url(api: StandIn) -> None:
    api.on("POST", "/hooks/commands/T1/1/x", ok(b"ok", headers={"content-type": "text/plain"}))
    platform = SlackPlatform("xoxb-test", f"{api.url}/api/")
    platform.post_reply(
        event(
            "slack",
            "slack.command.ask",
            team="T1",
            channel="C1",
            response_url=f"{api.url}/hooks/commands/T1/1/x",
        ),
        Reply(text="answer"),
    )
    [call] = api.seen
    assert call.json()["response_type"] == "in_channel"


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [
        (200, "channel_not_found", False),
        (200, "internal_error", True),
        (500, "fatal_error", True),
    ],
)
def test_slack_errors_say_whether_a_retry_can_help(
    api: StandIn, status: int, error: str, retryable: bool
) -> None:
    api.on("POST", "/api/chat.postMessage", ok({"ok": False, "error": error}, status=status))
    platform = SlackPlatform("xoxb-test", f"{api.url}/api/")
    with pytest.raises(PlatformError) as raised:
        platform.post_reply(event("slack", "slack.app_mention", channel="C1", ts="1"), Reply(text="x"))
    assert raised.value.retryable is retryable


def test_slack_working_reaction_is_best_effort(api: StandIn) -> None:
    api.on("POST", "/api/reactions.add", ok({"ok": False, "error": "already_reacted"}))
    SlackPlatform("xoxb-test", f"{api.url}/api/").mark_working(
        event("slack", "slack.app_mention", channel="C1", ts="1699.1")
    )
    assert api.seen[0].form() == {"channel": "C1", "timestamp": "1699.1", "name": "eyes"}


def test_slack_welcomes_a_workspace_join_in_a_direct_message(api: StandIn) -> None:
    api.on("POST", "/api/conversations.open", ok({"ok": True, "channel": {"id": "D42"}}))
    api.on("POST", "/api/chat.postMessage", ok({"ok": True, "channel": "D42", "ts": "1700.2"}))
    join = InboundEvent(platform="slack", kind="slack.team_join", delivery_id="Ev1",
                        reply_to=SlackAddress(team="T1", user="U42"))
    assert SlackPlatform("xoxb-test", f"{api.url}/api/").post_reply(join, Reply(text="Welcome!")) == "1700.2"
    opened, posted = api.seen
    assert opened.path == "/api/conversations.open" and opened.form()["users"] == "U42"
    assert posted.json()["channel"] == "D42" and "thread_ts" not in posted.json()


# --- Discord -------------------------------------------------------------------------------------


def test_discord_edits_the_deferred_response_then_follows_up(api: StandIn) -> None:
    api.on("PATCH", "/api/v10/webhooks/app-1/tok/messages/@original", ok({"id": "m0"}))
    api.on("POST", "/api/v10/webhooks/app-1/tok", ok({"id": "m1"}))
    long_answer = "```py\n" + "\n".join(f"value_{i} = {i}" for i in range(400)) + "\n```"
    message_id = DiscordPlatform(f"{api.url}/api/v10").post_reply(
        event("discord", "discord.command.ask", application_id="app-1", token="tok"), Reply(text=long_answer)
    )
    assert message_id == "m1"
    assert [s.method for s in api.seen] == ["PATCH"] + ["POST"] * (len(api.seen) - 1)
    assert len(api.seen) >= 3
    assert all(s.query == {"wait": ["true"]} for s in api.seen[1:])
    contents = [s.json()["content"] for s in api.seen]
    assert all(len(c) <= 2000 and c.count("```") == 2 for c in contents)
    assert api.seen[0].json()["allowed_mentions"] == {"parse": []}


def test_discord_posts_the_assistants_own_messages_in_a_channel_with_the_bot_token(api: StandIn) -> None:
    api.on("POST", "/api/v10/channels/D9/messages", ok({"id": "m7"}))
    digest = InboundEvent(platform="discord", kind="discord.digest", delivery_id="digest-1",
                          reply_to=DiscordAddress(channel="D9"))
    platform = DiscordPlatform(f"{api.url}/api/v10", bot_token="bot-secret")
    assert platform.post_reply(digest, Reply(text="Weekly digest")) == "m7"
    [call] = api.seen
    assert call.headers["authorization"] == "Bot bot-secret"
    assert call.json()["allowed_mentions"] == {"parse": []}
    with pytest.raises(PlatformError) as no_token:
        DiscordPlatform(f"{api.url}/api/v10").post_reply(digest, Reply(text="x"))
    assert not no_token.value.retryable


def test_discord_reaches_one_person_by_direct_message_with_the_bot_token(api: StandIn) -> None:
    api.on("POST", "/api/v10/users/@me/channels", ok({"id": "DM7", "type": 1}))
    api.on("POST", "/api/v10/channels/DM7/messages", ok({"id": "m8"}))
    reminder = InboundEvent(platform="discord", kind="discord.command.onboard", delivery_id="i-1",
                            reply_to=DiscordAddress(application_id="app-1", channel="C5", user="U7"))
    platform = DiscordPlatform(f"{api.url}/api/v10", bot_token="bot-secret")
    assert platform.post_reply(reminder, Reply(text="Hi again!")) == "m8"
    opened, posted = api.seen
    assert opened.json() == {"recipient_id": "U7"} and opened.headers["authorization"] == "Bot bot-secret"
    assert posted.json()["content"] == "Hi again!"
    assert not any("webhooks" in seen.path for seen in api.seen)  # never the (expired) interaction token
    with pytest.raises(PlatformError) as no_token:
        DiscordPlatform(f"{api.url}/api/v10").post_reply(reminder, Reply(text="x"))
    assert not no_token.value.retryable and "bot token" in str(no_token.value)


def test_discord_waits_out_a_short_rate_limit(api: StandIn) -> None:
    calls = {"n": 0}

    def limited_once(seen: Seen) -> tuple[int, Any, dict[str, str]]:
        calls["n"] += 1
        if calls["n"] == 1:
            return 429, {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}, {}
        return 200, {"id": "m0"}, {}

    api.on("PATCH", "/api/v10/webhooks/app-1/tok/messages/@original", limited_once)
    started = time.monotonic()
    DiscordPlatform(f"{api.url}/api/v10").post_reply(
        event("discord", "discord.command.ask", application_id="app-1", token="tok"), Reply(text="hi")
    )
    assert calls["n"] == 2
    assert time.monotonic() - started >= 0.05


def test_discord_expired_token_is_not_retryable(api: StandIn) -> None:
    api.on("PATCH", "/api/v10/webhooks/app-1/tok/messages/@original", ok({"message": "Unknown Webhook"}, 404))
    with pytest.raises(PlatformError) as raised:
        DiscordPlatform(f"{api.url}/api/v10").post_reply(
            event("discord", "discord.command.ask", application_id="app-1", token="tok"), Reply(text="hi")
        )
    assert (raised.value.retryable, raised.value.status) == (False, 404)


# --- Discourse -----------------------------------------------------------------------------------


def test_discourse_posts_in_the_topic_with_api_key_headers(api: StandIn) -> None:
    api.on("POST", "/forum/posts.json", ok({"id": 99, "topic_id": 7}))
    platform = DiscoursePlatform(f"{api.url}/forum", "key-1", "devrel-bot")
    post_id = platform.post_reply(
        event("discourse", "discourse.post_created", topic_id=7, post_number=3),
        Reply(text="See the docs.", sources=["https://example.org/docs"]),
    )
    assert post_id == "99"
    [call] = api.seen
    assert (call.headers["api-key"], call.headers["api-username"]) == ("key-1", "devrel-bot")
    assert call.json() == {
        "topic_id": 7,
        "reply_to_post_number": 3,
        "raw": "See the docs.\n\n**Sources**\n- https://example.org/docs",
    }


def test_discourse_opens_a_topic_in_the_category(api: StandIn) -> None:
    api.on("POST", "/forum/posts.json", ok({"id": 100, "topic_id": 8, "topic_slug": "widget-2-0"}))
    platform = DiscoursePlatform(f"{api.url}/forum", "key-1", "devrel-bot")
    url = platform.create_topic("acme/widget v2.0 released", "Notes, thanks @team", 5)
    assert url == f"{api.url}/forum/t/widget-2-0/8"
    [call] = api.seen
    sent = call.json()
    assert (sent["title"], sent["category"]) == ("acme/widget v2.0 released", 5)
    assert "@team" not in sent["raw"] and "Notes" in sent["raw"]  # the mention is inert


def test_discourse_server_errors_are_retryable(api: StandIn) -> None:
    api.on("POST", "/posts.json", ok({"errors": ["boom"]}, 502))
    with pytest.raises(PlatformError) as raised:
        DiscoursePlatform(api.url, "k", "u").post_reply(
            event("discourse", "discourse.post_created", topic_id=1), Reply(text="x")
        )
    assert raised.value.retryable


# --- GitHub --------------------------------------------------------------------------------------

COMMENT = {
    "id": 1234,
    "body": "x",
    "html_url": "https://github.example/o/r/issues/5#issuecomment-1234",
    "user": {"login": "devrel-bot[bot]", "id": 1, "type": "Bot"},
}


def test_github_token_mode_comments_on_the_issue(api: StandIn) -> None:
    api.on("POST", "/api/v3/repos/octo/repo/issues/5/comments", ok(COMMENT, 201))
    platform = GithubPlatform(f"{api.url}/api/v3", token="ghp_test")
    comment_id = platform.post_reply(
        event("github", "github.issue_comment.created", repository="octo/repo", number=5),
        Reply(text="Answer", sources=["https://docs/x"]),
    )
    assert comment_id == "1234"
    [call] = api.seen  # lazy client: no GET of the repository or issue first
    assert call.headers["authorization"] == "token ghp_test"
    assert call.json() == {"body": "Answer\n\n**Sources**\n- https://docs/x"}


def test_github_app_mode_exchanges_a_jwt_for_a_cached_installation_token(api: StandIn) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    api.on(
        "POST",
        "/app/installations/77/access_tokens",
        ok({"token": "ghs_installation", "expires_at": expires}, 201),
    )
    api.on("POST", "/repos/octo/repo/issues/5/comments", ok(COMMENT, 201))
    platform = GithubPlatform(api.url, app_id="42", private_key=pem)
    for _ in range(2):
        platform.post_reply(
            event(
                "github", "github.issue_comment.created", repository="octo/repo", number=5, installation_id=77
            ),
            Reply(text="Answer"),
        )
    token_calls = [s for s in api.seen if s.path.endswith("/access_tokens")]
    comment_calls = [s for s in api.seen if s.path.endswith("/comments")]
    assert len(token_calls) == 1  # cached until it expires
    assert token_calls[0].headers["authorization"].startswith("Bearer ey")  # the app's JWT
    assert [c.headers["authorization"] for c in comment_calls] == ["token ghs_installation"] * 2


def test_github_discussions_are_answered_over_graphql(api: StandIn) -> None:
    def graphql(seen: Seen) -> tuple[int, Any, dict[str, str]]:
        sent = seen.json()
        if "addDiscussionComment" in sent["query"]:
            assert sent["variables"] == {"discussion": "D_kw1", "body": "Answer"}
            return 200, {"data": {"addDiscussionComment": {"comment": {"id": "DC_1", "url": "u"}}}}, {}
        assert sent["variables"] == {"owner": "octo", "name": "repo", "number": 9}
        return 200, {"data": {"repository": {"discussion": {"id": "D_kw1"}}}}, {}

    api.on("POST", "/graphql", graphql)
    platform = GithubPlatform(api.url, token="ghp_test")
    comment = platform.post_reply(
        event("github", "github.discussion.created", repository="octo/repo", number=9), Reply(text="Answer")
    )
    assert comment == "DC_1"
    assert len(api.seen) == 2


@pytest.mark.parametrize(("status", "retryable"), [(404, False), (422, False), (502, True)])
def test_github_errors_map_by_status(api: StandIn, status: int, retryable: bool) -> None:
    api.on("POST", "/repos/octo/repo/issues/5/comments", ok({"message": "nope"}, status))
    platform = GithubPlatform(api.url, token="ghp_test")
    with pytest.raises(PlatformError) as raised:
        platform.post_reply(
            event("github", "github.issue_comment.created", repository="octo/repo", number=5), Reply(text="x")
        )
    assert raised.value.retryable is retryable
    # PyGithub's own retries run first; once they are used up the status is no longer reported.
    assert raised.value.status in (status, None) if retryable else raised.value.status == status
