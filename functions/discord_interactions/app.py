"""Discord interactions endpoint."""

from devrel.handlers.lambda_support import http_lambda, not_implemented

lambda_handler = http_lambda("discord_interactions", not_implemented)
