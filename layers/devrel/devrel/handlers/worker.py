"""The SQS-triggered worker: each record is one queued event, dispatched by its intent.

Powertools' batch processor implements the partial-failure protocol (ReportBatchItemFailures):
only the records that failed go back to the queue, and after the redrive limit to the dead-letter
queue; nothing is dropped. A body that is no event fails every attempt and so ends there too.
"""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from devrel.queue_messages import read_message
from devrel.runtime import Services

log = logging.getLogger(__name__)


def process_sqs_batch(sqs_event: dict[str, Any], services: Services) -> dict[str, Any]:
    def handle(record: SQSRecord) -> str:
        try:
            event = read_message(record.body or "", services.settings.github_bot_login)
        except ValueError:
            log.error("unparseable message %s", record.message_id)
            raise
        try:
            outcome = services.dispatcher.dispatch(event)
        except Exception:
            log.exception("failed %s %s", event.kind, event.delivery_id)
            raise
        log.info("processed %s %s: %s", event.kind, event.delivery_id, outcome)
        return outcome

    # A batch that fails whole is reported like a partial one, so the queue retries each record.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=sqs_event, record_handler=handle, processor=processor)
