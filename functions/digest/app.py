"""Scheduled: the weekly community digest."""

from devrel.handlers.lambda_support import event_lambda, not_implemented_job

lambda_handler = event_lambda("digest", not_implemented_job)
