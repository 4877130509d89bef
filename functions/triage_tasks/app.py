"""Task states of the triage state machine."""

from devrel.handlers.lambda_support import event_lambda, not_implemented_job

lambda_handler = event_lambda("triage_tasks", not_implemented_job)
