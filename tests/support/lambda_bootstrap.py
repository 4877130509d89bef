"""The inside of one rehearsal Lambda process: a minimal runtime client, standard library only.

Started as `python -I -S lambda_bootstrap.py CONFIG_JSON` so nothing from the interpreter's own
site-packages is importable; CONFIG_JSON says what is:

    {"code_dir": the function's build folder (LAMBDA_TASK_ROOT, first on the path),
     "layer_dirs": each layer's python/ folder, in the function's layer order,
     "runtime_dir": what the managed runtime adds (boto3 and its dependencies),
     "writable": the folder that plays this function's /tmp,
     "hosts": {hostname: address} resolved locally, like /etc/hosts}

Everything else comes from the environment, as on Lambda: the handler (_HANDLER), the Runtime API
address (AWS_LAMBDA_RUNTIME_API) and the function's variables. The loop follows the Lambda Runtime
API: GET .../invocation/next, run the handler, POST .../response or .../error; a failure while
loading the handler is POSTed to .../init/error and ends the process, as a failed init does.
"""

from __future__ import annotations

import errno
import faulthandler
import importlib
import json
import os
import signal
import socket
import sys
import time
import traceback
import urllib.request
from typing import Any

API_VERSION = "2018-06-01"
# Flags of os.open that modify the file system.
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
# Audit events that change the file system: event -> positions of the path arguments.
# Audit events that write, with (position of a path, position of the dir_fd it is relative to, if any)
# in their arguments: shutil.rmtree, say, removes a tree's files by name relative to its folder's fd.
_PATH_EVENTS: dict[str, tuple[tuple[int, int | None], ...]] = {
    "os.mkdir": ((0, 2),),
    "os.rmdir": ((0, 1),),
    "os.remove": ((0, 1),),
    "os.rename": ((0, 2), (1, 3)),
    "os.link": ((0, 2), (1, 3)),
    "os.symlink": ((1, 2),),
    "os.truncate": ((0, None),),
    "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),),
    "os.utime": ((0, 3),),
    "shutil.rmtree": ((0, None),),
    "shutil.copytree": ((1, None),),
    "shutil.move": ((1, None),),
}


class LambdaContext:
    """The context object the Python runtime passes to handlers."""

    def __init__(self, request_id: str, deadline_ms: int, function_arn: str) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _as_text(path: Any) -> str | None:
    if isinstance(path, int):
        return None  # an already open descriptor: its opening was checked
    if isinstance(path, bytes):
        return os.fsdecode(path)
    return os.fspath(path) if path is not None else None


def _under(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root + os.sep) for root in roots)


def refuse_writes(allowed: list[str], read_only: list[str]) -> None:
    """Install an audit hook that fails file-system writes outside `allowed` or inside `read_only`,
    the way Lambda's read-only file system does (OSError EROFS)."""
    allowed_roots = [os.path.realpath(root) for root in allowed]
    read_only_roots = [os.path.realpath(root) for root in read_only]

    def permitted(path: Any, dir_fd: Any = None) -> bool:
        text = _as_text(path)
        if text is None or text in (os.devnull, ":memory:", ""):
            return True
        if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(text):
            text = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)
        real = os.path.realpath(os.path.abspath(text))
        return _under(real, allowed_roots) and not _under(real, read_only_roots)

    def refuse(path: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system", _as_text(path))

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = args
            writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & _WRITE_FLAGS)
            if writes and not permitted(path):
                refuse(path)
        elif event == "sqlite3.connect":
            # SQLite opens (and creates) its files in C, past the `open` event.
            (database,) = args[:1]
            if not str(database).startswith("file:") and not permitted(database):
                refuse(database)
        elif event in _PATH_EVENTS:
            for position, fd_position in _PATH_EVENTS[event]:
                dir_fd = args[fd_position] if fd_position is not None and fd_position < len(args) else None
                if position < len(args) and not permitted(args[position], dir_fd):
                    refuse(args[position])

    sys.addaudithook(hook)


def resolve_hosts_locally(hosts: dict[str, str]) -> None:
    """Answer DNS for `hosts` from the table (the rehearsal's stand-ins listen on 127.0.0.1)."""
    if not hosts:
        return
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        return real_getaddrinfo(hosts.get(name, host), *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


def _call(method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    url = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/{API_VERSION}/runtime/{path}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    # No timeout on `next`: the process waits for work as long as it lives, like a frozen sandbox.
    return urllib.request.urlopen(request)


def _error_body(error: BaseException) -> bytes:
    return json.dumps({
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }).encode()


def _load_handler() -> Any:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    module = importlib.import_module(module_name.replace("/", "."))
    return getattr(module, function_name)


def main(config: dict[str, Any]) -> int:
    # The rehearsal asks for every thread's stack (SIGUSR1) before it ends a timed-out sandbox.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    stdlib = [entry for entry in sys.path if entry]
    layers = [path for layer in config["layer_dirs"] for path in (f"{layer}/lib/python3.11/site-packages", layer)]
    sys.path[:] = [config["code_dir"], *layers, config["runtime_dir"], *stdlib]
    # Like Lambda: byte-code shipped in the build is used, nothing is written next to the code.
    sys.dont_write_bytecode = True
    # Libraries may write to a literal /tmp (aws-xray-sdk does), which Lambda allows as well; the
    # folders playing /var/task, /opt and the runtime stay read-only even when they lie under /tmp.
    read_only = [config["code_dir"], *config["layer_dirs"], config["runtime_dir"]]
    refuse_writes([config["writable"], "/tmp"], read_only)
    resolve_hosts_locally(config.get("hosts") or {})
    error_type = {"Lambda-Runtime-Function-Error-Type": "Runtime.Unhandled"}
    try:
        handler = _load_handler()
    except Exception as error:
        traceback.print_exc()
        _call("POST", "init/error", _error_body(error), error_type)
        return 1
    while True:
        with _call("GET", "invocation/next") as response:
            event = json.loads(response.read())
            headers = response.headers
        request_id = headers["Lambda-Runtime-Aws-Request-Id"]
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id", "")
        context = LambdaContext(
            request_id, int(headers["Lambda-Runtime-Deadline-Ms"]), headers["Lambda-Runtime-Invoked-Function-Arn"]
        )
        try:
            result = json.dumps(handler(event, context)).encode()
        except Exception as error:
            print(f"[ERROR] {type(error).__name__}: {error}", file=sys.stderr)
            traceback.print_exc()
            _call("POST", f"invocation/{request_id}/error", _error_body(error), error_type).close()
            continue
        _call("POST", f"invocation/{request_id}/response", result).close()
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
