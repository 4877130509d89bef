"""The local ASL executor against Step Functions as moto serves it over HTTP.

Each definition below (none calls a Lambda: moto never runs those) is executed by moto's
interpreter and by ours on the same input; status, output and error must agree. Where moto departs
from Step Functions' documented behaviour, the case is skipped with the reason, and the unit tests
pin the documented behaviour instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from devrel.adapters.workflows_local import SqliteWorkflows
from devrel.adapters.workflows_sfn import StepFunctionsWorkflows
from devrel.asl import ExecutionStore, LocalExecutor
from devrel.ports import Execution, PortError, Workflows

ROLE = "arn:aws:iam::123456789012:role/states"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
EXECUTION_NAME = "compare-1"


def chain(*states: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A definition running `states` in order (Next/End filled in where a state has neither)."""
    built = {}
    for position, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in state and "End" not in state:
            state.update({"Next": states[position + 1][0]} if position + 1 < len(states) else {"End": True})
        built[name] = state
    return {"StartAt": states[0][0], "States": built}


def pass_with(parameters: dict[str, Any]) -> dict[str, Any]:
    return chain(("Shape", {"Type": "Pass", "Parameters": parameters}))


ROUTER = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.kind", "IsPresent": False, "Next": "Missing"},
                {
                    "And": [
                        {"Variable": "$.kind", "StringEquals": "bug"},
                        {
                            "Or": [
                                {"Variable": "$.votes", "NumericGreaterThan": 10},
                                {"Variable": "$.vip", "BooleanEquals": True},
                            ]
                        },
                    ],
                    "Next": "Urgent",
                },
                {"Variable": "$.kind", "StringMatches": "feat*", "Next": "Later"},
                {"Not": {"Variable": "$.votes", "IsNumeric": True}, "Next": "Odd"},
                {"Variable": "$.votes", "NumericLessThanPath": "$.threshold", "Next": "Quiet"},
                {"Variable": "$.when", "TimestampGreaterThan": "2024-01-01T00:00:00Z", "Next": "Recent"},
                {"Variable": "$.label", "IsNull": True, "Next": "Unlabelled"},
            ],
            "Default": "Normal",
        },
        **{
            # Object results: moto returns a bare string output without its JSON quotes.
            name: {"Type": "Pass", "Result": {"route": name}, "End": True}
            for name in ("Missing", "Urgent", "Later", "Odd", "Quiet", "Recent", "Unlabelled", "Normal")
        },
    },
}

MAP_ITEMS = chain(
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
                **chain(
                    (
                        "Title",
                        {
                            "Type": "Pass",
                            "Parameters": {
                                "title.$": "States.Format('{}#{}', $.repo, $.issue.n)",
                                "i.$": "$.index",
                            },
                        },
                    ),
                ),
            },
            "ResultSelector": {"titles.$": "$[*].title", "count.$": "States.ArrayLength($)"},
            "ResultPath": "$.result",
        },
    ),
)

LEGACY_MAP = chain(
    (
        "Each",
        {
            "Type": "Map",
            "InputPath": "$.wrapper",
            "ItemsPath": "$.values",
            "Parameters": {"v.$": "$$.Map.Item.Value", "all.$": "$.tag"},
            "Iterator": chain(
                ("Sum", {"Type": "Pass", "Parameters": {"s.$": "States.MathAdd($.v, 100)", "t.$": "$.all"}})
            ),
            "OutputPath": "$[1]",
        },
    ),
)

PARALLEL = chain(
    (
        "Both",
        {
            "Type": "Parallel",
            "Parameters": {"n.$": "$.n"},
            "Branches": [
                chain(("Double", {"Type": "Pass", "Parameters": {"d.$": "States.MathAdd($.n, $.n)"}})),
                chain(
                    ("Hold", {"Type": "Wait", "Seconds": 1}),
                    ("Keep", {"Type": "Pass", "ResultPath": "$.copy"}),
                ),
            ],
            "ResultPath": "$.branches",
        },
    ),
    (
        "Summary",
        {"Type": "Pass", "Parameters": {"double.$": "$.branches[0]", "copy.$": "$.branches[1].copy.n"}},
    ),
)

