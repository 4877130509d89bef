"""Scheduled: the weekly community digest."""

from devrel.handlers.jobs import weekly_community_digest
from devrel.handlers.lambda_support import event_lambda

lambda_handler = event_lambda("digest", weekly_community_digest)
