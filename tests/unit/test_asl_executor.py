"""The local ASL executor, state by state, on a SQLite file in tmp_path and a fake clock."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devrel.asl import ExecutionStore, LocalExecutor, TaskFailure
from devrel.ports import Execution
from support.fakes import FakeClock

GREET = "arn:aws:lambda:us-east-1:123456789012:function:Greet"
FLAKY = "arn:aws:lambda:us-east-1:123456789012:function:Flaky"
BROKEN = "arn:aws:lambda:us-east-1:123456789012:function:Broken"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


class Tasks:
    """The task invoker: records every call; GREET echoes, FLAKY fails until its `fail_times` are used."""

    def __init__(self, fail_times: int = 0, error: str = "Flaky.Busy") -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail_times = fail_times
        self.error = error
        self.lock = threading.Lock()

    def __call__(self, resource: str, payload: Any) -> Any:
        with self.lock:
            self.calls.append((resource, payload))
        if resource == FLAKY and self.count(FLAKY) <= self.fail_times:
            raise TaskFailure(self.error, f"attempt {self.count(FLAKY)}")
        if resource == BROKEN:
            raise KeyError("nope")
        return {"greeting": "hello", "got": payload}

    def count(self, resource: str) -> int:
        return sum(1 for called, _ in self.calls if called == resource)


class Harness:
    def __init__(self, db: Path, tasks: Tasks) -> None:
        self.db = db
        self.clock = FakeClock(1_700_000_000.0)
        self.tasks = tasks
        self.store = ExecutionStore(db, now=self.clock)

    def executor(self, definitions: dict[str, dict[str, Any]]) -> LocalExecutor:
        return LocalExecutor(self.db, definitions, self.tasks, now=self.clock, sleep=self.clock.sleep)

    def finish(self, executor: LocalExecutor, execution_id: str) -> Execution:
        """Run until the execution ends, moving the clock to each wake time it persisted."""
        for _ in range(50):
            executor.run_ready()
            execution = self.store.describe(execution_id)
            if execution.status in TERMINAL:
                return execution
            suspended = self.store.history(execution_id)[-1]
            assert suspended["type"] == "StateSuspended", "an unfinished execution must be waiting"
            self.clock.now = max(self.clock.now, suspended["details"]["until"])
        raise AssertionError("the execution did not finish")

    def run(self, definition: dict[str, Any], payload: Any, name: str = "run-1") -> Execution:
        execution_id = self.store.start("Machine", payload, name)
        return self.finish(self.executor({"Machine": definition}), execution_id)

    def suspensions(self, execution_id: str) -> list[float]:
        return [
            e["details"]["until"] for e in self.store.history(execution_id) if e["type"] == "StateSuspended"
        ]


@pytest.fixture
def tasks() -> Tasks:
    return Tasks()


@pytest.fixture
def harness(tmp_path: Path, tasks: Tasks) -> Harness:
    return Harness(tmp_path / "workflows.sqlite", tasks)


def machine(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A definition whose states run in the given order unless they say otherwise."""
    built: dict[str, Any] = {}
    for position, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in state and "End" not in state:
            if position + 1 < len(states):
                state["Next"] = states[position + 1][0]
            else:
                state["End"] = True
        built[name] = state
    return {"StartAt": states[0][0], "States": built}


# --- Pass and the paths --------------------------------------------------------------------------


