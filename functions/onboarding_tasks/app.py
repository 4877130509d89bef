"""Task states of the onboarding state machine."""

from devrel.handlers.lambda_support import event_lambda
from devrel.handlers.tasks import run_onboarding_step

lambda_handler = event_lambda("onboarding_tasks", run_onboarding_step)
