"""Scheduled: re-index the project's docs, code and history."""

from devrel.handlers.lambda_support import event_lambda, not_implemented_job

lambda_handler = event_lambda("reindex", not_implemented_job)