def test_pass_result_resultpath_outputpath(harness: Harness) -> None:
    definition = machine(
        ("Add", {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.added"}),
        ("Keep", {"Type": "Pass", "Result": "ignored", "ResultPath": None}),
        ("Pick", {"Type": "Pass", "OutputPath": "$.added"}),
    )
    assert harness.run(definition, {"a": 0}).output == {"x": 1}


def test_pass_parameters_with_paths_context_and_intrinsics(harness: Harness) -> None:
    definition = machine(
        (
            "Shape",
            {
                "Type": "Pass",
                "InputPath": "$.user",
                "Parameters": {
                    "name.$": "$.name",
                    "first.$": "$.tags[0]",
                    "static": {"nested.$": "$.name", "list": [{"inner.$": "$.tags[1]"}]},
                    "execution.$": "$$.Execution.Id",
                    "original.$": "$$.Execution.Input.user.name",
                    "state.$": "$$.State.Name",
                    "title.$": "States.Format('Dr. {}', $.name)",
                },
            },
        ),
    )
    execution = harness.run(definition, {"user": {"name": "Ada", "tags": ["x", "y"]}})
    assert execution.output == {
        "name": "Ada",
        "first": "x",
        "static": {"nested": "Ada", "list": [{"inner": "y"}]},
        "execution": execution.execution_id,
        "original": "Ada",
        "state": "Shape",
        "title": "Dr. Ada",
    }


def test_null_input_and_output_paths_mean_an_empty_object(harness: Harness) -> None:
    definition = machine(
        ("Nothing", {"Type": "Pass", "InputPath": None, "ResultPath": "$.seen"}),
        ("Drop", {"Type": "Pass", "OutputPath": None}),
    )
    assert harness.run(definition, {"a": 1}).output == {}


def test_a_path_that_selects_nothing_fails_with_states_runtime(harness: Harness) -> None:
    definition = machine(("Bad", {"Type": "Pass", "Parameters": {"x.$": "$.missing"}}))
    execution = harness.run(definition, {})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")


def test_resultpath_into_a_non_object_fails(harness: Harness) -> None:
    definition = machine(("Bad", {"Type": "Pass", "Result": 1, "ResultPath": "$.x"}))
    execution = harness.run(definition, "just text")
    assert (execution.status, execution.error) == ("FAILED", "States.ResultPathMatchFailure")


# --- Task -------------------------------------------------------------------------------------------


def test_task_with_a_lambda_arn_gets_its_parameters(harness: Harness, tasks: Tasks) -> None:
    definition = machine(
        (
            "Greet",
            {"Type": "Task", "Resource": GREET, "Parameters": {"who.$": "$.name"}, "ResultPath": "$.reply"},
        )
    )
    execution = harness.run(definition, {"name": "Ada"})
    assert tasks.calls == [(GREET, {"who": "Ada"})]
    assert execution.output == {"name": "Ada", "reply": {"greeting": "hello", "got": {"who": "Ada"}}}


def test_lambda_invoke_integration_wraps_the_payload(harness: Harness, tasks: Tasks) -> None:
    definition = machine(
        (
            "Raw",
            {
                "Type": "Task",
                "Resource": LAMBDA_INVOKE,
                "Parameters": {"FunctionName": GREET, "Payload.$": "$"},
            },
        ),
    )
    execution = harness.run(definition, {"n": 1})
    assert tasks.calls == [(GREET, {"n": 1})]
    assert execution.output["Payload"] == {"greeting": "hello", "got": {"n": 1}}
    assert execution.output["StatusCode"] == 200


def test_result_selector_applies_before_result_path(harness: Harness) -> None:
    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": LAMBDA_INVOKE,
                "Parameters": {"FunctionName": GREET, "Payload": {"fixed": True}},
                "ResultSelector": {"said.$": "$.Payload.greeting", "code.$": "$.StatusCode"},
                "ResultPath": "$.call",
                "OutputPath": "$.call",
            },
        ),
    )
    assert harness.run(definition, {}).output == {"said": "hello", "code": 200}


def test_an_exception_from_the_invoker_is_named_after_its_class(harness: Harness) -> None:
    execution = harness.run(machine(("Break", {"Type": "Task", "Resource": BROKEN})), {})
    assert (execution.status, execution.error) == ("FAILED", "KeyError")
    cause = json.loads(execution.cause or "")
    assert (cause["errorType"], cause["errorMessage"]) == ("KeyError", "'nope'")


