"""Workflows on the local ASL executor's SQLite file (edge mode).

Starting only records the execution; the runner process (LocalExecutor) advances it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devrel.asl import ExecutionStore
from devrel.ports import Execution


class SqliteWorkflows:
    def __init__(self, db_path: str | Path, now: Callable[[], float] = time.time) -> None:
        self._store = ExecutionStore(db_path, now=now)

    def start(self, state_machine: str, payload: Any, name: str) -> str:
        return self._store.start(state_machine, payload, name)

    def describe(self, execution_id: str) -> Execution:
        return self._store.describe(execution_id)

    def send_task_success(self, token: str, output: Any) -> None:
        """Step Functions' SendTaskSuccess: the waiting `.waitForTaskToken` state ends with `output`."""
        self._store.send_task_result(token, {"status": "success", "output": output})

    def send_task_failure(self, token: str, error: str, cause: str = "") -> None:
        """Step Functions' SendTaskFailure: the waiting state fails with `error` (Retry/Catch apply)."""
        self._store.send_task_result(token, {"status": "failure", "error": error, "cause": cause})

    def forget(self, state_machine: str, name_prefix: str) -> int:
        """Delete executions by name prefix, with their history (forget-me); how many."""
        return self._store.forget(state_machine, name_prefix)

    def close(self) -> None:
        self._store.close()
