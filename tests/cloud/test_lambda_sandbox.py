"""The rehearsal's Lambda sandbox itself: a probe function shows what a handler can import, where it
can write and what it is given, so the rehearsal cannot pass by being more lenient than Lambda."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.lambda_rehearsal import FunctionSpec, InvocationError, LambdaProcess, runtime_packages

PROBE = '''
import json
import os
import sqlite3
import sys

import boto3  # the managed runtime's copy

LOADED_AT = os.environ.get("PROBE_MARK")


def lambda_handler(event, context):
    action = event["action"]
    if action == "import":
        try:
            __import__(event["module"])
        except ImportError as error:
            return {"imported": False, "error": type(error).__name__}
        return {"imported": True}
    if action == "write":
        with open(event["path"], "w") as fh:
            fh.write("x")
        return {"written": event["path"]}
    if action == "mkdir":
        os.makedirs(event["path"], exist_ok=True)
        return {"made": event["path"]}
    if action == "sqlite":
        sqlite3.connect(event["path"]).close()
        return {"opened": event["path"]}
    if action == "rmtree":
        import shutil
        shutil.rmtree(event["path"])
        return {"removed": event["path"]}
    if action == "scratch":
        import tempfile
        # What a linter run does: a scratch tree in the temporary folder, removed with its files.
        with tempfile.TemporaryDirectory() as scratch:
            os.makedirs(os.path.join(scratch, "pkg"))
            with open(os.path.join(scratch, "pkg", "mod.py"), "w") as fh:
                fh.write("x = 1")
        return {"scratch": scratch, "left": os.path.exists(scratch)}
    if action == "context":
        return {"name": context.function_name, "arn": context.invoked_function_arn,
                "remaining": context.get_remaining_time_in_millis(), "request": context.aws_request_id,
                "trace": os.environ.get("_X_AMZN_TRACE_ID", ""), "cwd": os.getcwd(),
                "data_dir": os.environ["DATA_DIR"], "boto3": boto3.__file__}
    if action == "fail":
        raise ValueError("as asked")
    if action == "exit":
        os._exit(3)
    if action == "sleep":
        import time
        time.sleep(event["seconds"])
        return {"slept": True}
    return {"unknown": action}
'''


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[LambdaProcess]:
    code = tmp_path / "build" / "Probe"
    code.mkdir(parents=True)
    (code / "app.py").write_text(PROBE)
    layer = tmp_path / "build" / "Layer" / "python"
    layer.mkdir(parents=True)
    (layer / "layered.py").write_text("VALUE = 1\n")
    spec = FunctionSpec(
        logical_id="Probe", name="rehearsal-Probe",
        arn="arn:aws:lambda:us-east-1:123456789012:function:rehearsal-Probe",
        code_dir=code, layer_dirs=(layer,), handler="app.lambda_handler", timeout=2, memory=128,
        environment={"DATA_DIR": "/tmp/data", "PROBE_MARK": "1"},
    )
    lambda_env = {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}
    process = LambdaProcess(spec, tmp_path / "sandbox", runtime_packages(tmp_path / "runtime"), lambda_env)
    yield process
    process.close()


def test_only_the_code_the_layers_and_the_runtime_are_importable(probe: LambdaProcess) -> None:
    assert probe.invoke({"action": "import", "module": "layered"}) == {"imported": True}
    assert probe.invoke({"action": "import", "module": "botocore"}) == {"imported": True}
    # Installed in the test interpreter, but neither in the layer nor in the managed runtime.
    for module in ("pytest", "pydantic", "devrel", "moto"):
        assert probe.invoke({"action": "import", "module": module}) == {
            "imported": False, "error": "ModuleNotFoundError"}, module


def test_writes_succeed_only_under_tmp(probe: LambdaProcess) -> None:
    # Outside /tmp, and the folders playing /var/task and /opt (which lie under /tmp on this machine).
    elsewhere = Path("/var/tmp") / f"devrel-sandbox-probe-{uuid.uuid4().hex}"
    layer = probe.spec.layer_dirs[0]
    attempts = [("write", elsewhere), ("mkdir", elsewhere), ("sqlite", elsewhere),
                ("write", probe.spec.code_dir / "written.txt"), ("write", "relative.txt"),
                ("mkdir", probe.spec.code_dir / ".devrel"), ("sqlite", layer / "db.sqlite")]
    try:
        for action, path in attempts:
            with pytest.raises(InvocationError) as refused:
                probe.invoke({"action": action, "path": str(path)})
            assert refused.value.error_type == "OSError" and "Read-only file system" in refused.value.message
    finally:
        if elsewhere.is_dir():
            elsewhere.rmdir()
        elif elsewhere.exists():
            elsewhere.unlink()
    assert not elsewhere.exists()
    assert sorted(p.name for p in probe.spec.code_dir.iterdir()) == ["app.py"]
    assert sorted(p.name for p in layer.iterdir()) == ["layered.py"]
    inside = probe.tmp / "data"
    assert probe.invoke({"action": "mkdir", "path": str(inside)}) == {"made": str(inside)}
    assert probe.invoke({"action": "write", "path": str(inside / "f")}) == {"written": str(inside / "f")}
    assert probe.invoke({"action": "sqlite", "path": str(inside / "db")}) == {"opened": str(inside / "db")}


def test_a_tree_is_removed_under_tmp_and_refused_elsewhere(probe: LambdaProcess) -> None:
    """shutil.rmtree unlinks by names relative to a folder's descriptor: judged by where they are."""
    seen = probe.invoke({"action": "scratch"})
    assert seen["left"] is False and seen["scratch"].startswith(str(probe.tmp))
    kept = probe.spec.code_dir / "kept"
    (kept / "pkg").mkdir(parents=True)
    (kept / "pkg" / "mod.py").write_text("x = 1")
    with pytest.raises(InvocationError) as refused:
        probe.invoke({"action": "rmtree", "path": str(kept)})
    assert "Read-only file system" in refused.value.message
    assert (kept / "pkg" / "mod.py").exists()