def test_a_task_failure_keeps_its_error_and_cause(harness: Harness) -> None:
    harness.tasks.fail_times = 1
    execution = harness.run(machine(("Once", {"Type": "Task", "Resource": FLAKY})), {})
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Flaky.Busy", "attempt 1")


def test_a_result_that_is_not_json_fails_the_task(harness: Harness) -> None:
    def invoke(resource: str, payload: Any) -> Any:
        return {"when": object()}

    harness.tasks = invoke  # type: ignore[assignment]
    execution = harness.run(machine(("Odd", {"Type": "Task", "Resource": GREET})), {})
    assert (execution.status, execution.error) == ("FAILED", "Runtime.MarshalError")


# --- Retry and Catch --------------------------------------------------------------------------------


def test_retry_succeeds_on_the_third_attempt_with_backoff(harness: Harness, tasks: Tasks) -> None:
    tasks.fail_times = 2
    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": FLAKY,
                "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "BackoffRate": 3}],
            },
        ),
    )
    started = harness.clock.now
    execution_id = harness.store.start("Machine", {"n": 1}, "retry")
    execution = harness.finish(harness.executor({"Machine": definition}), execution_id)
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"greeting": "hello", "got": {"n": 1}}
    assert tasks.count(FLAKY) == 3
    assert [until - started for until in harness.suspensions(execution_id)] == [2, 2 + 6]


def test_retry_waits_are_not_sleeps_at_the_top_level(harness: Harness, tasks: Tasks) -> None:
    tasks.fail_times = 1
    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": FLAKY,
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 30}],
            },
        )
    )
    execution_id = harness.store.start("Machine", {}, "later")
    executor = harness.executor({"Machine": definition})
    executor.run_ready()
    harness.clock.now += 29
    executor.run_ready()
    assert (tasks.count(FLAKY), harness.store.describe(execution_id).status) == (1, "RUNNING")
    harness.clock.now += 1
    executor.run_ready()
    assert (tasks.count(FLAKY), harness.store.describe(execution_id).status) == (2, "SUCCEEDED")


def test_max_delay_caps_the_backoff(harness: Harness, tasks: Tasks) -> None:
    tasks.fail_times = 3
    retry = {"ErrorEquals": ["Flaky.Busy"], "IntervalSeconds": 10, "BackoffRate": 10, "MaxDelaySeconds": 50}
    definition = machine(("Call", {"Type": "Task", "Resource": FLAKY, "Retry": [retry]}))
    started = harness.clock.now
    execution_id = harness.store.start("Machine", {}, "capped")
    harness.finish(harness.executor({"Machine": definition}), execution_id)
    assert [until - started for until in harness.suspensions(execution_id)] == [10, 60, 110]


def test_exhausted_retries_fall_through_to_catch(harness: Harness, tasks: Tasks) -> None:
    tasks.fail_times = 10
    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": FLAKY,
                "Retry": [{"ErrorEquals": ["Flaky.Busy"], "MaxAttempts": 2}],
                "Catch": [
                    {"ErrorEquals": ["Other"], "Next": "Wrong"},
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.problem", "Next": "Handled"},
                ],
                "Next": "Wrong",
            },
        ),
        ("Wrong", {"Type": "Fail", "Error": "WrongWay"}),
        ("Handled", {"Type": "Pass"}),
    )
    execution = harness.run(definition, {"id": 7})
    assert tasks.count(FLAKY) == 3
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"id": 7, "problem": {"Error": "Flaky.Busy", "Cause": "attempt 3"}}


def test_only_the_first_matching_retrier_applies(harness: Harness, tasks: Tasks) -> None:
    tasks.fail_times = 5
    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": FLAKY,
                "Retry": [
                    {"ErrorEquals": ["Flaky.Busy"], "MaxAttempts": 0},
                    {"ErrorEquals": ["States.ALL"], "MaxAttempts": 4},
                ],
            },
        ),
    )
    execution = harness.run(definition, {})
    assert (execution.status, tasks.count(FLAKY)) == ("FAILED", 1)


