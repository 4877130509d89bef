"""Scheduled: re-index the project's docs, code and history."""

from devrel.handlers.jobs import reindex_sources
from devrel.handlers.lambda_support import event_lambda

lambda_handler = event_lambda("reindex", reindex_sources)
