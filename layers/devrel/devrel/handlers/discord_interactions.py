"""POST /discord/interactions: verify Ed25519, answer PING, defer commands, enqueue the work.

Discord probes the endpoint with bad signatures and expects a 401; it also needs an answer within
3 seconds, so commands get a deferred response here and the worker edits it later.
"""

from __future__ import annotations

import logging

from devrel.http import HttpRequest, HttpResponse
from devrel.platforms.discord import plan_response, verify_signature
from devrel.runtime import Services
from devrel.usecases.intake import accept_event

log = logging.getLogger(__name__)


def handle_discord_interaction(request: HttpRequest, services: Services) -> HttpResponse:
    public_key = services.secrets.get("discord_public_key")
    if not public_key:
        log.error("discord_public_key is not configured; rejecting interaction")
        return HttpResponse.error(401, "signature cannot be verified")
    verified = verify_signature(
        public_key,
        request.body,
        request.header("x-signature-timestamp"),
        request.header("x-signature-ed25519"),
        services.clock(),
        services.settings.signature_max_age_seconds,
    )
    if not verified:
        return HttpResponse.error(401, "invalid request signature")
    try:
        interaction = request.json()
        if not isinstance(interaction, dict):
            raise ValueError("body must be a JSON object")
        plan = plan_response(interaction, services.settings.discord_application_id)
    except ValueError as error:  # not JSON, or an interaction missing what Discord always sends
        log.warning("malformed Discord interaction: %s", error)
        return HttpResponse.error(400, "malformed interaction")
    if plan.event is not None:
        accept_event(
            plan.event,
            services.store,
            services.queue,
            services.clock(),
            services.settings.idempotency_ttl_seconds,
        )
    return HttpResponse.json(200, plan.response)
