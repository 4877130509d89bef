"""One contract for every Queue adapter (see the `queue` fixture in conftest.py), then the SQLite
queue's own promises: durability, receipt handles, and many consumers on one file."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devrel.adapters.queue_sqlite import SqliteQueue
from devrel.adapters.queue_sqs import SqsQueue
from devrel.ports import Message, Queue

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


def _drain(queue: Queue, max_messages: int = 10) -> list[Message]:
    """Everything visible now, across as many receives as it takes."""
    received: list[Message] = []
    while batch := queue.receive(max_messages=max_messages):
        assert len(batch) <= max_messages
        received.extend(batch)
    return received


def test_send_receive_delete(queue: Queue) -> None:
    message_id = queue.send("hello")
    [message] = queue.receive()
    assert (message.message_id, message.body, message.receive_count) == (message_id, "hello", 1)
    queue.delete(message.receipt_handle)
    assert queue.receive() == []


def test_receive_from_empty_queue(queue: Queue) -> None:
    assert queue.receive() == []


def test_received_message_is_hidden_until_the_visibility_timeout(
    queue: Queue, visibility_timeout: int
) -> None:
    done, retried, extended = queue.send("done"), queue.send("retried"), queue.send("extended")
    handles = {message.message_id: message.receipt_handle for message in _drain(queue)}
    assert set(handles) == {done, retried, extended}
    assert queue.receive() == []

    queue.delete(handles[done])
    queue.change_visibility(handles[extended], 30)
    time.sleep(visibility_timeout + 0.3)

    [again] = queue.receive()
    assert (again.message_id, again.body, again.receive_count) == (retried, "retried", 2)
    assert again.receipt_handle != handles[retried]
    assert queue.receive() == []


def test_change_visibility_zero_releases_at_once(queue: Queue) -> None:
    message_id = queue.send("work")
    [first] = queue.receive()
    queue.change_visibility(first.receipt_handle, 0)
    [second] = queue.receive()
    assert (second.message_id, second.receive_count) == (message_id, 2)


def test_exhausted_message_moves_to_dead_letters(queue: Queue, max_receive_count: int) -> None:
    message_id = queue.send("poison")
    for attempt in range(1, max_receive_count + 1):
        [message] = queue.receive()
        assert (message.message_id, message.receive_count) == (message_id, attempt)
        queue.change_visibility(message.receipt_handle, 0)

    assert queue.receive() == []
    [dead] = queue.dead_letters()
    assert (dead.message_id, dead.body) == (message_id, "poison")
    assert queue.dead_letters() == []


def test_healthy_messages_stay_out_of_dead_letters(queue: Queue, max_receive_count: int) -> None:
    queue.send("fine")
    [message] = queue.receive()
    queue.delete(message.receipt_handle)
    assert queue.dead_letters() == []


def test_delay_seconds_defers_delivery(queue: Queue) -> None:
    message_id = queue.send("later", delay_seconds=1)
    queue.send("now")
    [now] = queue.receive()
    assert now.body == "now"
    queue.delete(now.receipt_handle)

    started = time.monotonic()
    [message] = queue.receive(wait_seconds=3)
    assert message.message_id == message_id
    assert time.monotonic() - started < 2.9


def test_wait_seconds_waits_for_an_empty_queue(queue: Queue) -> None:
    started = time.monotonic()
    assert queue.receive(wait_seconds=1) == []
    assert time.monotonic() - started >= 0.9


def test_wait_seconds_returns_when_a_message_arrives(queue: Queue) -> None:
    sender = threading.Timer(0.3, queue.send, args=("arrived",))
    sender.start()
    started = time.monotonic()
    try:
        messages = queue.receive(wait_seconds=5)
    finally:
        sender.join()
    assert [message.body for message in messages] == ["arrived"]
    assert time.monotonic() - started < 3


def test_max_messages_caps_a_batch_and_nothing_is_lost(queue: Queue) -> None:
    sent = {queue.send(f"m{n}") for n in range(15)}
    assert len(queue.receive(max_messages=1)) == 1
    received = _drain(queue, max_messages=4)
    assert len(received) == 14
    assert {message.message_id for message in received} < sent


def test_large_unicode_body_round_trips(queue: Queue) -> None:
    body = ("héllo wörld — 你好 🚀 \t\n" * 5000)[:70_000]
    assert len(body.encode()) > 100_000
    queue.send(body)
    [message] = queue.receive()
    assert message.body == body


def test_invalid_arguments_are_rejected_alike(queue: Queue) -> None:
    with pytest.raises(ValueError):
        queue.send("x", delay_seconds=901)
    with pytest.raises(ValueError):
        queue.receive(max_messages=11)
    with pytest.raises(ValueError):
        queue.receive(max_messages=0)
    with pytest.raises(ValueError):
        queue.receive(wait_seconds=-1)


def test_sqs_messages_live_on_the_http_server(
    sqs_client: SQSClient, sqs_queue_pair: tuple[str, str], raw_aws_call: Callable[..., dict[str, Any]]
) -> None:
    queue_url, dead_letter_url = sqs_queue_pair
    message_id = SqsQueue(sqs_client, queue_url, dead_letter_url).send("over http")
    raw = raw_aws_call("sqs", "AmazonSQS.ReceiveMessage", {"QueueUrl": queue_url})
    assert [(message["MessageId"], message["Body"]) for message in raw["Messages"]] == [
        (message_id, "over http")
    ]


# --- SQLite queue specifics ----------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.value = 1_000_000.0

    def __call__(self) -> float:
        return self.value


def test_sqlite_queue_is_fifo(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.sqlite", "work")
    bodies = [f"m{n}" for n in range(25)]
    for body in bodies:
        queue.send(body)
    assert [message.body for message in _drain(queue)] == bodies


def test_sqlite_queue_survives_reopening(tmp_path: Path) -> None:
    clock = _Clock()
    path = tmp_path / "q.sqlite"
    first = SqliteQueue(path, "work", visibility_timeout=30, now=clock)
    in_flight = first.send("in flight")
    first.receive()
    waiting = first.send("waiting")
    first.close()

    reopened = SqliteQueue(path, "work", visibility_timeout=30, now=clock)
    try:
        [message] = reopened.receive()
        assert (message.message_id, message.body, message.receive_count) == (waiting, "waiting", 1)
        reopened.delete(message.receipt_handle)
        clock.value += 30
        [message] = reopened.receive()
        assert (message.message_id, message.body, message.receive_count) == (in_flight, "in flight", 2)
    finally:
        reopened.close()


def test_sqlite_queue_only_the_latest_receipt_handle_counts(tmp_path: Path) -> None:
    clock = _Clock()
    queue = SqliteQueue(tmp_path / "q.sqlite", "work", visibility_timeout=10, now=clock)
    queue.send("job")
    [first] = queue.receive()
    clock.value += 10
    [second] = queue.receive()
    assert second.receive_count == 2
    assert second.receipt_handle != first.receipt_handle

    queue.delete(first.receipt_handle)
    queue.change_visibility(first.receipt_handle, 0)
    assert queue.receive() == []
    clock.value += 10
    [third] = queue.receive()
    assert third.receive_count == 3

    queue.delete(third.receipt_handle)
    clock.value += 10
    assert queue.receive() == []


def test_sqlite_queue_hands_out_a_message_once_per_receive(tmp_path: Path) -> None:
    # With no visibility timeout a delivered message is visible again at once.
    queue = SqliteQueue(tmp_path / "q.sqlite", "work", visibility_timeout=0)
    queue.send("once")
    assert [message.receive_count for message in queue.receive()] == [1]
    assert [message.receive_count for message in queue.receive()] == [2]


def test_sqlite_queue_without_dead_letters_retries_forever(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.sqlite", "work", max_receive_count=1)
    queue.send("again")
    for attempt in range(1, 4):
        [message] = queue.receive()
        assert message.receive_count == attempt
        queue.change_visibility(message.receipt_handle, 0)
    assert queue.dead_letters() == []


def test_sqlite_queues_in_one_file_are_separate(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite"
    work = SqliteQueue(path, "work", max_receive_count=1, dead_letter_name="work-dlq")
    other = SqliteQueue(path, "other")
    work.send("for work")
    other.send("for other")
    [message] = work.receive()
    assert message.body == "for work"
    # Another queue's receipt handle does not reach into this one.
    other.delete(message.receipt_handle)
    work.change_visibility(message.receipt_handle, 0)
    assert work.receive() == []
    [dead] = SqliteQueue(path, "work-dlq").receive()
    assert dead.body == "for work"
    assert [message.body for message in other.receive()] == ["for other"]


def test_sqlite_queue_consumers_sharing_a_file_never_overlap(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite"
    producer = SqliteQueue(path, "work")
    sent = {producer.send(f"job {n}") for n in range(60)}
    seen: list[str] = []
    seen_lock = threading.Lock()

    def consume() -> None:
        # Its own object and connection, as a separate process would have.
        consumer = SqliteQueue(path, "work")
        while batch := consumer.receive(max_messages=3):
            for message in batch:
                with seen_lock:
                    seen.append(message.message_id)
                consumer.delete(message.receipt_handle)
        consumer.close()

    workers = [threading.Thread(target=consume) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(seen) == sorted(sent)


_CONSUMER_PROCESS = """
import json, sys
from devrel.adapters.queue_sqlite import SqliteQueue
queue = SqliteQueue(sys.argv[1], "work")
received = []
while batch := queue.receive(max_messages=2, wait_seconds=0.5):
    for message in batch:
        received.append(message.message_id)
        queue.delete(message.receipt_handle)
print(json.dumps(received))
"""


def test_sqlite_queue_two_processes_share_the_work(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite"
    producer = SqliteQueue(path, "work")
    sent = {producer.send(f"job {n}") for n in range(40)}
    consumers = [
        subprocess.Popen(
            [sys.executable, "-c", _CONSUMER_PROCESS, str(path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [consumer.communicate(timeout=30)[0] for consumer in consumers]
    assert all(consumer.returncode == 0 for consumer in consumers)
    received = [message_id for output in outputs for message_id in json.loads(output)]
    assert sorted(received) == sorted(sent)