def test_task_failed_does_not_match_timeouts(harness: Harness, tasks: Tasks) -> None:
    tasks.fail_times, tasks.error = 1, "States.Timeout"
    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": FLAKY,
                "Catch": [
                    {"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"},
                    {"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"},
                ],
                "End": True,
            },
        ),
        ("Wrong", {"Type": "Fail"}),
        ("TimedOut", {"Type": "Succeed"}),
    )
    assert harness.run(definition, {}).status == "SUCCEEDED"


def test_runtime_errors_are_never_caught(harness: Harness) -> None:
    definition = machine(
        (
            "Call",
            {
                "Type": "Task",
                "Resource": GREET,
                "Parameters": {"x.$": "$.missing"},
                "Retry": [{"ErrorEquals": ["States.ALL"]}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
        ),
        ("Caught", {"Type": "Succeed"}),
    )
    execution = harness.run(definition, {})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert harness.tasks.calls == []


# --- Choice, Succeed, Fail ------------------------------------------------------------------------


CHOOSE = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            # A rule reading a missing variable fails the execution, so presence is tested first.
            "Choices": [
                {"Not": {"Variable": "$.kind", "IsPresent": True}, "Next": "Unknown"},
                {
                    "And": [
                        {"Variable": "$.kind", "StringEquals": "bug"},
                        {"Variable": "$.votes", "NumericGreaterThanEquals": 10},
                    ],
                    "Next": "Urgent",
                },
                {"Variable": "$.kind", "StringMatches": "feat*", "Next": "Later"},
            ],
            "Default": "Normal",
        },
        "Urgent": {"Type": "Pass", "Result": "urgent", "End": True},
        "Later": {"Type": "Pass", "Result": "later", "End": True},
        "Unknown": {"Type": "Pass", "Result": "unknown", "End": True},
        "Normal": {"Type": "Pass", "Result": "normal", "End": True},
    },
}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"kind": "bug", "votes": 12}, "urgent"),
        ({"kind": "bug", "votes": 2}, "normal"),
        ({"kind": "question", "votes": 2}, "normal"),
        ({"kind": "feature"}, "later"),
        ({}, "unknown"),
    ],
)
def test_choice_routes(harness: Harness, payload: dict[str, Any], expected: str) -> None:
    assert harness.run(CHOOSE, payload).output == expected


def test_choice_without_a_match_or_default_fails(harness: Harness) -> None:
    definition = {
        "StartAt": "Route",
        "States": {
            "Route": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "One"}]},
            "One": {"Type": "Succeed"},
        },
    }
    execution = harness.run(definition, {"n": 2})
    assert (execution.status, execution.error) == ("FAILED", "States.NoChoiceMatched")


def test_choice_output_path(harness: Harness) -> None:
    definition = {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "InputPath": "$.inner",
                "OutputPath": "$.value",
                "Choices": [{"Variable": "$.value", "IsString": True, "Next": "Done"}],
            },
            "Done": {"Type": "Succeed"},
        },
    }
    assert harness.run(definition, {"inner": {"value": "v"}}).output == "v"


def test_succeed_applies_its_paths(harness: Harness) -> None:
    definition = machine(("Stop", {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}))
    execution = harness.run(definition, {"a": {"b": 2}})
    assert (execution.status, execution.output) == ("SUCCEEDED", 2)


def test_fail_with_static_error_and_cause(harness: Harness) -> None:
    execution = harness.run(machine(("Stop", {"Type": "Fail", "Error": "Bad.Input", "Cause": "why"})), {})
    assert (execution.status, execution.error, execution.cause, execution.output) == (
        "FAILED",
        "Bad.Input",
        "why",
        None,
    )


def test_fail_with_error_path_and_cause_path(harness: Harness) -> None:
    definition = machine(
        (
            "Stop",
            {"Type": "Fail", "ErrorPath": "$.code", "CausePath": "States.Format('issue {} is bad', $.id)"},
        )
    )
    execution = harness.run(definition, {"code": "E42", "id": 9})
    assert (execution.error, execution.cause) == ("E42", "issue 9 is bad")


