"""Discourse replies: a post in the topic, through the REST API with Api-Key / Api-Username; and new
topics in a category (release announcements)."""

from __future__ import annotations

from typing import Any

from devrel.adapters.outbound_http import JsonApi
from devrel.events import DiscourseAddress, InboundEvent, Reply
from devrel.platforms.discourse import reply_raw
from devrel.platforms.outbound import PlatformError
from devrel.platforms.text import break_mentions


class DiscoursePlatform:
    name = "discourse"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_username: str,
        timeout: float = 10.0,
        api: JsonApi | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._api = api or JsonApi(
            "discourse", base_url, timeout=timeout, headers={"Api-Key": api_key, "Api-Username": api_username}
        )

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        to = event.reply_to
        if not isinstance(to, DiscourseAddress):
            raise PlatformError("discourse", "event has no topic to answer in", retryable=False)
        payload: dict[str, Any] = {"topic_id": to.topic_id, "raw": reply_raw(reply)}
        if to.post_number:
            payload["reply_to_post_number"] = to.post_number
        posted = self._api.request("POST", "posts.json", payload)
        return str(posted.get("id", ""))

    def create_topic(self, title: str, raw: str, category: int) -> str:
        """A new topic in `category` (POST /posts.json with a title); returns the topic's URL."""
        # Mentions (@user, @group) in quoted text would notify people: broken, as in replies.
        payload = {"title": break_mentions(title)[:255], "raw": break_mentions(raw), "category": category}
        posted = self._api.request("POST", "posts.json", payload)
        topic, slug = posted.get("topic_id"), posted.get("topic_slug") or "topic"
        if not topic:
            raise PlatformError("discourse", "posts.json created no topic", retryable=False)
        return f"{self._base_url}/t/{slug}/{topic}"
