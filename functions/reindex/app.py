"""Scheduled: re-index the project's docs, code and history."""

from devrel.handlers.lambda_support import event_lambda
from devrel.usecases.reindex_job import scheduled_reindex

lambda_handler = event_lambda("reindex", scheduled_reindex)
