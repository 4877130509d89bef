"""Task states of the release state machine."""

from devrel.handlers.lambda_support import event_lambda
from devrel.handlers.tasks import run_release_step

lambda_handler = event_lambda("release_tasks", run_release_step)
