"""POST /telegram/webhook: the secret header checked, updates converted and enqueued, and the
immediate Bot API call (help, a button press acknowledged, "typing...") sent back in the response."""

from __future__ import annotations

from devrel.events import TelegramAddress
from devrel.handlers.webhook import Inbound, WebhookPlatform, webhook_handler
from devrel.http import HttpRequest, HttpResponse
from devrel.platforms import telegram
from devrel.settings import Settings


def _verify(secret: str, request: HttpRequest, now: float, settings: Settings) -> bool:
    return telegram.verify_secret(secret, request.header("x-telegram-bot-api-secret-token"))


def _convert(request: HttpRequest, settings: Settings) -> Inbound:
    update = request.json()
    if not isinstance(update, dict):
        raise ValueError("body must be a JSON object")
    plan = telegram.plan_update(update, settings.telegram_bot_username, settings.telegram_bot_id,
                                settings.telegram_answer_edits)
    answer = plan.answer
    if answer is None and plan.event is not None and plan.event.intent.type == "question":
        to = plan.event.reply_to
        assert isinstance(to, TelegramAddress)
        answer = {"method": "sendChatAction", "chat_id": to.chat_id, "action": "typing"}

    def reply(accepted: bool) -> HttpResponse:
        # A redelivery gets no second "typing" or help message.
        return HttpResponse.json(200, answer if answer is not None and (accepted or plan.event is None) else {})

    return Inbound(reply, plan.event)


TELEGRAM = WebhookPlatform("telegram", "telegram_webhook_secret", _verify, _convert)
handle_telegram_webhook = webhook_handler(TELEGRAM)
