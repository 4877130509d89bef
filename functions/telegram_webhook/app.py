"""POST /telegram/webhook (see devrel.handlers.telegram_webhook)."""

from devrel.handlers.lambda_support import http_lambda
from devrel.handlers.telegram_webhook import handle_telegram_webhook

lambda_handler = http_lambda("telegram_webhook", handle_telegram_webhook)
