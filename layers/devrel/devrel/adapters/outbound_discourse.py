"""Discourse replies: a post in the topic, through the REST API with Api-Key / Api-Username."""

from __future__ import annotations

from typing import Any

from devrel.adapters.outbound_http import JsonApi
from devrel.events import DiscourseAddress, InboundEvent, Reply
from devrel.platforms.discourse import reply_raw
from devrel.platforms.outbound import PlatformError


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
