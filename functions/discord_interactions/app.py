"""POST /discord/interactions (see devrel.handlers.discord_interactions)."""

from devrel.handlers.discord_interactions import handle_discord_interaction
from devrel.handlers.lambda_support import http_lambda

lambda_handler = http_lambda("discord_interactions", handle_discord_interaction)