# --- Wait -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wait", "payload", "seconds"),
    [
        ({"Seconds": 90}, {}, 90),
        ({"SecondsPath": "$.delay"}, {"delay": 30}, 30),
        ({"Timestamp": "2023-11-14T22:13:27Z"}, {}, 7),  # the clock starts at 22:13:20Z
        ({"TimestampPath": "$.at"}, {"at": "2023-11-14T23:13:20+01:00"}, 0),
        ({"Seconds": 0}, {}, 0),
    ],
)
def test_wait_suspends_until_its_time(
    harness: Harness, wait: dict[str, Any], payload: Any, seconds: int
) -> None:
    definition = machine(("Hold", {"Type": "Wait", **wait}), ("After", {"Type": "Pass", "Result": "done"}))
    execution_id = harness.store.start("Machine", payload, "wait")
    executor = harness.executor({"Machine": definition})
    start = harness.clock.now
    if seconds:
        executor.run_ready()
        assert harness.store.describe(execution_id).status == "RUNNING"
        assert harness.suspensions(execution_id) == [start + seconds]
        harness.clock.now = start + seconds - 0.5
        executor.run_ready()
        assert harness.store.describe(execution_id).status == "RUNNING"
        harness.clock.now = start + seconds
    executor.run_ready()
    assert harness.store.describe(execution_id).output == "done"


@pytest.mark.parametrize("payload", [{"delay": -1}, {"delay": "10"}, {"delay": 1.5}])
def test_a_bad_seconds_path_fails(harness: Harness, payload: Any) -> None:
    definition = machine(("Hold", {"Type": "Wait", "SecondsPath": "$.delay"}))
    assert harness.run(definition, payload).error == "States.Runtime"


def test_restart_in_the_middle_of_a_wait(harness: Harness, tasks: Tasks) -> None:
    definition = machine(
        ("Before", {"Type": "Task", "Resource": GREET, "ResultPath": "$.before"}),
        ("Hold", {"Type": "Wait", "Seconds": 3600}),
        ("After", {"Type": "Pass", "Parameters": {"before.$": "$.before.greeting", "id.$": "$.id"}}),
    )
    execution_id = harness.store.start("Machine", {"id": 1}, "restart")
    first = harness.executor({"Machine": definition})
    assert first.run_ready() == 1
    assert harness.store.describe(execution_id).status == "RUNNING"
    del first

    harness.clock.now += 3599
    second = harness.executor({"Machine": definition})
    assert second.run_ready() == 0
    harness.clock.now += 1
    assert second.run_ready() == 1
    execution = harness.store.describe(execution_id)
    assert (execution.status, execution.output) == ("SUCCEEDED", {"before": "hello", "id": 1})
    assert tasks.count(GREET) == 1


# --- Parallel and Map -----------------------------------------------------------------------------


