"""GitHub webhooks: conversion of deliveries to typed events (the HMAC check is platforms/signatures.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from devrel.events import (
    Activity,
    Actor,
    GithubAddress,
    InboundEvent,
    Intent,
    IssueOpened,
    PullRequestOpened,
    Question,
)
from devrel.platforms.text import looks_like_question

# event -> actions the assistant acts on (None: every action).
HANDLED_EVENTS: dict[str, frozenset[str] | None] = {
    "issues": frozenset({"opened", "edited", "closed", "reopened", "labeled"}),
    "issue_comment": frozenset({"created"}),
    "pull_request": frozenset({"opened", "synchronize", "closed", "reopened"}),
    "pull_request_review_comment": frozenset({"created"}),
    "release": frozenset({"published"}),
    "discussion": frozenset({"created", "answered"}),
    "discussion_comment": frozenset({"created"}),
    "member": frozenset({"added"}),
    "installation": None,
    "installation_repositories": None,
}
# Contributors GitHub marks as new to the repository: their first issue or PR starts onboarding.
FIRST_TIMER_ASSOCIATIONS = frozenset({"FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER"})


def _actor(user: Mapping[str, Any] | None) -> Actor | None:
    if not user:
        return None
    login = str(user.get("login", ""))
    is_bot = user.get("type") == "Bot" or login.endswith("[bot]")
    return Actor(id=str(user.get("id", login)), name=login, is_bot=is_bot)


def mentions(text: str, login: str | None) -> bool:
    return bool(login) and re.search(rf"@{re.escape(login or '')}\b", text, re.IGNORECASE) is not None


def _intent(
    event_name: str, action: str, payload: Mapping[str, Any], actor: Actor | None, text: str, bot_login: str | None
) -> Intent:
    subject: Mapping[str, Any] = payload.get("issue") or payload.get("pull_request") or {}
    repository = str((payload.get("repository") or {}).get("full_name", ""))
    association = (payload.get("comment") or subject).get("author_association")
    first_time = association in FIRST_TIMER_ASSOCIATIONS
    if event_name == "issues" and action == "opened":
        return IssueOpened(
            repository=repository,
            number=int(subject.get("number") or 0),
            title=str(subject.get("title") or ""),
            body=str(subject.get("body") or ""),
            labels=[str(label.get("name")) for label in subject.get("labels") or [] if isinstance(label, dict)],
            html_url=subject.get("html_url"),
            first_time=first_time,
        )
    if event_name == "pull_request" and action == "opened":
        return PullRequestOpened(repository=repository, number=int(subject.get("number") or 0),
                                 title=str(subject.get("title") or ""), html_url=subject.get("html_url"),
                                 first_time=first_time)
    own = bool(bot_login) and actor is not None and actor.name.lower() == (bot_login or "").lower()
    if own:
        return Activity()
    if event_name == "issue_comment" and action == "created":
        return Question(addressed="directly" if mentions(text, bot_login) else "overheard")
    if event_name == "discussion" and action == "created":
        return Question() if looks_like_question(text) else Activity()
    if event_name in ("discussion_comment", "pull_request_review_comment") and action == "created":
        return Question() if mentions(text, bot_login) else Activity()
    return Activity()


def to_inbound_event(
    event_name: str, delivery_id: str, payload: Mapping[str, Any], bot_login: str | None = None
) -> InboundEvent | None:
    """The typed event for a delivery, or None when the assistant ignores it."""
    if event_name not in HANDLED_EVENTS:
        return None
    action = str(payload.get("action", ""))
    allowed = HANDLED_EVENTS[event_name]
    if allowed is not None and action not in allowed:
        return None
    repo = str((payload.get("repository") or {}).get("full_name", ""))
    subject: Mapping[str, Any] = (
        payload.get("issue") or payload.get("pull_request") or payload.get("discussion")
        or payload.get("release") or {}
    )
    comment: Mapping[str, Any] = payload.get("comment") or {}
    number = subject.get("number")
    thread = f"{repo}#{number}" if repo and number is not None else repo
    title = str(subject.get("title") or subject.get("name") or "")
    body = str(comment.get("body") or subject.get("body") or "")
    text = body if comment else f"{title}\n\n{body}".strip()
    actor = _actor(payload.get("sender"))
    return InboundEvent(
        platform="github",
        kind=f"github.{event_name}.{action}" if action else f"github.{event_name}",
        delivery_id=delivery_id,
        intent=_intent(event_name, action, payload, actor, text, bot_login),
        reply_to=GithubAddress(
            repository=repo,
            number=number if isinstance(number, int) else None,
            installation_id=(payload.get("installation") or {}).get("id"),
            discussion=event_name.startswith("discussion"),
        ),
        thread=thread,
        actor=actor,
        text=text,
    )
