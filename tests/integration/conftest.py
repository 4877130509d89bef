"""Adapters over real protocols: AWS services are served by moto in server mode on a local port,
so every boto3 call here is a genuine HTTP request; edge adapters use SQLite files in tmp_path."""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from devrel.adapters.queue_sqlite import SqliteQueue
from devrel.adapters.queue_sqs import SqsQueue
from devrel.adapters.store_dynamodb import TTL_ATTRIBUTE, DynamoDbStore, table_definition
from devrel.adapters.store_sqlite import SqliteStore
from devrel.ports import Queue, Store

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

REGION = "us-east-1"
# Short enough for real sleeps in tests; the same for both queue adapters.
VISIBILITY_TIMEOUT = 1
MAX_RECEIVE_COUNT = 2


@pytest.fixture(scope="session")
def moto_server_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def aws_session() -> boto3.session.Session:
    # Explicit dummy credentials and region, and no profile or config file from this machine.
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            env.delenv(name, raising=False)
        env.setenv("AWS_CONFIG_FILE", os.devnull)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )


@pytest.fixture(scope="session")
def dynamodb_client(aws_session: boto3.session.Session, moto_server_url: str) -> DynamoDBClient:
    return aws_session.client("dynamodb", endpoint_url=moto_server_url)


@pytest.fixture(scope="session")
def sqs_client(aws_session: boto3.session.Session, moto_server_url: str) -> SQSClient:
    return aws_session.client("sqs", endpoint_url=moto_server_url)


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def dynamodb_table(dynamodb_client: DynamoDBClient) -> Iterator[str]:
    name = _unique("devrel-test")
    dynamodb_client.create_table(**table_definition(name))
    dynamodb_client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )
    yield name
    dynamodb_client.delete_table(TableName=name)


@pytest.fixture
def sqs_queue_pair(sqs_client: SQSClient) -> Iterator[tuple[str, str]]:
    """(work queue URL, dead-letter queue URL), redriving after MAX_RECEIVE_COUNT receives."""
    name = _unique("work")
    dead_letter_url = sqs_client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dead_letter_arn = sqs_client.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
    queue_url = sqs_client.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": str(VISIBILITY_TIMEOUT), "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    yield queue_url, dead_letter_url
    sqs_client.delete_queue(QueueUrl=queue_url)
    sqs_client.delete_queue(QueueUrl=dead_letter_url)


class Clock:
    """A settable time source for adapters that take `now`."""

    def __init__(self) -> None:
        self.value = time.time()

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def now(clock: Clock) -> Callable[[], float]:
    """The test's current time, as the `store` adapters see it."""
    return clock


@pytest.fixture
def advance(clock: Clock) -> Callable[[float], None]:
    """Move the `store` adapters' clock forward by some seconds."""
    return clock.advance


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, clock: Clock, tmp_path: Path) -> Iterator[Store]:
    """Each Store adapter in turn, all reading time from `clock`."""
    if request.param == "sqlite":
        sqlite_store = SqliteStore(tmp_path / "store.sqlite", now=clock)
        yield sqlite_store
        sqlite_store.close()
    else:
        table = request.getfixturevalue("dynamodb_table")
        yield DynamoDbStore(request.getfixturevalue("dynamodb_client"), table, now=clock)


@pytest.fixture(params=["sqlite", "sqs"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Queue]:
    """Each Queue adapter in turn, with VISIBILITY_TIMEOUT and a dead-letter queue after
    MAX_RECEIVE_COUNT receives, on real time."""
    if request.param == "sqlite":
        sqlite_queue = SqliteQueue(
            tmp_path / "queue.sqlite",
            "work",
            visibility_timeout=VISIBILITY_TIMEOUT,
            max_receive_count=MAX_RECEIVE_COUNT,
            dead_letter_name="work-dlq",
        )
        yield sqlite_queue
        sqlite_queue.close()
    else:
        queue_url, dead_letter_url = request.getfixturevalue("sqs_queue_pair")
        yield SqsQueue(request.getfixturevalue("sqs_client"), queue_url, dead_letter_url)


@pytest.fixture
def max_receive_count() -> int:
    return MAX_RECEIVE_COUNT


@pytest.fixture
def visibility_timeout() -> int:
    return VISIBILITY_TIMEOUT


@pytest.fixture(scope="session")
def raw_aws_call(moto_server_url: str) -> Callable[[str, str, dict[str, Any]], dict[str, Any]]:
    """POST one JSON-protocol request to the AWS server with plain urllib, bypassing boto3."""

    def call(service: str, target: str, payload: dict[str, Any]) -> dict[str, Any]:
        scope = f"testing/20240101/{REGION}/{service}/aws4_request"
        request = urllib.request.Request(
            moto_server_url + "/",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "X-Amz-Target": target,
                "Content-Type": "application/x-amz-json-1.0",
                "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, Any] = json.load(response)
        return result

    return call