def test_parallel_gives_each_branch_the_input_and_collects_outputs(harness: Harness, tasks: Tasks) -> None:
    definition = machine(
        (
            "Both",
            {
                "Type": "Parallel",
                "Parameters": {"n.$": "$.n"},
                "Branches": [
                    machine(("Call", {"Type": "Task", "Resource": GREET, "OutputPath": "$.got"})),
                    machine(("Add", {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.n, 1)"}})),
                ],
                "ResultSelector": {"first.$": "$[0].n", "second.$": "$[1].sum"},
                "ResultPath": "$.both",
            },
        ),
    )
    assert harness.run(definition, {"n": 1}).output == {"n": 1, "both": {"first": 1, "second": 2}}


def test_a_failing_branch_fails_the_parallel_which_can_catch_it(harness: Harness) -> None:
    definition = machine(
        (
            "Both",
            {
                "Type": "Parallel",
                "Branches": [
                    machine(("Fine", {"Type": "Pass"})),
                    machine(("Stop", {"Type": "Fail", "Error": "Branch.Broke", "Cause": "second"})),
                ],
                "Catch": [{"ErrorEquals": ["Branch.Broke"], "ResultPath": "$.error", "Next": "Recovered"}],
                "End": True,
            },
        ),
        ("Recovered", {"Type": "Pass"}),
    )
    assert harness.run(definition, {"a": 1}).output == {
        "a": 1,
        "error": {"Error": "Branch.Broke", "Cause": "second"},
    }


def test_map_with_item_selector_and_context(harness: Harness, tasks: Tasks) -> None:
    definition = machine(
        (
            "Each",
            {
                "Type": "Map",
                "ItemsPath": "$.issues",
                "MaxConcurrency": 2,
                "ItemSelector": {
                    "issue.$": "$$.Map.Item.Value",
                    "index.$": "$$.Map.Item.Index",
                    "repo.$": "$.repo",
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    **machine(("Label", {"Type": "Task", "Resource": GREET, "OutputPath": "$.got"})),
                },
                "ResultPath": "$.labelled",
            },
        ),
    )
    execution = harness.run(definition, {"repo": "o/r", "issues": [3, 5]})
    assert execution.output["labelled"] == [
        {"issue": 3, "index": 0, "repo": "o/r"},
        {"issue": 5, "index": 1, "repo": "o/r"},
    ]
    assert [payload for _, payload in tasks.calls] == execution.output["labelled"]


def test_legacy_map_with_iterator_and_parameters(harness: Harness) -> None:
    definition = machine(
        (
            "Each",
            {
                "Type": "Map",
                "Parameters": {"v.$": "$$.Map.Item.Value"},
                "Iterator": machine(
                    ("Double", {"Type": "Pass", "Parameters": {"d.$": "States.MathAdd($.v, $.v)"}})
                ),
            },
        ),
    )
    assert harness.run(definition, [1, 2, 3]).output == [{"d": 2}, {"d": 4}, {"d": 6}]


def test_map_over_something_that_is_not_an_array_fails(harness: Harness) -> None:
    definition = machine(
        ("Each", {"Type": "Map", "ItemsPath": "$.x", "Iterator": machine(("P", {"Type": "Pass"}))})
    )
    assert harness.run(definition, {"x": {"a": 1}}).error == "States.Runtime"


def test_waits_and_retries_inside_a_map_sleep(harness: Harness, tasks: Tasks) -> None:
    tasks.fail_times = 1
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 5}]
    processor = machine(
        ("Pause", {"Type": "Wait", "Seconds": 10}),
        ("Call", {"Type": "Task", "Resource": FLAKY, "Retry": retry, "OutputPath": "$.got"}),
    )
    definition = machine(("Each", {"Type": "Map", "ItemProcessor": processor}))
    start = harness.clock.now
    execution = harness.run(definition, [1, 2])
    assert execution.output == [1, 2]
    assert tasks.count(FLAKY) == 3
    assert harness.clock.now - start == 10 + 5 + 10


# --- everything at once, durability, idempotency, concurrency -----------------------------------