def test_the_handler_gets_a_lambda_context_and_its_environment(probe: LambdaProcess) -> None:
    seen: dict[str, Any] = probe.invoke({"action": "context"})
    assert seen["name"] == "rehearsal-Probe" and seen["arn"] == probe.spec.arn
    assert 0 < seen["remaining"] <= 2000
    assert seen["trace"].startswith("Root=1-") and seen["request"]
    assert seen["cwd"] == str(probe.spec.code_dir)
    assert seen["data_dir"] == str(probe.tmp / "data")  # /tmp is the sandbox's own
    assert seen["boto3"].startswith(str(probe.runtime_dir))  # the runtime's boto3, not a venv's
    second = probe.invoke({"action": "context"})
    assert second["request"] != seen["request"] and probe.cold_starts == 1  # warm


def test_failures_crashes_and_timeouts_are_reported_like_lambda(probe: LambdaProcess) -> None:
    with pytest.raises(InvocationError) as failed:
        probe.invoke({"action": "fail"})
    assert (failed.value.error_type, failed.value.message) == ("ValueError", "as asked")
    assert "as asked" in probe.logs()
    with pytest.raises(InvocationError) as crashed:
        probe.invoke({"action": "exit"})
    assert crashed.value.error_type == "Runtime.ExitError"
    with pytest.raises(InvocationError) as slow:
        probe.invoke({"action": "sleep", "seconds": 30})
    assert slow.value.error_type == "Sandbox.Timedout"
    assert probe.invoke({"action": "import", "module": "layered"}) == {"imported": True}
    assert probe.cold_starts == 3


def test_a_recycled_sandbox_gets_the_next_invocation(probe: LambdaProcess) -> None:
    """The stopped sandbox's wait for work must not swallow what its successor is sent."""
    assert probe.invoke({"action": "import", "module": "layered"}) == {"imported": True}
    probe.stop()  # as after a timeout, or a test recycling a warm container
    assert probe.invoke({"action": "import", "module": "layered"}) == {"imported": True}
    assert probe.cold_starts == 2


def test_a_handler_that_cannot_load_fails_its_init(probe: LambdaProcess) -> None:
    (probe.spec.code_dir / "app.py").write_text("import pydantic\n")
    with pytest.raises(InvocationError) as failed:
        probe.invoke({"action": "context"})
    assert failed.value.error_type == "ModuleNotFoundError"
    assert "pydantic" in failed.value.message
