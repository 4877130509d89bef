"""Discord replies through the interaction webhook: edit the deferred response, then follow up.

The interaction token authorises these calls for 15 minutes, so answers need no bot token. Posts
the assistant starts itself (the weekly digest) go to a channel with the bot token, and posts to one
person after the token expired (an onboarding reminder) go to a direct message with it.
"""

from __future__ import annotations

from typing import Any

from devrel.adapters.outbound_http import JsonApi
from devrel.events import DiscordAddress, InboundEvent, Reply
from devrel.platforms.discord import reply_messages
from devrel.platforms.outbound import PlatformError


class DiscordPlatform:
    name = "discord"

    def __init__(self, api_url: str, timeout: float = 10.0, api: JsonApi | None = None,
                 bot_token: str | None = None) -> None:
        self._api = api or JsonApi("discord", api_url, timeout=timeout)
        self._bot = JsonApi("discord", api_url, timeout=timeout, headers={"Authorization": f"Bot {bot_token}"}) \
            if bot_token else None

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        to = event.reply_to
        if isinstance(to, DiscordAddress) and not to.token and to.user:
            return self._post_in_channel(self._open_direct(to.user), reply)
        if isinstance(to, DiscordAddress) and not to.token and to.channel:
            return self._post_in_channel(to.channel, reply)
        if not isinstance(to, DiscordAddress) or not to.application_id or not to.token:
            raise PlatformError("discord", "event has no interaction webhook to answer", retryable=False)
        hook = f"webhooks/{to.application_id}/{to.token}"
        messages = reply_messages(reply, feedback_for=event.delivery_id if reply.feedback else None)
        # The first part replaces the "thinking..." placeholder; the rest are follow-up messages.
        posted: dict[str, Any] = self._api.request("PATCH", f"{hook}/messages/@original", messages[0])
        for message in messages[1:]:
            posted = self._api.request("POST", hook, message, params={"wait": "true"})
        return str(posted.get("id", ""))

    def _open_direct(self, user: str) -> str:
        """The direct-message channel with one user (bot token): for posts after the interaction expired."""
        if self._bot is None:
            raise PlatformError("discord", "a direct message needs the bot token", retryable=False)
        opened: dict[str, Any] = self._bot.request("POST", "users/@me/channels", {"recipient_id": user})
        if not opened.get("id"):
            raise PlatformError("discord", "users/@me/channels returned no channel", retryable=False)
        return str(opened["id"])

    def _post_in_channel(self, channel: str, reply: Reply) -> str:
        if self._bot is None:
            raise PlatformError("discord", "posting in a channel needs the bot token", retryable=False)
        posted: dict[str, Any] = {}
        for message in reply_messages(reply):
            posted = self._bot.request("POST", f"channels/{channel}/messages", message)
        return str(posted.get("id", ""))
