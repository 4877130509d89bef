"""POST /discord/interactions: Ed25519 over timestamp + raw body, PING answered, commands deferred.

Discord probes the endpoint with bad signatures and expects a 401; it also needs an answer within
3 seconds, so commands get a deferred response here and the worker edits it later.
"""

from __future__ import annotations

from devrel.handlers.webhook import Inbound, WebhookPlatform, webhook_handler
from devrel.http import HttpRequest, HttpResponse
from devrel.platforms import discord
from devrel.settings import Settings


def _verify(public_key: str, request: HttpRequest, now: float, settings: Settings) -> bool:
    return discord.verify_signature(public_key, request.body, request.header("x-signature-timestamp"),
                                    request.header("x-signature-ed25519"), now, settings.signature_max_age_seconds)


def _convert(request: HttpRequest, settings: Settings) -> Inbound:
    interaction = request.json()
    if not isinstance(interaction, dict):
        raise ValueError("body must be a JSON object")
    plan = discord.plan_response(interaction, settings.discord_application_id)
    # The planned response stands whether or not this delivery was seen before.
    return Inbound(lambda _accepted: HttpResponse.json(200, plan.response), plan.event)


DISCORD = WebhookPlatform("discord", "discord_public_key", _verify, _convert)
handle_discord_interaction = webhook_handler(DISCORD)
