"""One pipeline for every platform's webhook: secret -> verify -> convert -> de-duplicate ->
enqueue -> acknowledge.

Each platform supplies three small pieces (`WebhookPlatform`): which secret signs its requests,
how to verify a signature on the raw body, and how to turn a verified request into an `Inbound`
(the typed event to enqueue, if any, and the reply its protocol expects). Nothing is stored before
the signature checks out; a body the converter cannot read is a 400.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from devrel.events import InboundEvent
from devrel.http import HttpRequest, HttpResponse
from devrel.runtime import Services
from devrel.settings import Settings
from devrel.structs import validated
from devrel.usecases.intake import accept_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbound:
    """What a verified request means: the event to enqueue (or None), and the platform's reply,
    given whether the event was newly accepted (False: a redelivery)."""

    reply: Callable[[bool], HttpResponse]
    event: InboundEvent | None = None

    @classmethod
    def answer(cls, response: HttpResponse) -> Inbound:
        """A protocol reply with nothing to enqueue (pings, challenges, help, ignored events)."""
        return cls(lambda _accepted: response)


# (secret, request, now, settings) -> whether the request is authentic and fresh.
Verify = Callable[[str, HttpRequest, float, Settings], bool]
# (request, settings) -> Inbound; raises ValueError for a body the platform would never send.
Convert = Callable[[HttpRequest, Settings], Inbound]


@dataclass(frozen=True)
class WebhookPlatform:
    name: str
    secret: str
    verify: Verify
    convert: Convert


def handle_webhook(platform: WebhookPlatform, request: HttpRequest, services: Services) -> HttpResponse:
    # Before anything reads the body: in the cloud API Gateway lets through up to 6 MB.
    if len(request.body) > services.settings.body_limit(platform.name):
        return HttpResponse.error(413, "request body too large")
    secret = services.secrets.get(platform.secret)
    if not secret:
        log.error("%s is not configured; rejecting %s request", platform.secret, platform.name)
        return HttpResponse.error(401, "signature cannot be verified")
    if not platform.verify(secret, request, services.clock(), services.settings):
        return HttpResponse.error(401, "invalid or expired signature")
    try:
        inbound = platform.convert(request, services.settings)
        # Converters build events in code, which msgspec does not check: a value out of bounds
        # (an over-long delivery id, a button value) is the sender's fault, refused here.
        event = validated(inbound.event) if inbound.event is not None else None
    except ValueError as error:  # not JSON, or a payload missing what the platform always sends
        log.warning("malformed %s request on %s: %s", platform.name, request.path, describe_error(error))
        return HttpResponse.error(400, "malformed request")
    accepted = False
    if event is not None:
        accepted = accept_event(event, services.store, services.queue, services.clock(),
                                services.settings.idempotency_ttl_seconds)
    return inbound.reply(accepted)


def describe_error(error: ValueError) -> str:
    """What was wrong with a request, for the log: msgspec's messages name the field and what it
    expected, not the value given (a rejected body may still carry an interaction token or a response_url)."""
    return str(error)[:200]


def webhook_handler(platform: WebhookPlatform) -> Callable[[HttpRequest, Services], HttpResponse]:
    """The `(request, services) -> response` function an HTTP Lambda wraps."""

    def handle(request: HttpRequest, services: Services) -> HttpResponse:
        return handle_webhook(platform, request, services)

    return handle
