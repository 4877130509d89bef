"""Discourse webhooks: conversion of posts to typed events (the signature check is platforms/signatures.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devrel.events import Activity, Actor, DiscourseAddress, InboundEvent, Question
from devrel.platforms.text import looks_like_question

REGULAR_POST = 1  # post_type: 1 regular, 2 moderator action, 3 small action, 4 whisper


def to_inbound_event(event_name: str, payload: Mapping[str, Any], own_username: str) -> InboundEvent | None:
    """A new post as a typed event, or None for everything the assistant ignores.

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
        intent=_intent(raw, text, post_number, own_username),
        reply_to=DiscourseAddress(topic_id=int(topic_id), post_number=post_number or None),
        thread=f"topic:{topic_id}",
        actor=Actor(id=str(post.get("user_id") or username), name=username),
        text=text,
    )


def _intent(raw: str, text: str, post_number: int, own_username: str) -> Question | Activity:
    """A mention or a new topic asking something is for the assistant; a later question only in
    topics it already answers in."""
    if f"@{own_username.lower()}" in raw.lower():
        return Question()
    if not looks_like_question(text):
        return Activity()
    return Question(addressed="directly" if post_number == 1 else "in_thread")
