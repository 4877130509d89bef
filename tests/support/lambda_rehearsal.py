"""Run a built Lambda function the way the Lambda service does, in a process of its own.

Each `LambdaProcess` serves the Lambda Runtime API on 127.0.0.1 and starts
`tests/support/lambda_bootstrap.py` under Python 3.11 with `-I -S`: the import path holds only the
function's build folder, its layers' python/ folders and a copy of what the managed runtime ships
(boto3 and its dependencies), writes outside the folder playing /tmp fail with EROFS, and the
environment is the function's own plus the variables Lambda sets. One invocation at a time per
process; a process is kept warm between invocations and replaced after a timeout or a crash.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
API_PREFIX = "/2018-06-01/runtime/"
# What the python3.11 managed runtime puts on the path besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")
# A guard against a process that never gets as far as asking for work, not a performance limit.
INIT_GUARD_SECONDS = 180.0


class InvocationError(Exception):
    """The function failed: what the Invoke API reports as FunctionError."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


def runtime_packages(target: Path) -> Path:
    """A folder with what the managed runtime adds to the path, linked from this interpreter's copy."""
    site = Path(boto3.__file__).resolve().parents[1]
    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PACKAGES:
        link = target / name
        if not link.exists():
            link.symlink_to(site / name)
    return target


def map_tmp(value: str, private_tmp: Path) -> str:
    """Each Lambda sandbox has its own /tmp; here a private folder per function plays it. Paths are
    mapped where a value is one, or holds one quoted (a JSON list of folders)."""
    return re.sub(r"""(^|(?<=["']))/tmp(?=/|$|["'])""", lambda _: str(private_tmp), value)


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]


@dataclass
class _Invocation:
    request_id: str
    event: Any
    timeout: int
    deadline: float = 0.0
    started: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: dict[str, Any] | None = None


