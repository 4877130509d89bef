"""A local, durable executor of Amazon States Language state machines (the edge-mode Step Functions).

Handlers record executions with `ExecutionStore.start`; the runner process advances them with
`LocalExecutor.run_ready`. Both share one SQLite file.
"""

from devrel.asl.errors import StatesError, TaskFailure
from devrel.asl.executor import LocalExecutor
from devrel.asl.store import ExecutionStore
from devrel.asl.validate import validate_definition

__all__ = ["ExecutionStore", "LocalExecutor", "StatesError", "TaskFailure", "validate_definition"]
