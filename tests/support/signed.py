"""Signed requests for every webhook route, as each platform signs them, and the handler behind each
route: what the fuzz, hardening and prompt-injection tests send."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from nacl.signing import SigningKey

from devrel.handlers.discord_interactions import handle_discord_interaction
from devrel.handlers.discourse_webhook import handle_discourse_webhook
from devrel.handlers.github_webhook import handle_github_webhook
from devrel.handlers.slack_events import handle_slack
from devrel.http import HttpRequest, HttpResponse
from devrel.platforms import signatures, slack
from devrel.runtime import Services

NOW = 1_700_000_000
GITHUB_SECRET = "signed-github-secret"
SLACK_SECRET = "signed-slack-secret"
DISCOURSE_SECRET = "signed-discourse-secret"
DISCORD_KEY = SigningKey(bytes(range(32)))
DISCORD_PUBLIC_KEY = DISCORD_KEY.verify_key.encode().hex()

# The settings that make every route verify the requests built here.
SIGNING_SETTINGS: dict[str, Any] = {
    "github_webhook_secret": GITHUB_SECRET,
    "slack_signing_secret": SLACK_SECRET,
    "discord_public_key": DISCORD_PUBLIC_KEY,
    "discourse_webhook_secret": DISCOURSE_SECRET,
    "discord_application_id": "app-1",
    "github_bot_login": "devrel-bot",
    "discourse_api_username": "devrel",
}

Handler = Callable[[HttpRequest, Services], HttpResponse]


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    handler: Handler


ROUTES: dict[str, Route] = {
    route.name: route
    for route in (
        Route("github", "/github/webhook", handle_github_webhook),
        Route("slack_events", "/slack/events", handle_slack),
        Route("slack_commands", "/slack/commands", handle_slack),
        Route("slack_interactivity", "/slack/interactivity", handle_slack),
        Route("discord", "/discord/interactions", handle_discord_interaction),
        Route("discourse", "/discourse/webhook", handle_discourse_webhook),
    )
}


def sign(route: str, body: bytes, headers: dict[str, str] | None = None, timestamp: str | None = None) -> HttpRequest:
    """`body` signed for `route` with the secrets in SIGNING_SETTINGS; `headers` add to (or replace)
    the platform's own, `timestamp` replaces the signed timestamp (Slack, Discord)."""
    stamp = timestamp if timestamp is not None else str(NOW)
    own: dict[str, str]
    if route == "github":
        own = {"x-github-event": "issues", "x-github-delivery": "d-1",
               "x-hub-signature-256": signatures.signature_for(GITHUB_SECRET, body)}
    elif route.startswith("slack_"):
        own = {"x-slack-request-timestamp": stamp, "x-slack-signature": slack.signature_for(SLACK_SECRET, stamp, body)}
    elif route == "discord":
        signature = DISCORD_KEY.sign(stamp.encode("utf-8", "surrogateescape") + body).signature.hex()
        own = {"x-signature-ed25519": signature, "x-signature-timestamp": stamp}
    elif route == "discourse":
        own = {"x-discourse-event": "post_created", "x-discourse-event-id": "1",
               "x-discourse-event-signature": signatures.signature_for(DISCOURSE_SECRET, body)}
    else:
        raise KeyError(route)
    return HttpRequest("POST", ROUTES[route].path, {**own, **{k.lower(): v for k, v in (headers or {}).items()}},
                       body)


def handle(route: str, request: HttpRequest, services: Services) -> HttpResponse:
    return ROUTES[route].handler(request, services)


def body_for(route: str, payload: Any) -> bytes:
    """The wire body for a payload: JSON, or the form encoding Slack uses for commands and interactivity
    (a dict of fields for commands, anything else is sent as JSON; any JSON value, put in the `payload`
    field, for interactivity)."""
    if route == "slack_commands" and isinstance(payload, dict):
        return urlencode({str(k): str(v) for k, v in dict(payload).items()}).encode()
    if route == "slack_interactivity":
        return urlencode({"payload": json.dumps(payload)}).encode()
    return json.dumps(payload).encode()


# One plausible payload per route, with the fields the converters read (mutated by the fuzz tests).
SAMPLES: dict[str, Any] = {
    "github": {
        "action": "opened",
        "issue": {"number": 7, "title": "Crash on start", "body": "It crashes.", "labels": [{"name": "bug"}],
                  "html_url": "https://github.com/acme/widget/issues/7", "author_association": "FIRST_TIMER"},
        "repository": {"full_name": "acme/widget"},
        "sender": {"login": "octocat", "id": 1, "type": "User"},
        "installation": {"id": 42},
    },
    "slack_events": {
        "type": "event_callback", "team_id": "T1", "event_id": "Ev1",
        "authorizations": [{"is_bot": True, "user_id": "UBOT"}],
        "event": {"type": "app_mention", "user": "U1", "text": "<@UBOT> how do I install?", "ts": "1700.1",
                  "channel": "C1", "channel_type": "channel"},
    },
    "slack_commands": {"command": "/devrel", "text": "ask how do I install?", "trigger_id": "tr1",
                       "channel_id": "C1", "team_id": "T1", "user_id": "U1", "user_name": "ada",
                       "response_url": "https://hooks.slack.com/commands/T1/1/secret"},
    "slack_interactivity": {
        "type": "block_actions", "trigger_id": "tr2", "user": {"id": "U1", "username": "ada", "team_id": "T1"},
        "team": {"id": "T1"}, "container": {"channel_id": "C1", "message_ts": "1700.2", "thread_ts": "1700.1"},
        "response_url": "https://hooks.slack.com/actions/T1/2/secret",
        "actions": [{"action_id": "feedback_up", "value": "d-9", "action_ts": "1700.3"}],
    },
    "discord": {
        "type": 2, "id": "i1", "token": "interaction-token", "application_id": "app-1", "channel_id": "ch1",
        "guild_id": "g1", "member": {"user": {"id": "u1", "username": "ada"}},
        "data": {"name": "ask", "type": 1, "options": [{"type": 3, "name": "question", "value": "How?"}]},
    },
    "discourse": {
        "post": {"id": 11, "topic_id": 5, "post_number": 1, "username": "ada", "user_id": 3, "post_type": 1,
                 "raw": "How do I install it?", "topic_title": "Install"},
    },
}
