"""Task states of the triage state machine."""

from devrel.handlers.lambda_support import event_lambda
from devrel.handlers.tasks import run_triage_step

lambda_handler = event_lambda("triage_tasks", run_triage_step)
