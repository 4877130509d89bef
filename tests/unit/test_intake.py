from __future__ import annotations

import time
from pathlib import Path

import pytest

from devrel.adapters.queue_sqlite import SqliteQueue
from devrel.adapters.store_sqlite import SqliteStore
from devrel.events import InboundEvent
from devrel.usecases.intake import accept_event, delivery_key


class BrokenQueue:
    def send(self, body: str, delay_seconds: int = 0) -> str:
        raise ConnectionError("queue unavailable")


def event(delivery_id: str = "d-1") -> InboundEvent:
    return InboundEvent(platform="github", kind="github.issues.opened", delivery_id=delivery_id, thread="o/r#1")


def test_a_delivery_is_enqueued_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.sqlite")
    queue = SqliteQueue(tmp_path / "queue.sqlite", name="work")
    results = [accept_event(event(), store, queue, now=time.time(), ttl_seconds=60) for _ in range(3)]
    assert results == [True, False, False]
    messages = queue.receive(max_messages=10)
    assert len(messages) == 1
    assert InboundEvent.model_validate_json(messages[0].body).delivery_id == "d-1"


def test_an_expired_key_lets_the_delivery_in_again(tmp_path: Path) -> None:
    clock = [1000.0]
    store = SqliteStore(tmp_path / "store.sqlite", now=lambda: clock[0])
    queue = SqliteQueue(tmp_path / "queue.sqlite", name="work")
    assert accept_event(event(), store, queue, now=clock[0], ttl_seconds=60)
    clock[0] += 61
    assert accept_event(event(), store, queue, now=clock[0], ttl_seconds=60)


def test_failed_enqueue_forgets_the_key_so_a_retry_is_not_lost(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.sqlite")
    with pytest.raises(ConnectionError):
        accept_event(event(), store, BrokenQueue(), now=time.time(), ttl_seconds=60)  # type: ignore[arg-type]
    assert store.get(*delivery_key(event())) is None
    queue = SqliteQueue(tmp_path / "queue.sqlite", name="work")
    assert accept_event(event(), store, queue, now=time.time(), ttl_seconds=60)
