"""Scheduled: the stale-issue sweep."""

from devrel.handlers.lambda_support import event_lambda, not_implemented_job

lambda_handler = event_lambda("stale_sweep", not_implemented_job)
