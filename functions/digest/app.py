"""Scheduled: the weekly community digest."""

from devrel.handlers.lambda_support import event_lambda
from devrel.usecases.digest import weekly_digest

lambda_handler = event_lambda("digest", weekly_digest)
