"""Tracing in devrel.handlers.lambda_support: the X-Ray SDK is loaded by a Lambda function's first
invocation, never by its cold-start import, and never outside Lambda. Each case runs in a fresh
interpreter: the SDK patches libraries process-wide."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json, sys
from dataclasses import dataclass

import devrel.handlers.lambda_support as support


@dataclass
class Context:
    function_name: str = "github-webhook"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:github-webhook"
    aws_request_id: str = "request-1"


made = []
make = support.lambda_tracer
support.lambda_tracer = lambda service: made.append(service) or make(service)
handler = support.instrumented("github-webhook", lambda event, metrics, logger: {"echo": event})
seen = {"after_init": "aws_xray_sdk" in sys.modules}
seen["results"] = [handler({"n": n}, Context()) for n in (1, 2)]
seen["after_invocations"] = "aws_xray_sdk" in sys.modules
seen["tracers_made"] = made
if seen["after_invocations"]:
    from aws_xray_sdk.core import patcher
    seen["patched"] = sorted(patcher._PATCHED_MODULES)
print(json.dumps(seen))
"""


def _run(**env: str) -> dict[str, object]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DEVREL_", "POWERTOOLS_", "AWS_", "LAMBDA_"))}
    base.update({"POWERTOOLS_METRICS_DISABLED": "true", "AWS_REGION": "us-east-1"})
    result = subprocess.run([sys.executable, "-c", SCRIPT], env={**base, **env}, capture_output=True, text=True,
                            timeout=60, check=True)
    seen: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return seen


def test_outside_lambda_the_xray_sdk_is_never_imported() -> None:
    seen = _run()
    assert seen["results"] == [{"echo": {"n": 1}}, {"echo": {"n": 2}}]
    assert seen["after_init"] is False
    assert seen["after_invocations"] is False
    assert seen["tracers_made"] == ["github-webhook"]  # asked once; answered None


def test_in_lambda_the_first_invocation_makes_the_tracer_and_patches_aws_calls() -> None:
    seen = _run(
        LAMBDA_TASK_ROOT="/var/task",
        AWS_LAMBDA_FUNCTION_NAME="github-webhook",
        _X_AMZN_TRACE_ID="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        AWS_XRAY_CONTEXT_MISSING="LOG_ERROR",
        # Segments go by UDP to a daemon; a closed local port swallows them.
        AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:9",
    )
    assert seen["results"] == [{"echo": {"n": 1}}, {"echo": {"n": 2}}]
    assert seen["after_init"] is False
    assert seen["after_invocations"] is True
    assert seen["tracers_made"] == ["github-webhook"]
    assert "botocore" in seen["patched"]  # type: ignore[operator]
