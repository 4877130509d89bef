"""POST /discourse/webhook (see devrel.handlers.discourse_webhook)."""

from devrel.handlers.discourse_webhook import handle_discourse_webhook
from devrel.handlers.lambda_support import http_lambda

lambda_handler = http_lambda("discourse_webhook", handle_discourse_webhook)
