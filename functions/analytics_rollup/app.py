"""Scheduled: hourly analytics roll-up of the event log."""

from devrel.handlers.lambda_support import event_lambda
from devrel.usecases.analytics import roll_up

lambda_handler = event_lambda("analytics_rollup", roll_up)