def test_wait_retry_catch_map_and_parallel_together(harness: Harness, tasks: Tasks) -> None:
    tasks.fail_times = 2
    definition = {
        "StartAt": "Prepare",
        "States": {
            "Prepare": {
                "Type": "Task",
                "Resource": FLAKY,
                "Parameters": {"repo.$": "$.repo"},
                "Retry": [{"ErrorEquals": ["Flaky.Busy"], "IntervalSeconds": 1, "MaxAttempts": 3}],
                "ResultSelector": {"ok.$": "$.got.repo"},
                "ResultPath": "$.prepared",
                "Next": "Cool down",
            },
            "Cool down": {"Type": "Wait", "Seconds": 600, "Next": "Fan out"},
            "Fan out": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Each",
                        "States": {
                            "Each": {
                                "Type": "Map",
                                "ItemsPath": "$.issues",
                                "ItemProcessor": machine(
                                    (
                                        "Check",
                                        {
                                            "Type": "Choice",
                                            "Choices": [
                                                {
                                                    "Variable": "$",
                                                    "NumericGreaterThan": 100,
                                                    "Next": "Too big",
                                                }
                                            ],
                                            "Default": "Fine",
                                        },
                                    ),
                                    ("Fine", {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": True}),
                                    (
                                        "Too big",
                                        {"Type": "Fail", "Error": "Issue.TooBig", "Cause": "over 100"},
                                    ),
                                ),
                                "End": True,
                            }
                        },
                    },
                    machine(("Greet", {"Type": "Task", "Resource": GREET, "OutputPath": "$.greeting"})),
                ],
                "Catch": [{"ErrorEquals": ["Issue.TooBig"], "ResultPath": "$.failure", "Next": "Report"}],
                "ResultPath": "$.results",
                "Next": "Report",
            },
            "Report": {"Type": "Pass", "End": True},
        },
    }
    executor = harness.executor({"Machine": definition})
    small = harness.store.start("Machine", {"repo": "o/r", "issues": [1, 2]}, "small")
    big = harness.store.start("Machine", {"repo": "o/r", "issues": [1, 200]}, "big")
    first = harness.finish(executor, small)
    second = harness.finish(executor, big)
    assert first.output == {
        "repo": "o/r",
        "issues": [1, 2],
        "prepared": {"ok": "o/r"},
        "results": [[{"n": 1}, {"n": 2}], "hello"],
    }
    assert second.output == {
        "repo": "o/r",
        "issues": [1, 200],
        "prepared": {"ok": "o/r"},
        "failure": {"Error": "Issue.TooBig", "Cause": "over 100"},
    }
    assert tasks.count(FLAKY) == 4  # two failures, then one success for each execution


def test_starting_the_same_name_twice_runs_once(harness: Harness, tasks: Tasks) -> None:
    definition = machine(("Greet", {"Type": "Task", "Resource": GREET}))
    first = harness.store.start("Machine", {"n": 1}, "issue-42")
    second = harness.store.start("Machine", {"n": 2}, "issue-42")
    other = harness.store.start("Other", {"n": 1}, "issue-42")
    assert first == second != other
    executor = harness.executor({"Machine": definition, "Other": definition})
    assert executor.run_ready() == 2
    assert harness.store.describe(first).input == {"n": 1}
    assert tasks.calls == [(GREET, {"n": 1}), (GREET, {"n": 1})]
    assert harness.store.start("Machine", {"n": 3}, "issue-42") == first
    assert executor.run_ready() == 0


@pytest.mark.parametrize("name", ["", "x" * 81, "has space", "a/b", "q?"])
def test_invalid_names_are_rejected(harness: Harness, name: str) -> None:
    with pytest.raises(ValueError, match="invalid execution name"):
        harness.store.start("Machine", {}, name)


def test_executions_of_unknown_machines_are_left_alone(harness: Harness) -> None:
    execution_id = harness.store.start("Elsewhere", {}, "x")
    assert harness.executor({"Machine": machine(("P", {"Type": "Pass"}))}).run_ready() == 0
    assert harness.store.describe(execution_id).status == "PENDING"


def test_history_records_the_path_taken(harness: Harness) -> None:
    definition = machine(
        ("One", {"Type": "Pass"}), ("Two", {"Type": "Wait", "Seconds": 5}), ("Three", {"Type": "Pass"})
    )
    execution_id = harness.store.start("Machine", {}, "history")
    harness.finish(harness.executor({"Machine": definition}), execution_id)
    steps = [(event["type"], event["state"]) for event in harness.store.history(execution_id)]
    assert steps == [
        ("ExecutionStarted", None),
        ("StateEntered", "One"),
        ("StateExited", "One"),
        ("StateEntered", "Two"),
        ("StateSuspended", "Two"),
        ("StateExited", "Two"),
        ("StateEntered", "Three"),
        ("StateExited", "Three"),
        ("ExecutionSucceeded", None),
    ]


