"""Scheduled: hourly analytics roll-up of the event log."""

from devrel.handlers.jobs import hourly_rollup
from devrel.handlers.lambda_support import event_lambda

lambda_handler = event_lambda("analytics_rollup", hourly_rollup)
