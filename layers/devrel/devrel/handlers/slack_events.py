"""POST /slack/events, /slack/commands, /slack/interactivity: v0 signatures, then the webhook pipeline;
GET /slack/oauth/*: the install flow (handlers/slack_oauth.py).

Slack wants an answer within 3 seconds, so nothing here does more than a signature check, one
conditional write and one enqueue; the worker posts the actual reply.
"""

from __future__ import annotations

from devrel.handlers.slack_oauth import handle_slack_oauth
from devrel.handlers.webhook import Inbound, WebhookPlatform, handle_webhook
from devrel.http import HttpRequest, HttpResponse
from devrel.platforms import slack
from devrel.runtime import Services
from devrel.settings import Settings

WORKING_TEXT = "Looking into it; the answer will appear here shortly."


def _verify(secret: str, request: HttpRequest, now: float, settings: Settings) -> bool:
    return slack.verify_signature(secret, request.body, request.header("x-slack-request-timestamp"),
                                  request.header("x-slack-signature"), now, settings.signature_max_age_seconds)


def _events(request: HttpRequest, settings: Settings) -> Inbound:
    payload = request.json()
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    kind = payload.get("type")
    if kind == "url_verification":
        return Inbound.answer(HttpResponse.json(200, {"challenge": str(payload.get("challenge", ""))}))
    if kind != "event_callback":
        return Inbound.answer(HttpResponse.json(200, {"ignored": str(kind)}))
    event = slack.event_to_inbound(payload, settings.slack_bot_user_id)
    if event is None:
        return Inbound.answer(HttpResponse.json(200, {"ignored": str((payload.get("event") or {}).get("type"))}))
    return Inbound(lambda accepted: HttpResponse.json(200, {"accepted": accepted}), event)


def _command(request: HttpRequest, settings: Settings) -> Inbound:
    form = request.form()
    event = slack.command_to_inbound(form)
    if event is None:
        text = slack.command_answer(form.get("text") or "")
        return Inbound.answer(HttpResponse.json(200, {"response_type": "ephemeral", "text": text}))
    return Inbound(lambda _accepted: HttpResponse.json(200, {"response_type": "ephemeral", "text": WORKING_TEXT}),
                   event)


def _interaction(request: HttpRequest, settings: Settings) -> Inbound:
    event = slack.interaction_to_inbound(slack.parse_interaction(request.form()))
    # An empty 200 acknowledges buttons and shortcuts, and closes a submitted modal.
    return Inbound(lambda _accepted: HttpResponse(status=200), event)


ENDPOINTS = {"/events": _events, "/commands": _command, "/interactivity": _interaction}


def _convert(request: HttpRequest, settings: Settings) -> Inbound:
    for suffix, convert in ENDPOINTS.items():
        if request.path.endswith(suffix):
            return convert(request, settings)
    return Inbound.answer(HttpResponse.error(404, "unknown Slack endpoint"))


SLACK = WebhookPlatform("slack", "slack_signing_secret", _verify, _convert)


def handle_slack(request: HttpRequest, services: Services) -> HttpResponse:
    if request.method == "GET" and request.path.startswith("/slack/oauth/"):
        # Browser requests, not signed by Slack: protected by the OAuth state instead.
        return handle_slack_oauth(request, services)
    return handle_webhook(SLACK, request, services)
