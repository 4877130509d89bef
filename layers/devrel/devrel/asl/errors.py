"""Errors raised while interpreting a state machine, named as Step Functions names them."""

from __future__ import annotations

import json
import traceback

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
RUNTIME = "States.Runtime"
TIMEOUT = "States.Timeout"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"


class StatesError(Exception):
    """A state failed with `error` (an error name Retry/Catch match on) and an optional `cause`."""

    def __init__(self, error: str | None, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else str(error))
        self.error = error
        self.cause = cause

    @property
    def catchable(self) -> bool:
        # Step Functions never retries or catches runtime errors: they always fail the execution.
        return self.error != RUNTIME


class TaskFailure(StatesError):
    """Raised by a task invoker when the function it called failed (Lambda's errorType/errorMessage)."""


def runtime_error(cause: str) -> StatesError:
    return StatesError(RUNTIME, cause)


def failure_from_exception(exc: BaseException) -> StatesError:
    """An exception a task raised, with a Cause shaped like that of a failed Lambda invocation."""
    # The first frame is the interpreter's own call into the task.
    frames = exc.__traceback__.tb_next if exc.__traceback__ else None
    cause = {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(frames),
    }
    return StatesError(type(exc).__name__, json.dumps(cause))
