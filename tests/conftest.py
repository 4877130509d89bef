"""Shared test helpers: fixture paths and a running `devrel serve` subprocess."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from support.stand_in import start_stand_in

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATE = ROOT / "template.yaml"
DEVREL = Path(sys.executable).with_name("devrel")


@dataclass
class ServedApp:
    url: str
    data_dir: Path
    process: subprocess.Popen[str]
    env: dict[str, str]
    # Everything the runner printed, as it arrives (the activity lines among it).
    output: list[str] = field(default_factory=list)

    def wait_for_output(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in list(self.output) if text in line), None)
            if found is not None:
                return found
            time.sleep(0.1)
        raise AssertionError(f"the runner never printed {text!r}")


def start_serve(data_dir: Path, env_overrides: dict[str, str], *extra_args: str) -> ServedApp:
    """Start `devrel serve` on a free port and wait until it prints its address."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
    env.update(env_overrides)
    # The local model server takes seconds to start; only tests that ask for it ("--llm") get it.
    extra_args = tuple(arg for arg in extra_args if arg != "--llm") if "--llm" in extra_args \
        else (*extra_args, "--no-llm")
    process = subprocess.Popen(
        [str(DEVREL), "serve", "--port", "0", "--data-dir", str(data_dir), "--template", str(TEMPLATE),
         *extra_args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"edge runner on (http://[\d.]+:\d+)", line)
        if found:
            app = ServedApp(found.group(1), data_dir, process, env, output=seen)
            _drain(process, seen)
            return app
    process.kill()
    raise RuntimeError("devrel serve did not start:\n" + "".join(seen))


def _drain(process: subprocess.Popen[str], seen: list[str]) -> None:
    """Keep reading the child's output so a full pipe never blocks it."""
    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            sys.stderr.write("[serve] " + line)

    threading.Thread(target=pump, daemon=True).start()


def stop_serve(app: ServedApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait()


@pytest.fixture
def serve_factory(tmp_path: Path) -> Iterator[object]:
    started: list[ServedApp] = []

    def factory(env: dict[str, str], *extra_args: str, data_dir: Path | None = None) -> ServedApp:
        app = start_serve(data_dir or tmp_path / "data", env, *extra_args)
        started.append(app)
        return app

    yield factory
    for app in started:
        stop_serve(app)
    leaks = [leak for app in started for leak in secrets_kept(app)]
    assert leaks == [], f"configured secrets in what devrel serve wrote: {leaks}"


# Settings whose values are credentials; values shorter than this are too common to search for.
SECRET_SETTING = re.compile(r"^DEVREL_\w*(SECRET|TOKEN|API_KEY|PASSWORD)\w*$")
MIN_SECRET_LENGTH = 8


def secrets_kept(app: ServedApp) -> list[str]:
    """Every configured secret found in the runner's output or its data files (the suite's standing
    sweep: a secret may leave only in the requests that need it, never in logs or stored state)."""
    secrets = {name: value for name, value in app.env.items()
               if SECRET_SETTING.match(name) and len(value) >= MIN_SECRET_LENGTH}
    if not secrets:
        return []
    logs = "".join(app.output).encode()
    files = [path for path in app.data_dir.rglob("*") if path.is_file()] if app.data_dir.is_dir() else []
    found = [f"{name} in the runner's output" for name, value in secrets.items() if value.encode() in logs]
    for path in files:
        data = path.read_bytes()
        found += [f"{name} in {path.name}" for name, value in secrets.items() if value.encode() in data]
    return found


@pytest.fixture
def scratch_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the project's template and code for tests that edit them."""
    target = tmp_path / "project"
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(".venv", ".git", ".aws-sam", "tests"))
    return target


@pytest.fixture
def stand_in_server() -> Iterator[object]:
    """Start local HTTP stand-ins of platform APIs: `url = stand_in_server(answer)` (see start_stand_in)."""
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Any) -> str:
        url, server = start_stand_in(answer)
        servers.append(server)
        return url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()

SAM = Path(sys.executable).with_name("sam")


@pytest.fixture(scope="session")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`sam build` of template.yaml without a container, once per test session (the template tests
    and the cloud rehearsal share it). Yields the build folder: <FunctionId>/, <LayerId>/python/ and
    the built template.yaml."""
    if not SAM.exists():
        pytest.skip(f"SAM CLI not installed at {SAM}")
    if shutil.which("python3.11") is None:
        pytest.skip("sam build without a container needs python3.11 on PATH")
    work = tmp_path_factory.mktemp("sam")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    # Run from the scratch folder: cached builds keep dependencies under ./.aws-sam of the cwd.
    result = subprocess.run(
        [str(SAM), "build", "--template-file", str(TEMPLATE), "--base-dir", str(ROOT),
         "--build-dir", str(work / "build"), "--cache-dir", str(work / "cache"), "--parallel"],
        cwd=work, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    yield work / "build"
