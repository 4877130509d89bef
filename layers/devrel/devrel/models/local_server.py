"""Start and stop a local llama.cpp OpenAI-compatible server on 127.0.0.1.

The server runs in its own process (`python -m devrel.models.serve_llm`): llama.cpp's native
threads and memory stay out of the caller's process, and a crash in native code cannot take the
runner with it.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO
from urllib.parse import urlsplit

from devrel.models.catalog import default_threads
from devrel.ports import PortError

LOG_TAIL_BYTES = 2000


class LocalServerError(PortError):
    """The local model server could not be started."""


class LocalLlmServer:
    """One llama.cpp server process serving one GGUF; a context manager.

    `base_url` (".../v1") is what an `openai.OpenAI` client needs; `model` is the name it answers to.
    """

    def __init__(
        self,
        model_path: Path,
        threads: int | None = None,
        context_size: int = 4096,
        model: str = "local",
        chat_template: str | None = None,
        startup_timeout: float = 120.0,
        log_path: Path | None = None,
        poll: int = 50,
        port: int = 0,
    ) -> None:
        self.model_path = model_path
        self.threads = threads or default_threads()
        self.context_size = context_size
        self.model = model
        self.chat_template = chat_template
        self.startup_timeout = startup_timeout
        self.log_path = log_path
        self.poll = poll
        # 0 lets the OS choose; once started, the server keeps that port across restarts, so clients
        # that were given its URL reach the new process.
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:41234."""
        if self._url is None:
            raise LocalServerError("the local model server is not running")
        return self._url

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def start(self) -> LocalLlmServer:
        if self.running:
            return self
        if self._process is not None:  # it exited on its own: let go of its pipes first
            self.stop(grace_seconds=0)
        if self.log_path is None:
            handle, name = tempfile.mkstemp(prefix="devrel-llm-", suffix=".log")
            os.close(handle)
            self.log_path = Path(name)
        command = [
            sys.executable, "-m", "devrel.models.serve_llm",
            "--model", str(self.model_path),
            "--port", str(self.port),
            "--threads", str(self.threads),
            "--ctx-size", str(self.context_size),
            "--alias", self.model,
            "--poll", str(self.poll),
        ]  # fmt: skip
        if self.chat_template:
            command += ["--chat-template", self.chat_template]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                # Keep terminal signals (Ctrl-C) away: shutdown always goes through stop().
                start_new_session=True,
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + self.startup_timeout
        try:
            self._url = self._read_announcement(deadline)
            self.port = urlsplit(self._url).port or self.port
            self._wait_healthy(deadline)
        except LocalServerError:
            self.stop()
            raise
        return self

    def stop(self, grace_seconds: float = 10.0) -> None:
        process, self._process, self._url = self._process, None, None
        atexit.unregister(self.stop)
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the server's cue to exit
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(max(0, self.log_path.stat().st_size - LOG_TAIL_BYTES))
            return log.read().decode(errors="replace")

    def __enter__(self) -> LocalLlmServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _read_announcement(self, deadline: float) -> str:
        process = self._process
        assert process is not None and process.stdout is not None
        lines: queue.Queue[bytes] = queue.Queue()
        # readline() cannot time out on a pipe; a daemon thread can be abandoned instead.
        threading.Thread(target=_read_line, args=(process.stdout, lines), daemon=True).start()
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise LocalServerError(
                f"model server did not start within {self.startup_timeout:.0f} s:\n{self.log_tail()}"
            ) from None
        if not line:
            raise LocalServerError(f"model server exited (code {process.wait()}):\n{self.log_tail()}")
        try:
            return str(json.loads(line)["url"]).rstrip("/")
        except (ValueError, KeyError, TypeError) as error:
            raise LocalServerError(f"model server announced {line!r}") from error

    def _wait_healthy(self, deadline: float) -> None:
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass  # URLError/HTTPError: 503 while loading, or not accepting yet
            if time.monotonic() > deadline or not self.running:
                raise LocalServerError(f"model server at {self.url} never became healthy:\n{self.log_tail()}")
            time.sleep(0.1)


def _read_line(stream: IO[bytes], lines: queue.Queue[bytes]) -> None:
    lines.put(stream.readline())