PARALLEL_RETRY_CATCH = chain(
    (
        "Try",
        {
            "Type": "Parallel",
            "Branches": [
                chain(("Stop", {"Type": "Fail", "Error": "Custom.Broken", "Cause": "branch failed"}))
            ],
            "Retry": [{"ErrorEquals": ["Custom.Broken"], "IntervalSeconds": 1, "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
            "End": True,
        },
    ),
    (
        "Recover",
        {
            "Type": "Pass",
            "Parameters": {"error.$": "$.error.Error", "cause.$": "$.error.Cause", "id.$": "$.id"},
        },
    ),
)

WAITS = chain(
    ("Zero", {"Type": "Wait", "SecondsPath": "$.zero"}),
    ("Past", {"Type": "Wait", "Timestamp": "2020-01-01T00:00:00Z"}),
    ("PastPath", {"Type": "Wait", "TimestampPath": "$.past", "OutputPath": "$.keep"}),
    ("One", {"Type": "Wait", "Seconds": 1}),
    ("Done", {"Type": "Succeed"}),
)

WAIT_IN_MAP = chain(
    (
        "Each",
        {
            "Type": "Map",
            "ItemProcessor": chain(("Hold", {"Type": "Wait", "Seconds": 1}), ("Out", {"Type": "Pass"})),
        },
    ),
)

INTRINSICS = pass_with(
    {
        "format.$": "States.Format('{} has {} items: {}', $.name, States.ArrayLength($.items), $.items)",
        "formatObject.$": "States.Format('obj={}', $.object)",
        "parsed.$": "States.StringToJson($.json)",
        "text.$": "States.JsonToString($.object)",
        "array.$": "States.Array($.name, 1, true, $.object)",
        "contains.$": "States.ArrayContains($.items, 2)",
        "item.$": "States.ArrayGetItem($.items, 1)",
        "sum.$": "States.MathAdd($.n, -4)",
        "partition.$": "States.ArrayPartition($.items, 2)",
        "range.$": "States.ArrayRange(0, 10, 5)",
        "unique.$": "States.ArrayUnique(States.Array(1, 2, 1, 'x', 'x'))",
        "b64.$": "States.Base64Encode($.name)",
        "decoded.$": "States.Base64Decode('aGVsbG8=')",
        "md5.$": "States.Hash($.name, 'MD5')",
        "sha1.$": "States.Hash($.name, 'SHA-1')",
        "sha256.$": "States.Hash($.name, 'SHA-256')",
        "merged.$": "States.JsonMerge($.object, $.more, false)",
        "split.$": "States.StringSplit($.csv, ',')",
        "nested": {
            "execution.$": "$$.Execution.Name",
            "state.$": "$$.State.Name",
            "list": [{"first.$": "$.items[0]"}],
        },
    }
)
INTRINSICS_INPUT = {
    "name": "Ada",
    "items": [1, 2, 3],
    "object": {"a": 1, "b": "x"},
    "more": {"b": "y", "c": [1]},
    "json": '{"k": [1, "v"], "n": null}',
    "n": 7,
    "csv": "a,b,c",
}

CASES: list[Any] = [
    pytest.param(
        chain(
            ("Add", {"Type": "Pass", "Result": {"x": 1, "y": [1, 2]}, "ResultPath": "$.added"}),
            ("Ignore", {"Type": "Pass", "Result": "dropped", "ResultPath": None}),
            (
                "Narrow",
                {
                    "Type": "Pass",
                    "InputPath": "$.added",
                    "Parameters": {"second.$": "$.y[1]"},
                    "ResultPath": "$.out",
                },
            ),
            ("Pick", {"Type": "Pass", "OutputPath": "$.out"}),
        ),
        {"keep": True},
        id="pass-paths",
    ),
    pytest.param(
        chain(
            ("Nothing", {"Type": "Pass", "InputPath": None, "ResultPath": "$.r"}),
            ("Drop", {"Type": "Pass", "OutputPath": None}),
        ),
        {"a": 1},
        id="null-paths",
    ),
    pytest.param(
        pass_with(
            {"name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input.a", "state.$": "$$.State.Name"}
        ),
        {"a": [1, {"b": 2}]},
        id="context-object",
    ),
    pytest.param(
        pass_with({"each.$": "$.people[*].name", "slice.$": "$.list[1:3]", "deep.$": "$..age"}),
        {"people": [{"name": "a", "age": 1}, {"name": "b", "age": 2}], "list": [1, 2, 3, 4]},
        id="jsonpath-lists",
    ),
    pytest.param(ROUTER, {}, id="choice-missing-is-present"),
    pytest.param(ROUTER, {"kind": "bug", "votes": 2, "vip": True}, id="choice-and-or"),
    pytest.param(ROUTER, {"kind": "feature"}, id="choice-string-matches"),
    pytest.param(ROUTER, {"kind": "question", "votes": "many"}, id="choice-not"),
    pytest.param(ROUTER, {"kind": "question", "votes": 1, "threshold": 5}, id="choice-path-comparison"),
    pytest.param(
        ROUTER,
        {"kind": "q", "votes": 9, "threshold": 5, "when": "2024-06-01T10:00:00Z"},
        id="choice-timestamp",
    ),
    pytest.param(
        ROUTER,
        {"kind": "q", "votes": 9, "threshold": 5, "when": "2023-06-01T10:00:00Z", "label": None},
        id="choice-is-null",
    ),
    pytest.param(
        ROUTER,
        {"kind": "q", "votes": 9, "threshold": 5, "when": "2023-06-01T10:00:00Z", "label": "x"},
        id="choice-default",
    ),
    pytest.param(
        MAP_ITEMS, {"repo": "o/r", "issues": [{"n": 1}, {"n": 2}, {"n": 3}]}, id="map-item-selector"
    ),
    pytest.param(MAP_ITEMS, {"repo": "o/r", "issues": []}, id="map-empty"),
    pytest.param(LEGACY_MAP, {"wrapper": {"values": [1, 2], "tag": "t"}}, id="map-legacy-iterator"),
    pytest.param(PARALLEL, {"n": 21}, id="parallel"),
    pytest.param(PARALLEL_RETRY_CATCH, {"id": 5}, id="parallel-retry-catch"),
    pytest.param(WAITS, {"zero": 0, "past": "2021-01-01T00:00:00Z", "keep": {"kept": 1}}, id="waits"),
    pytest.param(WAIT_IN_MAP, [{"a": 1}, {"b": 2}], id="wait-in-map"),
    pytest.param(INTRINSICS, INTRINSICS_INPUT, id="intrinsics"),
    pytest.param(
        chain(("Stop", {"Type": "Fail", "Error": "Triage.Rejected", "Cause": "spam"})), {}, id="fail-static"
    ),
    pytest.param(
        chain(("Stop", {"Type": "Fail", "ErrorPath": "$.code", "CausePath": "$.why"})),
        {"code": "E1", "why": "because"},
        id="fail-paths",
    ),
    pytest.param(
        chain(("Bad", {"Type": "Pass", "Parameters": {"x.$": "$.missing"}})), {}, id="runtime-missing-path"
    ),
    pytest.param(pass_with({"x.$": "States.ArrayGetItem($.l, 5)"}), {"l": [1]}, id="runtime-intrinsic"),
    pytest.param(
        {
            "StartAt": "Route",
            "States": {
                "Route": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "One"}],
                },
                "One": {"Type": "Succeed"},
            },
        },
        {"n": 2},
        id="choice-no-match",
        marks=pytest.mark.skip(
            reason="moto fails with States.Runtime; Step Functions documents States.NoChoiceMatched"
        ),
    ),
    pytest.param(
        pass_with({"value.$": "$.list[0].d"}),
        {"list": [{"d": 42}]},
        id="index-then-name",
        marks=pytest.mark.skip(
            reason="moto wraps some definite paths' value in a list; Step Functions selects the value"
        ),
    ),
    pytest.param(
        ROUTER,
        {"kind": "question"},
        id="choice-missing-variable",
        marks=pytest.mark.skip(
            reason="moto falls through to Default; Step Functions fails with States.Runtime"
        ),
    ),
    pytest.param(
        chain(("Bad", {"Type": "Pass", "Result": 1, "ResultPath": "$.x"})),
        "text",
        id="result-path-on-text",
        marks=pytest.mark.skip(
            reason="moto fails with States.Runtime; Step Functions documents States.ResultPathMatchFailure"
        ),
    ),
    pytest.param(
        pass_with({"s.$": "States.Format('\\{\\} {}', $.n)"}),
        {"n": 1},
        id="format-escapes",
        marks=pytest.mark.skip(reason="moto cannot parse escaped braces, which Step Functions documents"),
    ),
]


