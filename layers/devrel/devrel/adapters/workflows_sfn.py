"""Workflows on AWS Step Functions (cloud mode)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from devrel.ports import Execution, ExecutionStatus, PortError

# Step Functions' statuses that the port does not name.
_STATUSES: dict[str, ExecutionStatus] = {"PENDING_REDRIVE": "PENDING"}


def _error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def execution_arn(state_machine_arn: str, name: str) -> str:
    """arn:...:stateMachine:<machine>[:<version or alias>] -> arn:...:execution:<machine>:<name>."""
    parts = state_machine_arn.split(":")
    if len(parts) < 7 or parts[5] != "stateMachine":
        raise PortError(f"not a state machine ARN: {state_machine_arn}")
    return ":".join([*parts[:5], "execution", parts[6], name])


class StepFunctionsWorkflows:
    """`arns` maps the names the domain uses to state machine ARNs; a name that is itself an ARN
    (a template `!Ref` passed through settings) is used as it is."""

    def __init__(self, client: Any, arns: dict[str, str]) -> None:
        self._client = client
        self._arns = arns
        self._names = {arn: name for name, arn in arns.items()}

    def start(self, state_machine: str, payload: Any, name: str) -> str:
        machine_arn = self._arns.get(state_machine)
        if machine_arn is None and state_machine.startswith("arn:"):
            machine_arn = state_machine
        if machine_arn is None:
            raise PortError(f"unknown state machine {state_machine!r}")
        try:
            started = self._client.start_execution(
                stateMachineArn=machine_arn, name=name, input=json.dumps(payload)
            )
            return str(started["executionArn"])
        except ClientError as err:
            if _error_code(err) == "InvalidName":
                raise ValueError(f"invalid execution name {name!r}") from err
            if _error_code(err) != "ExecutionAlreadyExists":
                raise PortError(f"cannot start {state_machine}: {err}") from err
        except BotoCoreError as err:
            raise PortError(f"cannot start {state_machine}: {err}") from err
        # Names are unique per state machine, so the existing execution is this one; describing it
        # proves it (and fails loudly if the name clashed some other way).
        existing = execution_arn(machine_arn, name)
        self.describe(existing)
        return existing

    def describe(self, execution_id: str) -> Execution:
        try:
            found = self._client.describe_execution(executionArn=execution_id)
        except ClientError as err:
            raise PortError(f"cannot describe {execution_id}: {_error_code(err) or err}") from err
        except BotoCoreError as err:
            raise PortError(f"cannot describe {execution_id}: {err}") from err
        machine_arn = found["stateMachineArn"]
        return Execution(
            execution_id=execution_id,
            state_machine=self._names.get(machine_arn, machine_arn),
            status=_STATUSES.get(found["status"], found["status"]),
            # Step Functions leaves out input/output over its size limits.
            input=json.loads(found["input"]) if "input" in found else None,
            output=json.loads(found["output"]) if "output" in found else None,
            error=found.get("error"),
            cause=found.get("cause"),
        )

    def send_task_success(self, token: str, output: Any) -> None:
        """SendTaskSuccess: the waiting `.waitForTaskToken` state ends with `output`."""
        self._callback("send_task_success", taskToken=token, output=json.dumps(output))

    def send_task_failure(self, token: str, error: str, cause: str = "") -> None:
        """SendTaskFailure: the waiting state fails with `error` (Retry/Catch apply)."""
        self._callback("send_task_failure", taskToken=token, error=error[:256], cause=cause[:32768])

    def _callback(self, operation: str, **arguments: Any) -> None:
        try:
            getattr(self._client, operation)(**arguments)
        except ClientError as err:
            # TaskTimedOut (late, or answered already), InvalidToken, TaskDoesNotExist: as the local executor says.
            raise PortError(f"{_error_code(err) or 'Error'}: {operation} refused") from err
        except BotoCoreError as err:
            raise PortError(f"{operation}: {err}") from err
