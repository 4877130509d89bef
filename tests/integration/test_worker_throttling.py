"""DynamoDB throttling under the worker. A proxy in front of moto's server answers some of the
store's requests with ProvisionedThroughputExceededException, as DynamoDB does past a partition's
capacity: short runs that the client's retries absorb, storms longer than its retries, and one event
whose every request is throttled. Through a real queue with the template's redrive limit, every
queued event must end answered exactly once, or in the dead-letter queue; the test counts them.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config

from devrel.adapters.queue_sqlite import SqliteQueue
from devrel.adapters.store_dynamodb import DynamoDbStore
from devrel.events import Actor, InboundEvent, Question, SlackAddress
from devrel.handlers.worker import process_sqs_batch
from support.fakes import RecordingPlatform, fake_services

POISONED = "msg:T1:C1:poisoned"
THROTTLED = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                        "message": "The level of configured provisioned throughput for the table was exceeded."})


class Throttle:
    """Which requests are refused: two in every five (retries absorb them), a storm of four in a row
    after every 60 (more than the retries), and every request that names the poisoned event."""

    def __init__(self) -> None:
        self.seen = 0
        self.throttled = 0
        self.lock = threading.Lock()

    def refuse(self, body: bytes) -> bool:
        with self.lock:
            self.seen += 1
            n = self.seen
            refuse = POISONED.encode() in body or n % 5 in (1, 3) or n % 60 < 4
            self.throttled += refuse
            return refuse


@pytest.fixture
def throttling_endpoint(moto_server_url: str) -> Iterator[tuple[str, Throttle]]:
    throttle = Throttle()
    target = urlsplit(moto_server_url)

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if throttle.refuse(body):
                status, headers, raw = 400, {"content-type": "application/x-amz-json-1.0"}, THROTTLED.encode()
            else:
                upstream = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
                upstream.request("POST", self.path, body=body, headers=dict(self.headers.items()))
                response = upstream.getresponse()
                raw = response.read()
                status = response.status
                headers = {k: v for k, v in response.getheaders()
                           if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")}
                upstream.close()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", throttle
    server.shutdown()
    server.server_close()


def question(n: int, delivery: str | None = None) -> InboundEvent:
    return InboundEvent(platform="slack", kind="slack.app_mention", delivery_id=delivery or f"msg:T1:C1:{n}.0",
                        thread=f"T1:C1:{n}.0", actor=Actor(id="U1"), text=f"how do I install version {n}?",
                        intent=Question(), reply_to=SlackAddress(team="T1", channel="C1", thread_ts=f"{n}.0",
                                                                 message_ts=f"{n}.0"))


def test_throttled_store_ends_every_event_answered_once_or_dead_lettered(
    tmp_path: Path, aws_session: boto3.session.Session, dynamodb_table: str,
    throttling_endpoint: tuple[str, Throttle],
) -> None:
    url, throttle = throttling_endpoint
    # boto3's default retries for DynamoDB (legacy mode: 50 ms, doubling), but three attempts instead
    # of ten, so that a storm of four outlasts them and the queue's redelivery is what recovers.
    client = aws_session.client("dynamodb", endpoint_url=url,
                                config=Config(retries={"mode": "legacy", "max_attempts": 3}))
    slack = RecordingPlatform()
    services = fake_services(tmp_path, {"slack": slack})
    services.store = DynamoDbStore(client, dynamodb_table)
    # The template's redrive: five receives, then the dead-letter queue; no wait between attempts.
    queue = SqliteQueue(tmp_path / "queue.sqlite", "WorkQueue", visibility_timeout=0, max_receive_count=5,
                        dead_letter_name="WorkDeadLetterQueue")
    events = [question(n) for n in range(1, 25)] + [question(0, POISONED)]
    for event in events:
        queue.send(event.model_dump_json())

    receives = 0
    while messages := queue.receive(max_messages=10):
        receives += len(messages)
        batch = {"Records": [{"messageId": m.message_id, "receiptHandle": m.receipt_handle, "body": m.body}
                             for m in messages]}
        failed = {f["itemIdentifier"] for f in process_sqs_batch(batch, services)["batchItemFailures"]}
        for message in messages:
            if message.message_id not in failed:
                queue.delete(message.receipt_handle)
        assert receives < 40 * len(events), "the queue never drained"

    answered = Counter(event.delivery_id for event, _ in slack.posted)
    dead = [json.loads(message.body)["delivery_id"] for message in queue.dead_letters(max_messages=10)]
    print(f"\n{len(events)} events, {throttle.throttled} of {throttle.seen} store requests throttled, "
          f"{receives} receives: answered {len(answered)} (max {max(answered.values())} each), dead letters {dead}")
    assert throttle.throttled > 0
    assert receives > len(events)  # some storms outlasted the retries, so events came back: the count bites
    assert answered == Counter({event.delivery_id: 1 for event in events if event.delivery_id != POISONED})
    assert dead == [POISONED]
