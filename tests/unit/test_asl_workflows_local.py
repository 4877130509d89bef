from __future__ import annotations

from pathlib import Path

import pytest

from devrel.adapters.workflows_local import SqliteWorkflows
from devrel.asl import LocalExecutor
from devrel.ports import PortError, Workflows

DEFINITION = {
    "StartAt": "Greet",
    "States": {"Greet": {"Type": "Pass", "Parameters": {"hello.$": "$.name"}, "End": True}},
}


def test_start_records_and_the_runner_advances(tmp_path: Path) -> None:
    db = tmp_path / "workflows.sqlite"
    workflows = SqliteWorkflows(db)
    assert isinstance(workflows, Workflows)
    execution_id = workflows.start("Triage", {"name": "Ada"}, "issue-1")
    assert workflows.start("Triage", {"name": "Bo"}, "issue-1") == execution_id
    pending = workflows.describe(execution_id)
    assert (pending.status, pending.state_machine, pending.input) == ("PENDING", "Triage", {"name": "Ada"})

    runner = LocalExecutor(db, {"Triage": DEFINITION}, invoke_task=lambda resource, payload: payload)
    assert runner.run_ready() == 1
    done = SqliteWorkflows(db).describe(execution_id)
    assert (done.status, done.output) == ("SUCCEEDED", {"hello": "Ada"})


def test_describing_an_unknown_execution_is_a_port_error(tmp_path: Path) -> None:
    with pytest.raises(PortError):
        SqliteWorkflows(tmp_path / "workflows.sqlite").describe("arn:aws:states:local:0:execution:X:nope")
