"""Slack events, commands, interactivity and OAuth."""

from devrel.handlers.lambda_support import http_lambda, not_implemented

lambda_handler = http_lambda("slack_events", not_implemented)
