"""Discourse webhooks."""

from devrel.handlers.lambda_support import http_lambda, not_implemented

lambda_handler = http_lambda("discourse_webhook", not_implemented)
