"""Discourse webhooks: X-Discourse-Event-Signature check and conversion of posts to neutral events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devrel.events import Actor, InboundEvent
from devrel.platforms.text import looks_like_question

REGULAR_POST = 1  # post_type: 1 regular, 2 moderator action, 3 small action, 4 whisper




def to_inbound_event(event_name: str, payload: Mapping[str, Any], own_username: str) -> InboundEvent | None:
    """A new post as a neutral event, or None for everything the assistant ignores.

    `post_created` covers new topics too (their first post), so `topic_created` is not needed.
    Posts are keyed by post id: a redelivery of the same post is one delivery, whatever its
    X-Discourse-Event-Id.
    """
    if event_name != "post_created":
        return None
    post = payload.get("post")
    if not isinstance(post, dict):
        raise ValueError("post_created without a post object")
    post_id, topic_id = post.get("id"), post.get("topic_id")
    if post_id is None or topic_id is None:
        raise ValueError("post without id or topic_id")
    username = str(post.get("username") or "")
    if username.lower() == own_username.lower():
        return None  # never answer its own posts
    if post.get("post_type", REGULAR_POST) != REGULAR_POST:
        return None
    raw = str(post.get("raw") or "")
    title = str(post.get("topic_title") or "")
    post_number = int(post.get("post_number") or 0)
    text = f"{title}\n\n{raw}".strip() if post_number == 1 else raw
    return InboundEvent(
        platform="discourse",
        kind="discourse.post_created",
        delivery_id=f"post:{post_id}",
        thread=f"topic:{topic_id}",
        actor=Actor(id=str(post.get("user_id") or username), name=username),
        text=text,
        data={
            "post_id": post_id,
            "topic_id": topic_id,
            "post_number": post_number,
            "title": title,
            "category_id": post.get("category_id"),
            "mentions_assistant": f"@{own_username.lower()}" in raw.lower(),
            "is_question": looks_like_question(text),
        },
    )
