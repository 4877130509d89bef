"""POST /discourse/webhook: X-Discourse-Event-Signature over the raw body, routed on X-Discourse-Event."""

from __future__ import annotations

from devrel.handlers.webhook import Inbound, WebhookPlatform, webhook_handler
from devrel.http import HttpRequest, HttpResponse
from devrel.platforms import discourse, signatures
from devrel.settings import Settings


def _verify(secret: str, request: HttpRequest, now: float, settings: Settings) -> bool:
    return signatures.verify_signature(secret, request.body, request.header("x-discourse-event-signature"))


def _convert(request: HttpRequest, settings: Settings) -> Inbound:
    event_name = request.header("x-discourse-event")
    if not event_name:
        raise ValueError("missing X-Discourse-Event header")
    payload = request.json()
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    if event_name == "ping":
        return Inbound.answer(HttpResponse.json(200, {"ok": True}))
    event = discourse.to_inbound_event(event_name, payload, settings.discourse_api_username)
    if event is None:
        return Inbound.answer(HttpResponse.json(200, {"ignored": event_name}))
    return Inbound(lambda accepted: HttpResponse.json(200, {"accepted": accepted, "duplicate": not accepted}), event)


DISCOURSE = WebhookPlatform("discourse", "discourse_webhook_secret", _verify, _convert)
handle_discourse_webhook = webhook_handler(DISCOURSE)
