"""Mentions the assistant did not mean to make never reach a platform: Slack's <!channel> and <@U…>
control sequences, GitHub's and Discourse's @user, @org/team and @here, in model output or quoted
text. Mentions it composes on purpose (the issue author in a triage comment) stay."""

from __future__ import annotations

import re
from typing import Any

import pytest

from devrel.adapters import outbound_slack
from devrel.adapters.outbound_discourse import DiscoursePlatform
from devrel.adapters.outbound_github import GithubPlatform
from devrel.adapters.outbound_slack import SlackPlatform
from devrel.events import (
    DiscourseAddress,
    GithubAddress,
    InboundEvent,
    Question,
    Reply,
    SlackAddress,
)
from devrel.platforms import discord, github, slack
from devrel.usecases.triage_steps import IssueFacts, TriageConfig, compose_comment

HOSTILE = ("Sure! <!channel> <!here> <!everyone> <!subteam^S0123|@devs> <@U0123ABC> <@W9|bob> "
           "cc @everyone @here @channel @octocat @acme/security-team and [docs](https://x.io/a?b=1&c=2)")
# Slack control sequences that notify: special mentions, user groups and users.
SLACK_MENTION = re.compile(r"<\s*(?:!|@)")
# A GitHub or Discourse mention: @ not preceded by a word character, followed by a name.
AT_MENTION = re.compile(r"(?<![\w`/])@[A-Za-z0-9][\w-]*(?:/[\w.-]+)?")
FENCE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def at_mentions(markdown: str) -> list[str]:
    """Mentions outside code (GitHub and Discourse do not notify from code)."""
    return AT_MENTION.findall(FENCE.sub("", markdown))


# --- Slack ---------------------------------------------------------------------------------------


def test_slack_blocks_carry_no_mentions_from_the_reply() -> None:
    blocks = slack.reply_blocks(Reply(text=HOSTILE + "\n```\n<!here> in code\n```", sources=["https://x.io/<!here>"]),
                                feedback_for="d1")
    texts = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    texts += [element["text"] for block in blocks if block["type"] == "context" for element in block["elements"]]
    assert texts and not any(SLACK_MENTION.search(text) for text in texts), texts
    joined = "\n".join(texts)
    assert "&lt;!channel&gt;" in joined  # shown as text, not a mention
    assert "<https://x.io/a?b=1&amp;c=2|docs>" in joined  # the assistant's own links still work


class FakeWebClient:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, str]:
        self.calls.append(kwargs)
        return {"ts": "1.2"}


def test_slack_posts_no_mentions_in_the_notification_text_either() -> None:
    client = FakeWebClient()
    platform = SlackPlatform("xoxb-test", "https://slack.invalid/api/")
    platform.client_for = lambda team: client  # type: ignore[method-assign]
    event = InboundEvent(platform="slack", kind="slack.app_mention", delivery_id="m1", intent=Question(),
                         reply_to=SlackAddress(team="T", channel="C", thread_ts="1.0", message_ts="1.0"))
    platform.post_reply(event, Reply(text=HOSTILE))
    [call] = client.calls
    assert not SLACK_MENTION.search(call["text"]), call["text"]
    assert call.get("link_names") in (False, 0, None)


def test_slack_response_url_replies_carry_no_mentions(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[dict[str, Any]] = []

    class FakeWebhook:
        def __init__(self, url: str, **_: Any) -> None:
            pass

        def send(self, **kwargs: Any) -> Any:
            sent.append(kwargs)
            return type("Response", (), {"status_code": 200, "body": "ok"})()

    monkeypatch.setattr(outbound_slack, "WebhookClient", FakeWebhook)
    event = InboundEvent(platform="slack", kind="slack.command.ask", delivery_id="c1", intent=Question(),
                         reply_to=SlackAddress(team="T", channel="C", response_url="https://hooks.slack.com/x"))
    SlackPlatform("xoxb-test", "https://slack.invalid/api/").post_reply(event, Reply(text=HOSTILE))
    [payload] = sent
    texts = [payload["text"]] + [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert not any(SLACK_MENTION.search(text) for text in texts), texts


# --- GitHub and Discourse --------------------------------------------------------------------------


def test_github_reply_bodies_break_every_mention_outside_code() -> None:
    body = github.reply_body(Reply(text=HOSTILE + "\n\n```python\n@property\ndef x(self): ...\n```\nmail a@b.io",
                                   sources=["https://x.io/@octocat"]))
    assert at_mentions(body) == [], at_mentions(body)
    assert "@property" in body and "a@b.io" in body  # code and e-mail addresses are left as they are
    assert "octocat" in body and "acme/security-team" in body  # readable, just not a mention


class FakeIssue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def create_comment(self, body: str) -> Any:
        self.bodies.append(body)
        return type("Comment", (), {"id": 1})()


def test_github_platform_posts_the_neutralised_body() -> None:
    issue = FakeIssue()
    repo = type("Repo", (), {"get_issue": lambda self, number: issue})()
    client = type("Client", (), {"get_repo": lambda self, name: repo})()
    platform = GithubPlatform("https://github.invalid", token="t")
    platform.client = lambda repository, installation_id: client  # type: ignore[method-assign]
    event = InboundEvent(platform="github", kind="github.issue_comment.created", delivery_id="g1",
                         intent=Question(), reply_to=GithubAddress(repository="o/r", number=3))
    platform.post_reply(event, Reply(text=HOSTILE))
    [body] = issue.bodies
    assert at_mentions(body) == []


class RecordingApi:
    def __init__(self) -> None:
        self.payloads: list[Any] = []

    def request(self, method: str, path: str, payload: Any = None, params: Any = None) -> Any:
        self.payloads.append(payload)
        return {"id": 7}


def test_discourse_posts_break_every_mention() -> None:
    api = RecordingApi()
    platform = DiscoursePlatform("https://forum.invalid", "key", "devrel", api=api)  # type: ignore[arg-type]
    event = InboundEvent(platform="discourse", kind="discourse.post_created", delivery_id="post:1",
                         intent=Question(), reply_to=DiscourseAddress(topic_id=5, post_number=2))
    platform.post_reply(event, Reply(text=HOSTILE))
    [payload] = api.payloads
    assert at_mentions(payload["raw"]) == [], payload["raw"]


def test_discord_allows_no_mentions() -> None:
    for message in discord.reply_messages(Reply(text=HOSTILE), feedback_for="d1"):
        assert message["allowed_mentions"] == {"parse": []}


# --- triage comments: the author is mentioned on purpose, quoted titles are not ------------------


def test_triage_comments_mention_the_author_only() -> None:
    issue = IssueFacts(repository="o/r", number=5, title="Crash", body="It crashes.", author="alice")
    state = {"duplicates": {"result": {"candidates": [
        {"number": 2, "title": "Crash @acme/core-team please look, cc @bob", "score": 0.9, "url": None}]}}}
    comment = compose_comment(issue, state, TriageConfig())
    assert at_mentions(comment) == ["@alice"]
