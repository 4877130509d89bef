"""POST /github/webhook: HMAC-SHA256 over the raw body, pings answered, deliveries enqueued (202)."""

from __future__ import annotations

from devrel.handlers.webhook import Inbound, WebhookPlatform, webhook_handler
from devrel.http import HttpRequest, HttpResponse
from devrel.platforms import github, signatures
from devrel.settings import Settings


def _verify(secret: str, request: HttpRequest, now: float, settings: Settings) -> bool:
    return signatures.verify_signature(secret, request.body, request.header("x-hub-signature-256"))


def _convert(request: HttpRequest, settings: Settings) -> Inbound:
    event_name = request.header("x-github-event")
    delivery_id = request.header("x-github-delivery")
    if not event_name or not delivery_id:
        raise ValueError("missing X-GitHub-Event or X-GitHub-Delivery header")
    payload = request.json()
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    if event_name == "ping":
        return Inbound.answer(HttpResponse.json(200, {"ok": True, "zen": payload.get("zen", "")}))
    event = github.to_inbound_event(event_name, delivery_id, payload, settings.github_bot_login)
    if event is None:
        name = f"{event_name}.{payload.get('action', '')}".rstrip(".")
        return Inbound.answer(HttpResponse.json(202, {"ignored": name}))
    if event.actor is not None and event.actor.is_bot:
        return Inbound.answer(HttpResponse.json(202, {"ignored": "bot activity"}))
    return Inbound(lambda accepted: HttpResponse.json(202, {"accepted": accepted, "duplicate": not accepted}), event)


GITHUB = WebhookPlatform("github", "github_webhook_secret", _verify, _convert)
handle_github_webhook = webhook_handler(GITHUB)
