"""Runs states one at a time. The durable driver (executor.py) persists between steps; branches
of Parallel and Map run to completion in memory through `run_branch`.

`step` never blocks on time: a Wait, or a Retry backoff, comes back as `Suspend(until, memo)`.
Stepping the same state again with that memo (once the time has come) carries on where it stopped.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devrel.asl import choice, intrinsics
from devrel.asl.dataflow import place_result, render, render_field, resolve_path, select
from devrel.asl.errors import (
    ALL,
    NO_CHOICE_MATCHED,
    RUNTIME,
    TASK_FAILED,
    TIMEOUT,
    StatesError,
    failure_from_exception,
    runtime_error,
)

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
# The callback pattern: the task gets `$$.Task.Token` and the state waits for SendTaskSuccess/Failure.
WAIT_FOR_TOKEN = ".waitForTaskToken"
# Step Functions' default TimeoutSeconds for a Task is 99999999 seconds (over three years).
DEFAULT_TASK_TIMEOUT = 99_999_999
# Step Functions caps an execution's history at 25,000 events; this bounds runaway loops the same way.
MAX_TRANSITIONS = 25_000

TaskInvoker = Callable[[str, Any], Any]


@dataclass(frozen=True)
class Next:
    state: str
    output: Any


@dataclass(frozen=True)
class Done:
    output: Any


@dataclass(frozen=True)
class Suspend:
    until: float
    memo: dict[str, Any] = field(default_factory=dict)


Outcome = Next | Done | Suspend


def task_token(execution_id: str, state: str) -> str:
    """An opaque-looking token that still names its execution and state, so SendTaskSuccess can find
    them without a lookup table (a random part makes each entry into the state a new token)."""
    raw = json.dumps([execution_id, state, uuid.uuid4().hex], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def token_parts(token: str) -> tuple[str, str] | None:
    """(execution id, state name) of a token made by `task_token`; None for anything else."""
    try:
        execution_id, state, _ = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        return None
    return (execution_id, state) if isinstance(execution_id, str) and isinstance(state, str) else None


def iso_time(epoch_seconds: float) -> str:
    stamp = datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def error_matches(names: list[str], error: str | None) -> bool:
    """ErrorEquals: States.ALL matches every error; States.TaskFailed every one but States.Timeout."""
    if error == RUNTIME:
        return False
    if ALL in names:
        return True
    if error is None:
        return False
    return (TASK_FAILED in names and error != TIMEOUT) or error in names


def _after(state: dict[str, Any], output: Any) -> Outcome:
    return Done(output) if state.get("End") else Next(state["Next"], output)


def _expression(value: Any, data: Any, context: Any) -> Any:
    """ErrorPath/CausePath: a path or an intrinsic function."""
    if isinstance(value, str) and intrinsics.looks_like_call(value):
        return intrinsics.evaluate(value, data, context)
    return resolve_path(value, data, context)


class Interpreter:
    def __init__(self, invoke_task: TaskInvoker, now: Callable[[], float], sleep: Callable[[float], None]):
        self._invoke_task = invoke_task
        self._now = now
        self._sleep = sleep

    # --- driving -------------------------------------------------------------------------------

    def run_branch(self, branch: dict[str, Any], data: Any, context: dict[str, Any]) -> Any:
        """Run a Parallel branch or a Map iteration to its end, sleeping through its waits."""
        name, memo, transitions = branch["StartAt"], {}, 0
        while True:
            outcome = self.step(name, branch["States"][name], data, context, memo)
            if isinstance(outcome, Done):
                return outcome.output
            if isinstance(outcome, Suspend):
                if "token" in outcome.memo:
                    raise runtime_error("a .waitForTaskToken task runs locally only at the top level of a machine")
                memo = outcome.memo
                self._sleep(max(0.0, outcome.until - self._now()))
                continue
            name, data, memo = outcome.state, outcome.output, {}
            transitions += 1
            if transitions > MAX_TRANSITIONS:
                raise runtime_error(f"a branch exceeded {MAX_TRANSITIONS} state transitions")

    def step(
        self, name: str, state: dict[str, Any], data: Any, context: dict[str, Any], memo: dict[str, Any]
    ) -> Outcome:
        """Run state `name` on its input `data`. Raises StatesError when the state fails."""
        memo = {"entered": iso_time(self._now()), **memo}
        retries = memo.get("retries", [])
        state_context = {
            **context,
            "State": {"Name": name, "EnteredTime": memo["entered"], "RetryCount": sum(retries)},
        }
        handler = getattr(self, f"_{state['Type'].lower()}")
        return handler(state, data, state_context, memo)

    # --- one method per state type ---------------------------------------------------------------

    def _pass(self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any]) -> Outcome:
        effective = render_field(state, "Parameters", select(state, "InputPath", data, context), context)
        result = state.get("Result", effective)
        return _after(state, select(state, "OutputPath", place_result(state, data, result), context))

    def _wait(self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any]) -> Outcome:
        effective = select(state, "InputPath", data, context)
        if "until" not in memo:
            until = self._wake_time(state, effective, context)
            if until > self._now():
                return Suspend(until, {**memo, "until": until})
        return _after(state, select(state, "OutputPath", effective, context))

    def _wake_time(self, state: dict[str, Any], data: Any, context: Any) -> float:
        if "Seconds" in state or "SecondsPath" in state:
            seconds = (
                state["Seconds"] if "Seconds" in state else resolve_path(state["SecondsPath"], data, context)
            )
            if not choice.is_number(seconds) or seconds < 0 or not float(seconds).is_integer():
                raise runtime_error(f"Wait needs a non-negative integer number of seconds, got {seconds!r}")
            return self._now() + seconds
        raw = (
            state["Timestamp"]
            if "Timestamp" in state
            else resolve_path(state["TimestampPath"], data, context)
        )
        timestamp = choice.parse_timestamp(raw)
        if timestamp is None:
            raise runtime_error(f"Wait needs an RFC 3339 timestamp, got {raw!r}")
        return timestamp.timestamp()

    def _choice(self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any]) -> Outcome:
        effective = select(state, "InputPath", data, context)
        target = choice.choose(state, effective, context)
        if target is None:
            raise StatesError(NO_CHOICE_MATCHED, "no Choice rule matched and there is no Default")
        return Next(target, select(state, "OutputPath", effective, context))

    def _succeed(self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any]) -> Outcome:
        return Done(select(state, "OutputPath", select(state, "InputPath", data, context), context))

    def _fail(self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any]) -> Outcome:
        error = _expression(state["ErrorPath"], data, context) if "ErrorPath" in state else state.get("Error")
        cause = _expression(state["CausePath"], data, context) if "CausePath" in state else state.get("Cause")
        if not all(value is None or isinstance(value, str) for value in (error, cause)):
            raise runtime_error("a Fail state's ErrorPath and CausePath must select strings")
        raise StatesError(error, cause)

    def _task(self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any]) -> Outcome:
        if state["Resource"].endswith(WAIT_FOR_TOKEN):
            return self._callback_task(state, data, context, memo)
        return self._guarded(state, data, context, memo, lambda effective: self._call(state, effective, context))

    def _call(self, state: dict[str, Any], effective: Any, context: Any) -> Any:
        parameters = render_field(state, "Parameters", effective, context)
        resource = state["Resource"].removesuffix(WAIT_FOR_TOKEN)
        if resource != LAMBDA_INVOKE:
            return self._invoke(resource, parameters)
        if not isinstance(parameters, dict) or "FunctionName" not in parameters:
            raise runtime_error("lambda:invoke needs Parameters with FunctionName")
        payload = self._invoke(parameters["FunctionName"], parameters.get("Payload", {}))
        # The shape of Lambda's Invoke response, as the optimised integration returns it.
        return {"ExecutedVersion": "$LATEST", "Payload": payload, "StatusCode": 200}

    def _callback_task(self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any]) -> Outcome:
        """First entry: call the task with a new `$$.Task.Token`, then wait (Suspend) until the
        state's TimeoutSeconds. The executor wakes the state when SendTaskSuccess/Failure arrives and
        puts it in memo["callback"]; its output is the state's result, a failure goes to Retry/Catch
        like any task's, and so does States.Timeout when nothing arrived in time."""
        if "token" not in memo:
            token = task_token(context["Execution"]["Id"], context["State"]["Name"])
            with_token = {**context, "Task": {"Token": token}}
            try:
                self._call(state, select(state, "InputPath", data, context), with_token)
            except StatesError as failure:
                if not failure.catchable:
                    raise
                return self._recover(state, data, memo, failure)
            until = self._now() + state.get("TimeoutSeconds", DEFAULT_TASK_TIMEOUT)
            return Suspend(until, {**memo, "token": token, "until": until})
        callback = memo.get("callback")
        waiting = {key: value for key, value in memo.items() if key not in ("token", "until", "callback")}
        if callback is None:
            if self._now() < memo["until"]:
                return Suspend(memo["until"], memo)
            return self._recover(state, data, waiting, StatesError(TIMEOUT, "no SendTaskSuccess or SendTaskFailure "
                                                                          "arrived within TimeoutSeconds"))
        if callback.get("status") != "success":
            return self._recover(state, data, waiting, StatesError(callback.get("error"), callback.get("cause")))
        try:
            result = render_field(state, "ResultSelector", callback.get("output"), context)
            return _after(state, select(state, "OutputPath", place_result(state, data, result), context))
        except StatesError as failure:
            if not failure.catchable:
                raise
            return self._recover(state, data, waiting, failure)

    def _parallel(self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any]) -> Outcome:
        def run(effective: Any) -> list[Any]:
            branch_input = render_field(state, "Parameters", effective, context)
            return [
                self.run_branch(branch, branch_input, _without_state(context)) for branch in state["Branches"]
            ]

        return self._guarded(state, data, context, memo, run)

    def _map(self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any]) -> Outcome:
        processor = state.get("ItemProcessor") or state["Iterator"]
        selector = "ItemSelector" if "ItemSelector" in state else "Parameters"

        def run(effective: Any) -> list[Any]:
            items = resolve_path(state.get("ItemsPath", "$"), effective, context)
            if not isinstance(items, list):
                raise runtime_error(f"ItemsPath must select an array, got {type(items).__name__}")
            outputs = []
            for index, item in enumerate(items):
                item_context = {**context, "Map": {"Item": {"Index": index, "Value": item}}}
                item_input = render(state[selector], effective, item_context) if selector in state else item
                outputs.append(self.run_branch(processor, item_input, _without_state(context)))
            return outputs

        return self._guarded(state, data, context, memo, run)

    # --- Task, Parallel and Map share result handling, Retry and Catch ---------------------------

    def _guarded(
        self, state: dict[str, Any], data: Any, context: Any, memo: dict[str, Any], body: Callable[[Any], Any]
    ) -> Outcome:
        try:
            result = body(select(state, "InputPath", data, context))
            result = render_field(state, "ResultSelector", result, context)
            return _after(state, select(state, "OutputPath", place_result(state, data, result), context))
        except StatesError as failure:
            if not failure.catchable:
                raise
            return self._recover(state, data, memo, failure)

    def _recover(
        self, state: dict[str, Any], data: Any, memo: dict[str, Any], failure: StatesError
    ) -> Outcome:
        retriers = state.get("Retry", [])
        retries = list(memo.get("retries") or [0] * len(retriers))
        for index, retrier in enumerate(retriers):
            if not error_matches(retrier["ErrorEquals"], failure.error):
                continue
            # Only the first matching retrier applies; once it is spent, Catch decides.
            if retries[index] < retrier.get("MaxAttempts", 3):
                delay = retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** retries[index]
                delay = min(delay, retrier.get("MaxDelaySeconds", delay))
                if retrier.get("JitterStrategy") == "FULL":
                    delay = random.uniform(0, delay)
                retries[index] += 1
                return Suspend(self._now() + delay, {**memo, "retries": retries})
            break
        for catcher in state.get("Catch", []):
            if error_matches(catcher["ErrorEquals"], failure.error):
                # Step Functions always gives both keys, as strings.
                error_output = {"Error": failure.error or "", "Cause": failure.cause or ""}
                return Next(catcher["Next"], place_result(catcher, data, error_output))
        raise failure

    def _invoke(self, target: Any, payload: Any) -> Any:
        try:
            # A copy: the task must not be able to change this state's input in place.
            result = self._invoke_task(target, json.loads(json.dumps(payload)))
        except StatesError:
            raise
        except Exception as exc:  # any exception from a task is that task's failure
            raise failure_from_exception(exc) from exc
        try:
            # A copy, and proof the result is JSON, as it would have to be to leave a Lambda.
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as err:
            raise StatesError("Runtime.MarshalError", f"the task result is not JSON: {err}") from None


def _without_state(context: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in context.items() if key not in ("State", "Map")}
