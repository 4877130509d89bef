"""The callback pattern in the local ASL executor: a `.waitForTaskToken` task gets `$$.Task.Token`,
waits durably (no process holds it) until SendTaskSuccess/SendTaskFailure from any process, or until
its TimeoutSeconds, and its outcome goes through ResultPath, Retry and Catch like any task's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.adapters.workflows_local import SqliteWorkflows
from devrel.asl import ExecutionStore, LocalExecutor, TaskFailure
from devrel.asl.interpreter import token_parts
from devrel.ports import PortError
from support.fakes import FakeClock

WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken"


class Approvals:
    """The task: records the token it was handed (as a Slack post with buttons would)."""

    def __init__(self, fail_first: int = 0) -> None:
        self.tokens: list[str] = []
        self.payloads: list[Any] = []
        self.fail_first = fail_first

    def __call__(self, resource: str, payload: Any) -> Any:
        self.payloads.append(payload)
        if len(self.payloads) <= self.fail_first:
            raise TaskFailure("Slack.Unavailable", "try again")
        self.tokens.append(payload["token"])
        return {"posted": True}


def definition(timeout: int = 3600, **extra: Any) -> dict[str, Any]:
    rejected = {"Rejected": {"Type": "Pass", "Result": "nothing published", "End": True}} if "Catch" in extra else {}
    return {"StartAt": "Approve", "States": {**rejected,
        "Approve": {"Type": "Task", "Resource": WAIT, "TimeoutSeconds": timeout, "ResultPath": "$.decision",
                    "Parameters": {"FunctionName": "Ask", "Payload": {"token.$": "$$.Task.Token",
                                                                      "draft.$": "$.draft"}},
                    "Next": "Publish", **extra},
        "Publish": {"Type": "Pass", "End": True},
    }}


class World:
    def __init__(self, db: Path, machine: dict[str, Any], task: Approvals) -> None:
        self.clock = FakeClock(1_700_000_000.0)
        self.task = task
        self.executor = LocalExecutor(db, {"Release": machine}, task, now=self.clock, sleep=self.clock.sleep)
        self.store = ExecutionStore(db, now=self.clock)
        # The other side: a webhook handler's view of the same file.
        self.workflows = SqliteWorkflows(db, now=self.clock)
        self.id = self.store.start("Release", {"draft": "notes"}, "v2")

    def status(self) -> str:
        return self.store.describe(self.id).status


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "wf.sqlite", definition(), Approvals())


def test_the_task_gets_a_token_and_the_execution_waits_for_success(world: World) -> None:
    world.executor.run_ready()
    assert world.status() == "RUNNING" and len(world.task.tokens) == 1
    token = world.task.tokens[0]
    assert token_parts(token) == (world.id, "Approve")
    assert world.task.payloads[0]["draft"] == "notes"
    world.clock.now += 600
    assert world.executor.run_ready() == 0  # nothing to do while it waits: no polling of the task
    world.workflows.send_task_success(token, {"approved_by": "U1"})
    world.executor.run_ready()
    done = world.store.describe(world.id)
    assert done.status == "SUCCEEDED"
    assert done.output == {"draft": "notes", "decision": {"approved_by": "U1"}}
    assert len(world.task.payloads) == 1  # the task was not called again on waking
    with pytest.raises(PortError, match="TaskTimedOut"):
        world.workflows.send_task_success(token, {})  # a second click


def test_failure_goes_to_catch(tmp_path: Path) -> None:
    catch = {"Catch": [{"ErrorEquals": ["Release.Rejected"], "ResultPath": "$.why", "Next": "Rejected"}]}
    world = World(tmp_path / "wf.sqlite", definition(**catch), Approvals())
    world.executor.run_ready()
    world.workflows.send_task_failure(world.task.tokens[0], "Release.Rejected", "U2 rejected it")
    world.executor.run_ready()
    done = world.store.describe(world.id)
    assert done.status == "SUCCEEDED" and done.output == "nothing published"


def test_an_uncaught_failure_fails_the_execution(world: World) -> None:
    world.executor.run_ready()
    world.workflows.send_task_failure(world.task.tokens[0], "Release.Rejected", "no")
    world.executor.run_ready()
    done = world.store.describe(world.id)
    assert (done.status, done.error, done.cause) == ("FAILED", "Release.Rejected", "no")


def test_no_answer_times_out_and_a_late_answer_is_refused(tmp_path: Path) -> None:
    world = World(tmp_path / "wf.sqlite", definition(timeout=60), Approvals())
    world.executor.run_ready()
    world.clock.now += 59
    world.executor.run_ready()
    assert world.status() == "RUNNING"
    world.clock.now += 1
    world.executor.run_ready()
    done = world.store.describe(world.id)
    assert (done.status, done.error) == ("FAILED", "States.Timeout")
    with pytest.raises(PortError, match="TaskTimedOut"):
        world.workflows.send_task_success(world.task.tokens[0], {})


def test_timeout_can_be_caught(tmp_path: Path) -> None:
    catch = {"Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Rejected"}]}
    world = World(tmp_path / "wf.sqlite", definition(timeout=60, **catch), Approvals())
    world.executor.run_ready()
    world.clock.now += 61
    world.executor.run_ready()
    assert world.store.describe(world.id).output == "nothing published"


def test_a_failed_post_is_retried_with_a_new_token(tmp_path: Path) -> None:
    retry = {"Retry": [{"ErrorEquals": ["Slack.Unavailable"], "IntervalSeconds": 5, "MaxAttempts": 2}]}
    world = World(tmp_path / "wf.sqlite", definition(**retry), Approvals(fail_first=1))
    world.executor.run_ready()
    assert world.task.tokens == [] and world.status() == "RUNNING"
    world.clock.now += 5
    world.executor.run_ready()
    assert len(world.task.tokens) == 1
    world.workflows.send_task_success(world.task.tokens[0], "ok")
    world.executor.run_ready()
    assert world.status() == "SUCCEEDED"


def test_a_callback_during_the_task_itself_is_not_lost(tmp_path: Path) -> None:
    db = tmp_path / "wf.sqlite"
    clock = FakeClock(1_700_000_000.0)
    workflows = SqliteWorkflows(db, now=clock)

    class AnswersAtOnce(Approvals):
        def __call__(self, resource: str, payload: Any) -> Any:
            result = super().__call__(resource, payload)
            workflows.send_task_success(payload["token"], "fast")  # before the waiting state is saved
            return result

    world = World(db, definition(), AnswersAtOnce())
    world.clock.now = clock.now
    world.executor.run_ready()
    world.executor.run_ready()
    assert world.store.describe(world.id).output == {"draft": "notes", "decision": "fast"}


def test_tokens_that_are_not_ours_or_of_another_state(world: World) -> None:
    with pytest.raises(PortError, match="InvalidToken"):
        world.workflows.send_task_success("not-a-token", {})
    world.executor.run_ready()
    forged = world.task.tokens[0][:-4] + "AAAA"
    with pytest.raises(PortError):
        world.workflows.send_task_success(forged, {})
    assert world.status() == "RUNNING"


def test_inside_a_parallel_branch_it_is_refused_not_hung(tmp_path: Path) -> None:
    inner = definition()
    inner["States"]["Approve"]["Next"] = "Done"
    inner["States"] = {"Approve": inner["States"]["Approve"], "Done": {"Type": "Pass", "End": True}}
    machine = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "Branches": [inner], "End": True}}}
    world = World(tmp_path / "wf.sqlite", machine, Approvals())
    world.executor.run_ready()
    done = world.store.describe(world.id)
    assert done.status == "FAILED" and "top level" in (done.cause or "")


def test_step_functions_callbacks_say_what_the_local_executor_says() -> None:
    import boto3
    from botocore.stub import Stubber

    from devrel.adapters.workflows_sfn import StepFunctionsWorkflows

    client = boto3.client("stepfunctions", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    adapter = StepFunctionsWorkflows(client, {})
    with Stubber(client) as stub:
        stub.add_response("send_task_success", {}, {"taskToken": "t1", "output": '{"ok": true}'})
        adapter.send_task_success("t1", {"ok": True})
        stub.add_client_error("send_task_failure", "TaskTimedOut", expected_params={
            "taskToken": "t2", "error": "Release.Rejected", "cause": "no"})
        with pytest.raises(PortError, match=r"^TaskTimedOut"):
            adapter.send_task_failure("t2", "Release.Rejected", "no")
