"""POST /github/webhook (see devrel.handlers.github_webhook)."""

from devrel.handlers.github_webhook import handle_github_webhook
from devrel.handlers.lambda_support import http_lambda

lambda_handler = http_lambda("github_webhook", handle_github_webhook)
