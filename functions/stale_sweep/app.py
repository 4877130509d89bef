"""Scheduled: the daily stale sweep (see devrel.usecases.stale)."""

from devrel.handlers.jobs import stale_sweep
from devrel.handlers.lambda_support import event_lambda

lambda_handler = event_lambda("stale_sweep", stale_sweep)
