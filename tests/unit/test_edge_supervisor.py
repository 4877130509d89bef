"""The runner's supervisor of child services (the local model server): restart, back off, reap."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from devrel.edge.supervisor import Supervisor
from devrel.handlers.api import handle_api
from devrel.http import HttpRequest
from devrel.runtime import watch_local_model
from support.fakes import fake_services


class Child:
    """A real child process standing in for the model server."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def start(self) -> Child:
        self.process = subprocess.Popen(["sleep", "60"])
        self.starts += 1
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


def state_of(pid: int) -> str | None:
    """The process's state letter (Z: defunct), or None when it no longer exists."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_a_killed_child_is_reaped_and_restarted() -> None:
    child = Child().start()
    stop = threading.Event()
    supervisor = Supervisor("child", child, stop, check_seconds=0.05, first_delay=0.05)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        assert child.process is not None
        first = child.process.pid
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: child.starts == 2 and child.running)
        assert state_of(first) is None  # reaped, not left defunct
        assert supervisor.restarts == 1 and supervisor.state == "running"
    finally:
        stop.set()
        thread.join()
        child.stop()


class Failing:
    """A child that dies at once and then cannot be started `failures` times."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts: list[float] = []
        self.up = False

    @property
    def running(self) -> bool:
        return self.up

    @property
    def exit_code(self) -> int | None:
        return None if self.up else 1

    def start(self) -> Failing:
        self.attempts.append(time.monotonic())
        if len(self.attempts) <= self.failures:
            raise OSError("port in use")
        self.up = True
        return self


def test_restarts_back_off_while_starting_fails() -> None:
    service = Failing(failures=3)
    stop = threading.Event()
    supervisor = Supervisor("child", service, stop, check_seconds=0.01, first_delay=0.1, max_delay=0.4)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    wait_for(lambda: service.up)
    stop.set()
    thread.join()
    gaps = [later - earlier for earlier, later in zip(service.attempts, service.attempts[1:], strict=False)]
    assert len(service.attempts) == 4 and supervisor.restarts == 1
    assert gaps[0] >= 0.19 and gaps[1] >= 0.39 and gaps[2] >= 0.39  # 0.2, 0.4, then capped at 0.4


class Watched:
    """The supervisor as health sees it."""

    def __init__(self, state: str, restarts: int) -> None:
        self.state = state
        self.restarts = restarts


def health_of(services: Any) -> tuple[int, Any]:
    request = HttpRequest("GET", "/api/health", {}, b"", {}, path_params={"proxy": "health"})
    response = handle_api(request, services)
    return response.status, json.loads(response.body)


def test_health_reports_a_model_server_being_restarted_and_its_restarts(tmp_path: Path,
                                                                         stand_in_server: Any) -> None:
    # The server answers: only the supervisor knows that the runner's own child is being restarted.
    url = stand_in_server(lambda seen: (200, {"object": "list", "data": [{"id": "local"}]}, {}))
    services = fake_services(tmp_path, llm_base_url=f"{url}/v1")
    try:
        watch_local_model(Watched("restarting", 2))
        assert health_of(services) == (503, {**health_of(services)[1], "model": "down", "model_restarts": 2})
        watch_local_model(Watched("running", 3))
        status, body = health_of(services)
        assert (status, body["model"], body["model_restarts"]) == (200, "ok", 3)
    finally:
        watch_local_model(None)
    assert "model_restarts" not in health_of(services)[1]
