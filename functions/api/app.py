"""The /api/* endpoints for the CLI, web widget and dashboard."""

from devrel.handlers.api import handle_api
from devrel.handlers.lambda_support import http_lambda

lambda_handler = http_lambda("api", handle_api)
