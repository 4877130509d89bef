"""Telegram replies through the Bot API: sendMessage in MarkdownV2, answering the question's
message, split under the length limit, with feedback buttons; "typing..." while the answer is made."""

from __future__ import annotations

import logging
from typing import Any

from devrel.adapters.outbound_http import JsonApi
from devrel.events import InboundEvent, Reply, TelegramAddress
from devrel.platforms.outbound import PlatformError
from devrel.platforms.telegram import reply_messages

log = logging.getLogger(__name__)


class TelegramPlatform:
    name = "telegram"

    def __init__(self, api_url: str, bot_token: str, timeout: float = 10.0) -> None:
        # The token is part of every Bot API path; JsonApi never logs paths with their query or body.
        self._api = JsonApi("telegram", f"{api_url.rstrip('/')}/bot{bot_token}", timeout=timeout)

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        to = event.reply_to
        if not isinstance(to, TelegramAddress):
            raise PlatformError("telegram", "event has no chat to answer in", retryable=False)
        posted: dict[str, Any] = {}
        for message in reply_messages(reply, to, feedback_for=event.delivery_id if event.intent.type == "question"
                                      else None):
            answer = self._api.request("POST", "sendMessage", message)
            if isinstance(answer, dict) and answer.get("ok") is False:
                raise PlatformError("telegram", str(answer.get("description") or "refused"), retryable=False)
            posted = answer.get("result") or {} if isinstance(answer, dict) else {}
        return str(posted.get("message_id", ""))

    def mark_working(self, event: InboundEvent) -> None:
        to = event.reply_to
        if not isinstance(to, TelegramAddress):
            return
        try:
            self._api.request("POST", "sendChatAction", {"chat_id": to.chat_id, "action": "typing"})
        except PlatformError as error:  # best effort
            log.info("could not show typing: %s", error)

    def register(self, url: str, secret: str, commands: list[dict[str, str]]) -> dict[str, Any]:
        """setWebhook with the secret and the updates handled, then setMyCommands."""
        webhook = self._api.request("POST", "setWebhook", {
            "url": url, "secret_token": secret, "allowed_updates": ["message", "edited_message", "callback_query"],
            "drop_pending_updates": False})
        listed = self._api.request("POST", "setMyCommands", {"commands": commands})
        return {"webhook": webhook, "commands": listed}
