"""Task states of the onboarding state machine."""

from devrel.handlers.lambda_support import event_lambda, not_implemented_job

lambda_handler = event_lambda("onboarding_tasks", not_implemented_job)
