"""The /api/* endpoints for the CLI, web widget and dashboard."""

from devrel.handlers.lambda_support import http_lambda, not_implemented

lambda_handler = http_lambda("api", not_implemented)