def _case_name(case: Any) -> str:
    return f"case-{case.id}"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    requests.post(
        f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10
    ).raise_for_status()
    yield url
    # moto's configuration is global to the process: the cloud rehearsal's own moto must not inherit it.
    requests.post(
        f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=10
    ).raise_for_status()
    server.stop()


@pytest.fixture(scope="module")
def sfn(moto_url: str, aws_session: boto3.session.Session) -> Any:
    return aws_session.client("stepfunctions", endpoint_url=moto_url)


def _outcome(status: str, output: Any, error: str | None, cause: str | None) -> dict[str, Any]:
    # Runtime errors carry each interpreter's own wording; their name is what must agree.
    return {
        "status": status,
        "output": output,
        "error": error,
        "cause": None if error == "States.Runtime" else cause,
    }


def _wait_for(describe: Callable[[], dict[str, Any]], seconds: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        found = describe()
        if found["status"] in TERMINAL or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.fixture(scope="module")
def moto_outcomes(sfn: Any) -> dict[str, dict[str, Any]]:
    """Every runnable case started at once (moto runs them side by side), then collected."""
    arns = {}
    for case in CASES:
        if case.marks:
            continue
        definition, payload = case.values
        machine_arn = sfn.create_state_machine(
            name=_case_name(case), definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
        arns[case.id] = sfn.start_execution(
            stateMachineArn=machine_arn, name=EXECUTION_NAME, input=json.dumps(payload)
        )["executionArn"]
    outcomes = {}
    for case_id, execution_arn in arns.items():
        found = _wait_for(lambda arn=execution_arn: sfn.describe_execution(executionArn=arn))
        output = json.loads(found["output"]) if "output" in found else None
        outcomes[case_id] = _outcome(found["status"], output, found.get("error"), found.get("cause"))
    return outcomes


class FakeClock:
    """Local runs jump over waits instead of sleeping through them; outputs do not depend on time."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run_locally(db: Path, name: str, definition: dict[str, Any], payload: Any) -> Execution:
    clock = FakeClock()
    store = ExecutionStore(db, now=clock)
    execution_id = store.start(name, payload, EXECUTION_NAME)
    executor = LocalExecutor(db, {name: definition}, invoke_task=_no_tasks, now=clock, sleep=clock.sleep)
    for _ in range(20):
        executor.run_ready()
        execution = store.describe(execution_id)
        if execution.status in TERMINAL:
            return execution
        clock.now += 60
    raise AssertionError(f"{name} did not finish")


def _no_tasks(resource: str, payload: Any) -> Any:
    raise AssertionError("these definitions call no task")


@pytest.mark.parametrize(("definition", "payload"), CASES)
def test_local_executor_agrees_with_moto(
    request: pytest.FixtureRequest,
    moto_outcomes: dict[str, dict[str, Any]],
    tmp_path: Path,
    definition: dict[str, Any],
    payload: Any,
) -> None:
    case_id = request.node.callspec.id
    local = run_locally(tmp_path / "workflows.sqlite", f"case-{case_id}", definition, payload)
    assert _outcome(local.status, local.output, local.error, local.cause) == moto_outcomes[case_id]


# --- the Workflows port: one contract, both adapters -------------------------------------------

WORKFLOW = chain(
    ("Hold", {"Type": "Wait", "Seconds": 0}), ("Echo", {"Type": "Pass", "Parameters": {"got.$": "$.n"}})
)


@pytest.fixture(params=["local", "stepfunctions"])
def workflows(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Workflows, Callable[[], object]]:
    """An adapter and how to make progress with it (the local runner's poll, or nothing for the cloud)."""
    if request.param == "local":
        db = tmp_path / "workflows.sqlite"
        runner = LocalExecutor(db, {"Triage": WORKFLOW}, invoke_task=_no_tasks)
        return SqliteWorkflows(db), runner.run_ready
    sfn = request.getfixturevalue("sfn")
    arn = sfn.create_state_machine(
        name=f"triage-{time.time_ns()}", definition=json.dumps(WORKFLOW), roleArn=ROLE
    )["stateMachineArn"]
    return StepFunctionsWorkflows(sfn, {"Triage": arn}), lambda: None


def _finished(workflows: Workflows, advance: Callable[[], object], execution_id: str) -> Execution:
    deadline = time.monotonic() + 10
    while True:
        advance()
        execution = workflows.describe(execution_id)
        if execution.status in TERMINAL or time.monotonic() > deadline:
            return execution
        time.sleep(0.05)


def test_a_named_start_is_idempotent(workflows: tuple[Workflows, Callable[[], object]]) -> None:
    adapter, advance = workflows
    assert isinstance(adapter, Workflows)
    first = adapter.start("Triage", {"n": 1}, "issue-7")
    assert adapter.start("Triage", {"n": 1}, "issue-7") == first
    execution = _finished(adapter, advance, first)
    assert (execution.status, execution.state_machine, execution.input, execution.output) == (
        "SUCCEEDED",
        "Triage",
        {"n": 1},
        {"got": 1},
    )
    # Still the same execution once it has finished, and it did not run again.
    assert adapter.start("Triage", {"n": 1}, "issue-7") == first
    assert adapter.describe(first).output == {"got": 1}
    other = adapter.start("Triage", {"n": 2}, "issue-8")
    assert other != first
    assert _finished(adapter, advance, other).output == {"got": 2}


def test_describing_an_unknown_execution_is_a_port_error(
    workflows: tuple[Workflows, Callable[[], object]],
) -> None:
    adapter, _ = workflows
    real = adapter.start("Triage", {"n": 1}, "real")
    with pytest.raises(PortError):
        adapter.describe(real.replace(":real", ":never-started"))


def test_step_functions_takes_a_state_machine_arn_as_its_name(sfn: Any) -> None:
    arn = sfn.create_state_machine(name="by-arn", definition=json.dumps(WORKFLOW), roleArn=ROLE)[
        "stateMachineArn"
    ]
    adapter = StepFunctionsWorkflows(sfn, {})
    execution_id = adapter.start(arn, {"n": 3}, "by-arn-1")
    assert adapter.start(arn, {"n": 3}, "by-arn-1") == execution_id
    execution = _finished(adapter, lambda: None, execution_id)
    assert (execution.state_machine, execution.output) == (arn, {"got": 3})
    with pytest.raises(PortError):
        adapter.start("NotAnArn", {}, "x")
