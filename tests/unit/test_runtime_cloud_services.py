"""Building the cloud Services for a cold start: what every cloud function does before its first
event (no AWS call is made while building; clients are created, not used)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from devrel import runtime


@pytest.fixture
def cloud_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"DEVREL_MODE": "cloud", "DEVREL_SECRETS_ID": "devrel/test", "DEVREL_TABLE_NAME": "devrel",
                        "DEVREL_REGION": "us-east-1", "DEVREL_WORK_QUEUE": "https://sqs.invalid/1/work",
                        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    runtime.reset_services()
    yield
    # (A deadlocked build keeps the lock: skip the reset rather than hang the session.)
    if runtime._lock.acquire(timeout=5):
        runtime._lock.release()
        runtime.reset_services()


def test_cloud_services_are_built_without_deadlocking(cloud_env: None) -> None:
    """services() holds the module lock while it builds; making the AWS clients must not need it
    again (it once did, and every cloud function hung in its cold start)."""
    built: list[runtime.Services] = []
    worker = threading.Thread(target=lambda: built.append(runtime.services()), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "services() did not return: a lock is taken twice"
    assert built and built[0].settings.mode == "cloud"
    assert runtime.services() is built[0]  # one per process
