"""POST /discourse/webhook: verify, route on X-Discourse-Event, de-duplicate, enqueue, acknowledge."""

from __future__ import annotations

import logging

from devrel.http import HttpRequest, HttpResponse
from devrel.platforms.discourse import to_inbound_event
from devrel.platforms.signatures import verify_signature
from devrel.runtime import Services
from devrel.usecases.intake import accept_event

log = logging.getLogger(__name__)


def handle_discourse_webhook(request: HttpRequest, services: Services) -> HttpResponse:
    secret = services.secrets.get("discourse_webhook_secret")
    if not secret:
        log.error("discourse_webhook_secret is not configured; rejecting delivery")
        return HttpResponse.error(401, "signature cannot be verified")
    if not verify_signature(secret, request.body, request.header("x-discourse-event-signature")):
        return HttpResponse.error(401, "invalid signature")
    event_name = request.header("x-discourse-event")
    if not event_name:
        return HttpResponse.error(400, "missing X-Discourse-Event header")
    try:
        payload = request.json()
        if not isinstance(payload, dict):
            raise ValueError("body must be a JSON object")
        if event_name == "ping":
            return HttpResponse.json(200, {"ok": True})
        event = to_inbound_event(event_name, payload, services.settings.discourse_api_username)
    except ValueError as error:  # not JSON, or a post missing what Discourse always sends
        log.warning("malformed Discourse delivery: %s", error)
        return HttpResponse.error(400, "malformed delivery")
    if event is None:
        return HttpResponse.json(200, {"ignored": event_name})
    accepted = accept_event(
        event, services.store, services.queue, services.clock(), services.settings.idempotency_ttl_seconds
    )
    return HttpResponse.json(200, {"accepted": accepted, "duplicate": not accepted})
