"""The work queue's message format: one `InboundEvent` as JSON.

Messages enqueued before typed intents existed carry `kind` + `data` instead of `intent` +
`reply_to`; a deployment may still hold some in its queue (or its dead-letter queue for a redrive),
so `read_message` upgrades them instead of letting them fail.
"""

from __future__ import annotations

import json
import re
from typing import Any

from devrel.events import InboundEvent
from devrel.platforms.text import looks_like_question

_ASKING = {"slack.app_mention", "slack.message.im", "slack.command.ask", "slack.shortcut.ask",
           "discord.command.ask", "discord.message_command.ask", "console.ask"}
_JOINS = {"slack.team_join", "slack.member_joined_channel", "discord.command.onboard"}
_ANSWERABLE = {"github.discussion.created", "github.discussion_comment.created",
               "github.pull_request_review_comment.created"}
_FIRST_TIMERS = {"FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER"}


def read_message(body: str, bot_login: str | None = None) -> InboundEvent:
    """The event in a queue message; raises ValueError for a body that is no event at all."""
    raw = json.loads(body)
    if not isinstance(raw, dict):
        raise ValueError("a queue message must be a JSON object")
    if "data" in raw and "intent" not in raw:
        raw = upgrade_legacy(raw, bot_login)
    return InboundEvent.model_validate(raw)


def _mentions(text: str, login: str | None) -> bool:
    return bool(login) and re.search(rf"@{re.escape(login or '')}\b", text, re.IGNORECASE) is not None


def _own(raw: dict[str, Any], login: str | None) -> bool:
    name = str((raw.get("actor") or {}).get("name") or "")
    return bool(login) and name.lower() == (login or "").lower()


def upgrade_legacy(raw: dict[str, Any], bot_login: str | None = None) -> dict[str, Any]:
    """A `kind` + `data` message as the typed event the converters produce today."""
    kind, platform = str(raw.get("kind", "")), raw.get("platform")
    data: dict[str, Any] = raw.get("data") or {}
    intent: dict[str, Any] = {"type": "activity"}
    address: dict[str, Any] = {"platform": platform}
    if platform == "slack":
        address |= {"team": data.get("team") or "", "channel": data.get("channel") or "",
                    "thread_ts": data.get("thread_ts"), "message_ts": data.get("ts"),
                    "response_url": data.get("response_url")}
    elif platform == "discord":
        address |= {k: str(data.get(k) or "") for k in ("application_id", "token", "channel", "guild")}
    elif platform == "github":
        address |= {"repository": data.get("repository") or "", "number": data.get("number"),
                    "installation_id": data.get("installation_id"), "discussion": kind.startswith("github.discussion")}
    elif platform == "discourse":
        address |= {"topic_id": data.get("topic_id"), "post_number": data.get("post_number")}

    if kind in _ASKING:
        intent = {"type": "question"}
    elif kind == "slack.message.thread":
        intent = {"type": "question", "addressed": "in_thread"}
    elif kind in ("slack.action.feedback_up", "slack.action.feedback_down", "discord.feedback"):
        vote = "up" if kind.endswith("up") or data.get("vote") == "up" else "down"
        intent = {"type": "feedback", "vote": vote, "answer": data.get("answer_delivery") or data.get("value")}
    elif kind in _JOINS:
        intent = {"type": "member_joined"}
    elif kind in ("slack.tokens_revoked", "slack.app_uninstalled"):
        intent = {"type": "install_revoked", "team": data.get("team") or ""}
    elif kind == "discourse.post_created":
        if data.get("mentions_assistant"):
            intent = {"type": "question"}
        elif data.get("is_question"):
            intent = {"type": "question", "addressed": "directly" if data.get("post_number") == 1 else "in_thread"}
    elif kind in ("github.issues.opened", "github.pull_request.opened"):
        first_time = data.get("author_association") in _FIRST_TIMERS
        common = {"repository": data.get("repository") or "", "number": data.get("number") or 0,
                  "title": data.get("title") or "", "html_url": data.get("html_url"), "first_time": first_time}
        intent = ({"type": "issue_opened", **common, "body": data.get("body") or "",
                   "labels": data.get("labels") or []}
                  if kind == "github.issues.opened" else {"type": "pull_request_opened", **common})
    elif kind.startswith("github.") and not _own(raw, bot_login):
        text = str(raw.get("text") or "")
        if kind == "github.issue_comment.created":
            intent = {"type": "question", "addressed": "directly" if _mentions(text, bot_login) else "overheard"}
        else:
            asks = looks_like_question(text) if kind == "github.discussion.created" else _mentions(text, bot_login)
            if kind in _ANSWERABLE and asks:
                intent = {"type": "question"}
    if platform == "console":
        address = {"platform": "console"}
    upgraded = {k: v for k, v in raw.items() if k != "data"}
    return upgraded | {"intent": intent, "reply_to": address}
