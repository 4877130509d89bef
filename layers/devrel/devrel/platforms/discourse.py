"""Discourse webhooks: conversion of posts to typed events (the signature check is platforms/signatures.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from devrel.events import Activity, Actor, DiscourseAddress, InboundEvent, Question, Reply
from devrel.platforms.text import break_mentions, looks_like_question
from devrel.structs import Struct

REGULAR_POST = 1  # post_type: 1 regular, 2 moderator action, 3 small action, 4 whisper
# Post, topic and post numbers: positive integers, never strings.
Id = Annotated[int, msgspec.Meta(ge=0, lt=2**53)]


class Post(Struct, frozen=True, kw_only=True):
    """A post of a `post_created` delivery, as far as the assistant reads it (ids are integers).
    Every other field Discourse sends is ignored; the ones read must have Discourse's own types."""

    id: Id
    topic_id: Id
    post_number: Id | None = None
    username: str | None = None
    user_id: int | None = None
    post_type: int = REGULAR_POST
    raw: str | None = None
    topic_title: str | None = None


def to_inbound_event(event_name: str, payload: Mapping[str, Any], own_username: str) -> InboundEvent | None:
    """A new post as a typed event, or None for everything the assistant ignores.

    `post_created` covers new topics too (their first post), so `topic_created` is not needed.
    Posts are keyed by post id: a redelivery of the same post is one delivery, whatever its
    X-Discourse-Event-Id. A post whose fields have the wrong type raises ValueError.
    """
    if event_name != "post_created":
        return None
    raw_post = payload.get("post")
    if not isinstance(raw_post, dict):
        raise ValueError("post_created without a post object")
    post = Post.model_validate(raw_post)
    username = post.username or ""
    if username.lower() == own_username.lower():
        return None  # never answer its own posts
    if post.post_type != REGULAR_POST:
        return None
    raw = post.raw or ""
    title = post.topic_title or ""
    post_number = post.post_number or 0
    text = f"{title}\n\n{raw}".strip() if post_number == 1 else raw
    return InboundEvent(
        platform="discourse",
        kind="discourse.post_created",
        delivery_id=f"post:{post.id}",
        intent=_intent(raw, text, post_number, own_username),
        reply_to=DiscourseAddress(topic_id=post.topic_id, post_number=post_number or None),
        thread=f"topic:{post.topic_id}",
        actor=Actor(id=str(post.user_id if post.user_id is not None else username), name=username),
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


# --- outbound ------------------------------------------------------------------------------------


def reply_raw(reply: Reply) -> str:
    """The raw Markdown of a post answering with `reply`: mentions in it (@user, @group, @here) are
    broken, sources listed after it."""
    raw = break_mentions(reply.text)
    if reply.sources:
        raw += "\n\n**Sources**\n" + "\n".join(f"- {url}" for url in reply.sources)
    return raw
