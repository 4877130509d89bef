"""The runner side: advances recorded executions through their state machines, durably.

After every state transition the execution's current state and input are written to SQLite, so a
runner that stops (or crashes) is replaced by any other on the same file: it re-runs at most the
state that was in progress. A Wait, and a Retry backoff, of a top-level state is a persisted wake
time, not a sleep: `run_ready` returns and picks the execution up again once the time has come.
So is a `.waitForTaskToken` task: it waits, until its TimeoutSeconds, for `send_task_result`
(SendTaskSuccess/SendTaskFailure) from any process, which wakes it.

Parallel branches and Map iterations run one after another, in memory, inside their state; their
waits and retries sleep. A restart in the middle of a Parallel or Map state re-runs that whole
state from its input. The machine's TimeoutSeconds is enforced (status TIMED_OUT), and so is a
`.waitForTaskToken` task's (States.Timeout); other states' TimeoutSeconds/HeartbeatSeconds are
accepted but not enforced.

A runner holds each execution it advances with a lease, renewed at every transition and by a
heartbeat while a state runs, so a long Task keeps it. A runner that dies in the middle of a state
loses it when the lease runs out (`lease_seconds`), or at once to a runner on the same host, which
can see that the owning process is gone; the state that was running then runs again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devrel.asl.errors import RUNTIME, TIMEOUT, StatesError
from devrel.asl.interpreter import MAX_TRANSITIONS, Done, Interpreter, Next, TaskInvoker, iso_time
from devrel.asl.store import ExecutionStore, Row, lease_owner_id
from devrel.asl.validate import validate_definition

log = logging.getLogger(__name__)


class _LeaseLost(Exception):
    """Another runner took the execution over (our lease expired); stop touching it."""


class LocalExecutor:
    """Advances the executions of `definitions` (state machine name -> ASL definition) stored in `db_path`.

    `invoke_task(resource, payload)` runs a Task's function and returns its result; it raises
    TaskFailure(error, cause) when the function fails (any other exception counts as a failure named
    after its class).
    """

    def __init__(
        self,
        db_path: str | Path,
        definitions: dict[str, dict[str, Any]],
        invoke_task: TaskInvoker,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        lease_seconds: float = 30.0,
    ) -> None:
        problems = [
            f"{name}: {problem}"
            for name, defn in definitions.items()
            for problem in validate_definition(defn)
        ]
        if problems:
            raise ValueError("invalid state machine definitions:\n" + "\n".join(problems))
        self._definitions = definitions
        self._store = ExecutionStore(db_path, now=now)
        self._interpreter = Interpreter(invoke_task, now, sleep)
        self._now = now
        self._lease_seconds = lease_seconds
        self._owner = lease_owner_id()
        self._held: set[str] = set()
        self._held_lock = threading.Lock()
        self._beating: threading.Thread | None = None
        self._closed = threading.Event()

    @property
    def store(self) -> ExecutionStore:
        return self._store

    def close(self) -> None:
        self._closed.set()
        if self._beating is not None:
            self._beating.join()
        self._store.close()

    def run_ready(self) -> int:
        """Advance every execution that is due until it ends or waits. Returns how many were advanced."""
        if not self._definitions:
            return 0
        advanced = 0
        for execution_id in self._store.ready(list(self._definitions), self._now()):
            row = self._store.claim(execution_id, self._owner, self._now(), self._lease_seconds)
            if row is None:
                continue
            try:
                self._advance(row)
            except _LeaseLost:
                log.warning("lost the lease on %s to another runner", execution_id)
            advanced += 1
        return advanced

    def _advance(self, row: Row) -> None:
        definition = self._definitions[row.state_machine]
        if row.status == "PENDING":
            name, data, memo = definition["StartAt"], row.input, {}
            entered = [("StateEntered", name, {"input": data})]
            self._save(row, entered, status="RUNNING", current_state=name, current_input=data, memo=memo)
        else:
            name, data, memo = row.current_state, row.current_input, row.memo
        execution = {
            "Id": row.id,
            "Input": row.input,
            "Name": row.name,
            "StartTime": iso_time(row.started_at),
        }
        context = {
            "Execution": execution,
            "StateMachine": {"Id": row.state_machine, "Name": row.state_machine},
        }
        timeout = definition.get("TimeoutSeconds")
        deadline = None if timeout is None else row.started_at + timeout
        transitions = row.transitions
        while True:
            if deadline is not None and self._now() >= deadline:
                self._finish(
                    row, "TIMED_OUT", error=TIMEOUT, cause=f"the execution ran over {timeout} seconds"
                )
                return
            if "token" in memo and "callback" not in memo:
                memo = self._with_callback(memo)
            try:
                with self._heartbeat(row.id):
                    outcome = self._interpreter.step(name, definition["States"][name], data, context, memo)
            except StatesError as failure:
                self._finish(row, "FAILED", error=failure.error, cause=failure.cause)
                return
            except Exception as exc:  # a defect, not a task failure: fail this execution, keep the runner
                log.exception("execution %s crashed in state %s", row.id, name)
                self._finish(row, "FAILED", error=RUNTIME, cause=f"{type(exc).__name__}: {exc}")
                return
            if isinstance(outcome, Done):
                exited = ("StateExited", name, {"output": outcome.output})
                self._finish(row, "SUCCEEDED", [exited], output=outcome.output)
                return
            if isinstance(outcome, Next):
                transitions += 1
                if transitions > MAX_TRANSITIONS:
                    self._finish(row, "FAILED", error=RUNTIME, cause=f"over {MAX_TRANSITIONS} transitions")
                    return
                events = [
                    ("StateExited", name, {"output": outcome.output}),
                    ("StateEntered", outcome.state, {"input": outcome.output}),
                ]
                name, data, memo = outcome.state, outcome.output, {}
                columns = {
                    "current_state": name,
                    "current_input": data,
                    "memo": memo,
                    "transitions": transitions,
                }
                self._save(row, events, wake_at=None, **columns)
                continue
            memo = outcome.memo
            wake_at = outcome.until if deadline is None else min(outcome.until, deadline)
            if wake_at <= self._now():
                self._save(row, [], memo=memo)
                continue
            suspended = [("StateSuspended", name, {"until": wake_at})]
            self._save(row, suspended, memo=memo, wake_at=wake_at, lease_owner=None, lease_until=None)
            if "token" in memo:
                # A callback sent before this save had its wake-up overwritten by it: wake again.
                self._store.wake_if_called(row.id, memo["token"], self._now())
            return

    def _with_callback(self, memo: dict[str, Any]) -> dict[str, Any]:
        result = self._store.task_result(memo["token"])
        return memo if result is None else {**memo, "callback": result}

    @contextmanager
    def _heartbeat(self, execution_id: str) -> Iterator[None]:
        """Keep the lease on `execution_id` renewed while one of its states runs (a Task may take minutes)."""
        with self._held_lock:
            self._held.add(execution_id)
            if self._beating is None:
                # One thread (and so one SQLite connection) per executor, however many states run.
                self._beating = threading.Thread(target=self._beat, name="asl-lease", daemon=True)
                self._beating.start()
        try:
            yield
        finally:
            with self._held_lock:
                self._held.discard(execution_id)

    def _beat(self) -> None:
        while not self._closed.wait(self._lease_seconds / 3):
            with self._held_lock:
                held = list(self._held)
            for execution_id in held:
                # A lost lease is noticed by the state's next save, which stops the execution here.
                self._store.renew(execution_id, self._owner, self._now() + self._lease_seconds)

    def _save(self, row: Row, events: list[tuple[str, str | None, Any]], **columns: Any) -> None:
        now = self._now()
        if "lease_owner" not in columns:
            # Every step renews the lease, so only a stalled or dead runner loses its executions.
            columns["lease_until"] = now + self._lease_seconds
        if not self._store.save(row.id, self._owner, now, events, **columns):
            raise _LeaseLost(row.id)

    def _finish(
        self, row: Row, status: str, events: list[tuple[str, str | None, Any]] | None = None, **columns: Any
    ) -> None:
        details = {key: value for key, value in columns.items() if value is not None}
        events = [*(events or []), (f"Execution{status.title().replace('_', '')}", None, details)]
        self._save(
            row,
            events,
            status=status,
            stopped_at=self._now(),
            wake_at=None,
            lease_owner=None,
            lease_until=None,
            **columns,
        )
