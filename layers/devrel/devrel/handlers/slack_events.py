"""POST /slack/events, /slack/commands, /slack/interactivity: verify, de-duplicate, enqueue, ack.

Slack wants an answer within 3 seconds, so nothing here does more than a signature check, one
conditional write and one enqueue; the worker posts the actual reply.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from devrel.events import InboundEvent
from devrel.http import HttpRequest, HttpResponse
from devrel.platforms import slack
from devrel.ports import PortError
from devrel.runtime import Services
from devrel.usecases.intake import accept_event

log = logging.getLogger(__name__)

WORKING_TEXT = "Looking into it; the answer will appear here shortly."


def handle_slack(request: HttpRequest, services: Services) -> HttpResponse:
    if request.method == "GET" and request.path.startswith("/slack/oauth/"):
        # Browser requests, not signed by Slack: protected by the OAuth state instead.
        return _oauth(request, services)
    secret = services.secrets.get("slack_signing_secret")
    if not secret:
        log.error("slack_signing_secret is not configured; rejecting request")
        return HttpResponse.error(401, "signature cannot be verified")
    verified = slack.verify_signature(
        secret,
        request.body,
        request.header("x-slack-request-timestamp"),
        request.header("x-slack-signature"),
        services.clock(),
        services.settings.signature_max_age_seconds,
    )
    if not verified:
        return HttpResponse.error(401, "invalid or expired signature")
    try:
        if request.path.endswith("/events"):
            return _events(request, services)
        if request.path.endswith("/commands"):
            return _command(request, services)
        if request.path.endswith("/interactivity"):
            return _interaction(request, services)
    except ValueError as error:  # unparseable body or a payload missing what Slack always sends
        log.warning("malformed Slack request on %s: %s", request.path, error)
        return HttpResponse.error(400, "malformed request")
    return HttpResponse.error(404, "unknown Slack endpoint")


def _events(request: HttpRequest, services: Services) -> HttpResponse:
    payload = request.json()
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    kind = payload.get("type")
    if kind == "url_verification":
        return HttpResponse.json(200, {"challenge": str(payload.get("challenge", ""))})
    if kind != "event_callback":
        return HttpResponse.json(200, {"ignored": str(kind)})
    event = slack.event_to_inbound(payload, services.settings.slack_bot_user_id)
    if event is None:
        return HttpResponse.json(200, {"ignored": str((payload.get("event") or {}).get("type"))})
    return HttpResponse.json(200, {"accepted": _accept(event, services)})


def _command(request: HttpRequest, services: Services) -> HttpResponse:
    event = slack.command_to_inbound(request.form())
    if event.kind == "slack.command.help":
        return HttpResponse.json(200, {"response_type": "ephemeral", "text": slack.HELP_TEXT})
    _accept(event, services)
    return HttpResponse.json(200, {"response_type": "ephemeral", "text": WORKING_TEXT})


def _interaction(request: HttpRequest, services: Services) -> HttpResponse:
    event = slack.interaction_to_inbound(slack.parse_interaction(request.form()))
    if event is not None:
        _accept(event, services)
    # An empty 200 acknowledges buttons and shortcuts, and closes a submitted modal.
    return HttpResponse(status=200)


def _oauth(request: HttpRequest, services: Services) -> HttpResponse:
    from devrel.usecases.slack_install import InstallError, begin_install, finish_install

    settings = services.settings
    client_secret = services.secrets.get("slack_client_secret")
    if not settings.slack_client_id or not client_secret:
        return HttpResponse.error(501, "the Slack install flow is not configured on this deployment")
    try:
        if request.path.endswith("/install"):
            url = begin_install(services.store, settings, services.clock())
            return HttpResponse(status=302, headers={"location": url, "cache-control": "no-store"})
        if request.path.endswith("/callback"):
            if _query(request, "error"):
                return _page(400, "Installation cancelled", "Slack reported: " + _query(request, "error"))

            def exchange(code: str, redirect_uri: str | None) -> dict[str, Any]:
                from devrel.adapters.outbound_slack import exchange_oauth_code

                assert settings.slack_client_id is not None and client_secret is not None
                return exchange_oauth_code(
                    settings.slack_api_url, settings.slack_client_id, client_secret, code, redirect_uri
                )

            installed = finish_install(
                services.store,
                settings,
                _query(request, "code"),
                _query(request, "state"),
                services.clock(),
                exchange,
            )
            return _page(
                200, "Installed", f"The assistant is now installed in {installed.team_name or 'Slack'}."
            )
    except InstallError as error:
        return _page(400, "Installation failed", str(error))
    except PortError as error:  # Slack refused the code, or could not be reached
        log.warning("Slack OAuth exchange failed: %s", error)
        return _page(502, "Installation failed", "Slack did not confirm the installation; please try again.")
    return HttpResponse.error(404, "unknown Slack endpoint")


def _query(request: HttpRequest, name: str) -> str:
    values = request.query.get(name) or [""]
    return values[-1]


def _page(status: int, title: str, message: str) -> HttpResponse:
    body = (
        f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(message)}</p>"
    )
    return HttpResponse(status=status, body=body, headers={"content-type": "text/html; charset=utf-8"})


def _accept(event: InboundEvent, services: Services) -> bool:
    return accept_event(
        event, services.store, services.queue, services.clock(), services.settings.idempotency_ttl_seconds
    )
