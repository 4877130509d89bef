"""POST /slack/events, /slack/commands, /slack/interactivity (see devrel.handlers.slack_events)."""

from devrel.handlers.lambda_support import http_lambda
from devrel.handlers.slack_events import handle_slack

lambda_handler = http_lambda("slack_events", handle_slack)
