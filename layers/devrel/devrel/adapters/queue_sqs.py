"""Queue on SQS (cloud mode). Retries and the dead-letter move come from the queue's RedrivePolicy."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from devrel.adapters.queue_limits import MAX_WAIT_SECONDS, check_receive, check_send, check_visibility
from devrel.ports import Message, PortError

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsQueue:
    """`Queue` on SQS. `dead_letter_queue_url` is only read by `dead_letters()`."""

    def __init__(self, client: SQSClient, queue_url: str, dead_letter_queue_url: str | None = None) -> None:
        self._client = client
        self._url = queue_url
        self._dead_letter_url = dead_letter_queue_url

    def send(self, body: str, delay_seconds: int = 0) -> str:
        check_send(delay_seconds)
        with _as_port_error():
            response = self._client.send_message(
                QueueUrl=self._url, MessageBody=body, DelaySeconds=delay_seconds
            )
        return response["MessageId"]

    def receive(self, max_messages: int = 10, wait_seconds: float = 0) -> list[Message]:
        check_receive(max_messages, wait_seconds)
        # Long polling takes whole seconds; round up so the caller waits at least as long as asked.
        return self._receive(self._url, max_messages, min(MAX_WAIT_SECONDS, math.ceil(wait_seconds)))

    def delete(self, receipt_handle: str) -> None:
        with _as_port_error():
            self._client.delete_message(QueueUrl=self._url, ReceiptHandle=receipt_handle)

    def change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None:
        check_visibility(timeout_seconds)
        with _as_port_error():
            self._client.change_message_visibility(
                QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=timeout_seconds
            )

    def dead_letters(self, max_messages: int = 10) -> list[Message]:
        check_receive(max_messages, 0)
        if self._dead_letter_url is None:
            return []
        return self._receive(self._dead_letter_url, max_messages, 0)

    def _receive(self, url: str, max_messages: int, wait_seconds: int) -> list[Message]:
        with _as_port_error():
            response = self._client.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=max_messages,
                WaitTimeSeconds=wait_seconds,
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
        return [
            Message(
                message_id=raw["MessageId"],
                body=raw["Body"],
                receipt_handle=raw["ReceiptHandle"],
                receive_count=int(raw.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
            )
            for raw in response.get("Messages", [])
        ]


@contextmanager
def _as_port_error() -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise PortError(f"sqs: {exc}") from exc
