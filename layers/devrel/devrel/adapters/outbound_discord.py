"""Discord replies through the interaction webhook: edit the deferred response, then follow up.

The interaction token authorises these calls for 15 minutes, so no bot token is needed.
"""

from __future__ import annotations

from typing import Any

from devrel.adapters.outbound_http import JsonApi
from devrel.events import DiscordAddress, InboundEvent, Reply
from devrel.platforms.discord import reply_messages
from devrel.platforms.outbound import PlatformError


class DiscordPlatform:
    name = "discord"

    def __init__(self, api_url: str, timeout: float = 10.0, api: JsonApi | None = None) -> None:
        self._api = api or JsonApi("discord", api_url, timeout=timeout)

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        to = event.reply_to
        if not isinstance(to, DiscordAddress) or not to.application_id or not to.token:
            raise PlatformError("discord", "event has no interaction webhook to answer", retryable=False)
        hook = f"webhooks/{to.application_id}/{to.token}"
        messages = reply_messages(reply, feedback_for=event.delivery_id)
        # The first part replaces the "thinking..." placeholder; the rest are follow-up messages.
        posted: dict[str, Any] = self._api.request("PATCH", f"{hook}/messages/@original", messages[0])
        for message in messages[1:]:
            posted = self._api.request("POST", hook, message, params={"wait": "true"})
        return str(posted.get("id", ""))