class LambdaProcess:
    """One warm sandbox of one function."""

    def __init__(
        self,
        spec: FunctionSpec,
        scratch: Path,
        runtime_dir: Path,
        lambda_env: dict[str, str],
        hosts: dict[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.tmp = scratch / "tmp"
        self.log_path = scratch / "log.txt"
        self.runtime_dir = runtime_dir
        self._lambda_env = lambda_env
        self._hosts = hosts or {}
        self._pending: queue.Queue[_Invocation | None] = queue.Queue()
        self._inflight: dict[str, _Invocation] = {}
        self._init_error: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _runtime_api(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        self.cold_starts = 0

    # --- lifecycle ---------------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        host, port = self._server.server_address[:2]
        region = self._lambda_env["AWS_REGION"]
        stamp = time.strftime("%Y/%m/%d")
        return {
            **{key: map_tmp(value, self.tmp) for key, value in self.spec.environment.items()},
            **self._lambda_env,
            "AWS_LAMBDA_FUNCTION_NAME": self.spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.spec.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{stamp}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_LAMBDA_RUNTIME_API": f"{host}:{port}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "AWS_DEFAULT_REGION": region,
            "LAMBDA_TASK_ROOT": str(self.spec.code_dir),
            "LAMBDA_RUNTIME_DIR": str(self.runtime_dir),
            "_HANDLER": self.spec.handler,
            # Lambda leaves TMPDIR unset (tempfile then uses /tmp); here the private folder is /tmp.
            "TMPDIR": str(self.tmp),
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
        }

    def start(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)
        # A fresh queue per sandbox: a Runtime API thread still waiting for a previous (stopped)
        # sandbox must not take this one's invocations.
        self._pending = queue.Queue()
        config = {
            "code_dir": str(self.spec.code_dir),
            "layer_dirs": [str(path) for path in self.spec.layer_dirs],
            "runtime_dir": str(self.runtime_dir),
            "writable": str(self.tmp),
            "hosts": self._hosts,
        }
        self._init_error = None
        log = self.log_path.open("ab")
        log.write(f"--- cold start {self.cold_starts + 1} of {self.spec.logical_id}\n".encode())
        log.flush()
        self._process = subprocess.Popen(
            [sys._base_executable, "-I", "-S", str(BOOTSTRAP), json.dumps(config)],  # type: ignore[attr-defined]
            cwd=self.spec.code_dir, env=self.environment(), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.cold_starts += 1

    def dump_stacks(self) -> None:
        """Have the sandbox write every thread's stack to its log (where a timed-out one hung)."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGUSR1)
            time.sleep(0.5)  # faulthandler writes from a signal handler; give it a moment

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None
        self._pending.put(None)  # releases a Runtime API thread still waiting for the stopped sandbox

    def close(self) -> None:
        self.stop()
        self._server.shutdown()
        self._server.server_close()

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- invoking ------------------------------------------------------------------------------------

    def invoke(self, event: Any) -> Any:
        """Run the handler on `event`; its JSON result, or InvocationError as the Invoke API reports it."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self.start()
            invocation = _Invocation(str(uuid.uuid4()), json.loads(json.dumps(event)), self.spec.timeout)
            self._inflight[invocation.request_id] = invocation
            self._pending.put(invocation)
            try:
                return self._await(invocation)
            finally:
                self._inflight.pop(invocation.request_id, None)

    def _await(self, invocation: _Invocation) -> Any:
        init_deadline = time.monotonic() + INIT_GUARD_SECONDS
        while not invocation.done.wait(0.05):
            assert self._process is not None
            exit_code = self._process.poll()
            if exit_code is not None:
                self.stop()
                if self._init_error is not None:
                    raise InvocationError(self._init_error.get("errorType", "Runtime.InitError"),
                                          self._init_error.get("errorMessage", ""),
                                          self._init_error.get("stackTrace"))
                raise InvocationError("Runtime.ExitError", f"the runtime exited with {exit_code}")
            if invocation.started.is_set() and time.time() > invocation.deadline:
                self.dump_stacks()
                self.stop()  # Lambda ends a timed-out sandbox; the next invocation starts a fresh one
                raise InvocationError("Sandbox.Timedout", f"Task timed out after {invocation.timeout} seconds")
            if not invocation.started.is_set() and time.monotonic() > init_deadline:
                self.stop()
                raise InvocationError("Runtime.InitGuard", "the runtime never asked for work")
        if invocation.error is not None:
            raise InvocationError(invocation.error.get("errorType", "Unhandled"),
                                  invocation.error.get("errorMessage", ""), invocation.error.get("stackTrace"))
        return invocation.result

    # --- Runtime API (called from the server threads) -------------------------------------------------

    def next_invocation(self) -> _Invocation | None:
        invocation = self._pending.get()
        if invocation is not None:
            invocation.deadline = time.time() + invocation.timeout
            invocation.started.set()
        return invocation

    def complete(self, request_id: str, result: Any = None, error: dict[str, Any] | None = None) -> bool:
        invocation = self._inflight.get(request_id)
        if invocation is None:
            return False
        invocation.result, invocation.error = result, error
        invocation.done.set()
        return True

    def init_failed(self, error: dict[str, Any]) -> None:
        self._init_error = error


def _runtime_api(process: LambdaProcess) -> type[BaseHTTPRequestHandler]:
    class RuntimeApi(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            # The sandbox may have been stopped while it waited for work.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path != API_PREFIX + "invocation/next":
                self._reply(404)
                return
            invocation = process.next_invocation()
            if invocation is None:
                self._reply(410)
                return
            self._reply(200, json.dumps(invocation.event).encode(), {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(int(invocation.deadline * 1000)),
                "Lambda-Runtime-Invoked-Function-Arn": process.spec.arn,
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};"
                                           f"Parent={uuid.uuid4().hex[:16]};Sampled=1",
            })

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            path = self.path.removeprefix(API_PREFIX)
            if path == "init/error":
                process.init_failed(json.loads(body or b"{}"))
                self._reply(202, b'{"status":"OK"}')
                return
            parts = path.split("/")
            if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                if parts[2] == "response":
                    known = process.complete(parts[1], result=json.loads(body) if body else None)
                else:
                    known = process.complete(parts[1], error=json.loads(body or b"{}"))
                self._reply(202 if known else 400, b'{"status":"OK"}' if known else b"{}")
                return
            self._reply(404)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return RuntimeApi
