"""GitHub webhooks: signature check and conversion of deliveries to neutral events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devrel.events import Actor, InboundEvent

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




def _actor(user: Mapping[str, Any] | None) -> Actor | None:
    if not user:
        return None
    login = str(user.get("login", ""))
    is_bot = user.get("type") == "Bot" or login.endswith("[bot]")
    return Actor(id=str(user.get("id", login)), name=login, is_bot=is_bot)


def to_inbound_event(event_name: str, delivery_id: str, payload: Mapping[str, Any]) -> InboundEvent | None:
    """The neutral event for a delivery, or None when the assistant ignores it."""
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
    return InboundEvent(
        platform="github",
        kind=f"github.{event_name}.{action}" if action else f"github.{event_name}",
        delivery_id=delivery_id,
        thread=thread,
        actor=_actor(payload.get("sender")),
        text=text,
        data={
            "repository": repo,
            "number": number,
            "title": title,
            "body": str(subject.get("body") or ""),
            "html_url": subject.get("html_url"),
            "author_association": (comment or subject).get("author_association"),
            "labels": [label.get("name") for label in subject.get("labels") or [] if isinstance(label, dict)],
            "installation_id": (payload.get("installation") or {}).get("id"),
        },
    )
