"""The local executor when runners die mid-Task, and what one execution costs in storage."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from devrel.asl import ExecutionStore, LocalExecutor

TASK = "arn:aws:lambda:us-east-1:123456789012:function:Step"
DEFINITION = {
    "StartAt": "Work",
    "States": {"Work": {"Type": "Task", "Resource": TASK, "ResultPath": "$.work", "End": True}},
}
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def status(store: ExecutionStore, execution_id: str) -> str:
    return store.describe(execution_id).status


def _run_and_hang(db: str, started: Any) -> None:
    """A runner whose Task never returns (the test kills this process mid-Task)."""

    def hang(resource: str, payload: Any) -> Any:
        started.set()
        time.sleep(3600)

    LocalExecutor(db, {"Machine": DEFINITION}, hang).run_ready()


def test_a_runner_killed_mid_task_is_taken_over_without_waiting_out_its_lease(tmp_path: Path) -> None:
    db = str(tmp_path / "workflows.sqlite")
    store = ExecutionStore(db)
    execution_id = store.start("Machine", {"issue": 1}, "run-1")
    started = multiprocessing.get_context("spawn").Event()
    victim = multiprocessing.get_context("spawn").Process(target=_run_and_hang, args=(db, started))
    victim.start()
    assert started.wait(30)
    victim.kill()  # kill -9 in the middle of the Task
    victim.join()

    calls: list[Any] = []
    successor = LocalExecutor(db, {"Machine": DEFINITION}, lambda resource, payload: calls.append(payload) or "ok")
    deadline = time.monotonic() + 60  # a one-minute lease bound; the old 900 s lease failed this
    while status(store, execution_id) not in TERMINAL and time.monotonic() < deadline:
        successor.run_ready()
        time.sleep(0.1)
    assert status(store, execution_id) == "SUCCEEDED"
    assert calls == [{"issue": 1}]  # the interrupted Task ran again, once


def test_a_long_task_keeps_its_lease_while_it_runs(tmp_path: Path) -> None:
    db = tmp_path / "workflows.sqlite"
    store = ExecutionStore(db)
    execution_id = store.start("Machine", {}, "run-1")
    release = threading.Event()
    calls: list[str] = []

    def slow(resource: str, payload: Any) -> Any:
        calls.append("first")
        release.wait(10)
        return "done"

    first = LocalExecutor(db, {"Machine": DEFINITION}, slow, lease_seconds=0.3)
    runner = threading.Thread(target=first.run_ready)
    runner.start()
    wait_for(lambda: calls == ["first"])
    # Three lease lengths later another runner (a second process) still must not take it over.
    second = LocalExecutor(db, {"Machine": DEFINITION}, lambda r, p: calls.append("second"), lease_seconds=0.3)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        assert second.run_ready() == 0
        time.sleep(0.05)
    release.set()
    runner.join()
    assert calls == ["first"] and status(store, execution_id) == "SUCCEEDED"


def test_history_keeps_large_states_once(tmp_path: Path) -> None:
    db = tmp_path / "workflows.sqlite"
    store = ExecutionStore(db)
    body = "x" * 1_000_000  # a 1 MB issue body carried through every state
    states: dict[str, Any] = {}
    names = [f"Step{i}" for i in range(11)]
    for index, name in enumerate(names):
        states[name] = {"Type": "Task", "Resource": TASK, "ResultPath": f"$.{name}"}
        states[name].update({"Next": names[index + 1]} if index + 1 < len(names) else {"End": True})
    executor = LocalExecutor(db, {"Machine": {"StartAt": names[0], "States": states}},
                             lambda resource, payload: {"score": 0.5})
    execution_id = store.start("Machine", {"issue": {"body": body}}, "big")
    executor.run_ready()
    execution = store.describe(execution_id)
    assert execution.status == "SUCCEEDED" and execution.output["issue"]["body"] == body
    with sqlite3.connect(db) as conn:
        rows, history_bytes = conn.execute("SELECT COUNT(*), SUM(LENGTH(details)) FROM history").fetchone()
    assert rows >= 22
    assert history_bytes < 100_000, f"{history_bytes} bytes of history for one execution"
    entered = [e for e in store.history(execution_id) if e["type"] == "StateEntered"]
    assert entered[0]["details"]["input"] == {"truncated": True, "bytes": len(json.dumps({"issue": {"body": body}}))}
    small = store.start("Machine", {"n": 1}, "small")
    executor.run_ready()
    first = next(e for e in store.history(small) if e["type"] == "StateEntered")
    assert first["details"]["input"] == {"n": 1}  # small states stay readable in full
    assert os.path.getsize(db) < 10_000_000