def test_a_loop_without_end_is_stopped(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("devrel.asl.executor.MAX_TRANSITIONS", 20)
    definition = {"StartAt": "Again", "States": {"Again": {"Type": "Pass", "Next": "Again"}}}
    execution = harness.run(definition, {})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")


def test_two_runners_on_one_file_run_each_execution_once(harness: Harness, tasks: Tasks) -> None:
    definition = machine(("Greet", {"Type": "Task", "Resource": GREET}), ("Rest", {"Type": "Pass"}))
    ids = [harness.store.start("Machine", {"n": n}, f"run-{n}") for n in range(30)]
    runners = [harness.executor({"Machine": definition}) for _ in range(3)]
    advanced: list[int] = []

    def drive(runner: LocalExecutor) -> None:
        advanced.append(runner.run_ready())

    threads = [threading.Thread(target=drive, args=(runner,)) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(advanced) == 30
    assert sorted(payload["n"] for _, payload in tasks.calls) == list(range(30))
    assert {harness.store.describe(execution_id).status for execution_id in ids} == {"SUCCEEDED"}


def test_invalid_definitions_are_refused_up_front(harness: Harness) -> None:
    with pytest.raises(ValueError, match="Missing"):
        harness.executor({"Machine": {"StartAt": "Missing", "States": {"P": {"Type": "Pass", "End": True}}}})


def test_an_invoker_for_many_calls(harness: Harness) -> None:
    seen: list[str] = []
    invoke: Callable[[str, Any], Any] = lambda resource, payload: seen.append(resource) or payload  # noqa: E731
    harness.tasks = invoke  # type: ignore[assignment]
    definition = machine(
        ("A", {"Type": "Task", "Resource": "LocalFunctionA"}), ("B", {"Type": "Task", "Resource": GREET})
    )
    assert harness.run(definition, {"k": 1}).output == {"k": 1}
    assert seen == ["LocalFunctionA", GREET]


def test_the_machine_timeout_ends_a_long_wait(harness: Harness) -> None:
    definition = {
        "TimeoutSeconds": 100,
        **machine(("Hold", {"Type": "Wait", "Seconds": 3600}), ("After", {"Type": "Pass"})),
    }
    start = harness.clock.now
    execution = harness.run(definition, {})
    assert (execution.status, execution.error) == ("TIMED_OUT", "States.Timeout")
    assert harness.clock.now - start == 100


def test_a_dead_runners_execution_is_taken_over_when_its_lease_ends(harness: Harness, tasks: Tasks) -> None:
    definition = machine(("Greet", {"Type": "Task", "Resource": GREET}))
    execution_id = harness.store.start("Machine", {}, "orphan")
    assert harness.store.claim(execution_id, "runner-that-died", harness.clock.now, 60) is not None
    executor = harness.executor({"Machine": definition})
    assert executor.run_ready() == 0
    harness.clock.now += 60
    assert executor.run_ready() == 1
    assert (harness.store.describe(execution_id).status, tasks.count(GREET)) == ("SUCCEEDED", 1)


def test_a_task_cannot_change_the_state_input_in_place(harness: Harness) -> None:
    def invoke(resource: str, payload: Any) -> Any:
        payload["tampered"] = True
        return "ok"

    harness.tasks = invoke  # type: ignore[assignment]
    definition = machine(("Call", {"Type": "Task", "Resource": GREET, "ResultPath": "$.result"}))
    assert harness.run(definition, {"a": 1}).output == {"a": 1, "result": "ok"}


def test_fail_paths_must_select_strings(harness: Harness) -> None:
    definition = machine(("Stop", {"Type": "Fail", "ErrorPath": "$.code"}))
    assert harness.run(definition, {"code": 42}).error == "States.Runtime"
