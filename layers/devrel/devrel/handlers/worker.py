"""The SQS-triggered worker: each record is one queued event, dispatched by its intent.

The partial-failure protocol (ReportBatchItemFailures): only the records that failed go back to
the queue, and after the redrive limit to the dead-letter queue; nothing is dropped. A body that is
no event fails every attempt and so ends there too. Written out rather than using Powertools'
BatchProcessor: importing it added ~60 ms (+24%) to the worker's cold start for these few lines.
"""

from __future__ import annotations

import logging
from typing import Any

from devrel.queue_messages import read_message
from devrel.runtime import Services

log = logging.getLogger(__name__)


def process_sqs_batch(sqs_event: dict[str, Any], services: Services) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for record in sqs_event.get("Records") or []:
        message_id = str(record.get("messageId", ""))
        try:
            event = read_message(record.get("body") or "", services.settings.github_bot_login)
        except ValueError:
            log.error("unparseable message %s", message_id)
            failures.append({"itemIdentifier": message_id})
            continue
        try:
            outcome = services.dispatcher.dispatch(event)
            log.info("processed %s %s: %s", event.kind, event.delivery_id, outcome)
        except Exception:  # retried by the queue, then dead-lettered
            log.exception("failed %s %s", event.kind, event.delivery_id)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
