"""POST /github/webhook: verify, answer pings, de-duplicate, enqueue, acknowledge."""

from __future__ import annotations

import logging

from devrel.http import HttpRequest, HttpResponse
from devrel.platforms.github import to_inbound_event
from devrel.platforms.signatures import verify_signature
from devrel.runtime import Services
from devrel.usecases.intake import accept_event

log = logging.getLogger(__name__)


def handle_github_webhook(request: HttpRequest, services: Services) -> HttpResponse:
    secret = services.secrets.get("github_webhook_secret")
    if not secret:
        log.error("github_webhook_secret is not configured; rejecting delivery")
        return HttpResponse.error(401, "signature cannot be verified")
    if not verify_signature(secret, request.body, request.header("x-hub-signature-256")):
        return HttpResponse.error(401, "invalid signature")

    event_name = request.header("x-github-event")
    delivery_id = request.header("x-github-delivery")
    if not event_name or not delivery_id:
        return HttpResponse.error(400, "missing X-GitHub-Event or X-GitHub-Delivery header")
    try:
        payload = request.json()
    except ValueError:
        return HttpResponse.error(400, "body is not valid JSON")
    if not isinstance(payload, dict):
        return HttpResponse.error(400, "body must be a JSON object")

    if event_name == "ping":
        return HttpResponse.json(200, {"ok": True, "zen": payload.get("zen", "")})
    try:
        event = to_inbound_event(event_name, delivery_id, payload)
    except ValueError:  # pydantic rejects a delivery id or field it cannot accept
        return HttpResponse.error(400, "malformed delivery")
    if event is None:
        return HttpResponse.json(202, {"ignored": f"{event_name}.{payload.get('action', '')}".rstrip(".")})
    if event.actor is not None and event.actor.is_bot:
        return HttpResponse.json(202, {"ignored": "bot activity"})
    accepted = accept_event(event, services.store, services.queue, services.clock(),
                            services.settings.idempotency_ttl_seconds)
    return HttpResponse.json(202, {"accepted": accepted, "duplicate": not accepted})
