"""What the worker does with each accepted event (the slow path, off the webhook's ack)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from devrel.events import InboundEvent
from devrel.ports import Item
from devrel.runtime import Services
from devrel.usecases import conversation, onboarding
from devrel.usecases.triage_steps import IssueFacts, TriageConfig

log = logging.getLogger(__name__)

# Step Functions execution names: 1-80 characters of letters, digits, '-' and '_'.
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def execution_name(*parts: str) -> str:
    return _NAME_UNSAFE.sub("-", "-".join(parts)).strip("-")[:80]


def record_event(event: InboundEvent, services: Services) -> None:
    """Append to the per-platform event log that analytics and digests read."""
    services.store.put(
        Item(
            pk=f"events#{event.platform}",
            sk=f"{event.received_at:017.6f}#{event.delivery_id}",
            data={"kind": event.kind, "thread": event.thread,
                  "actor": event.actor.name if event.actor else None},
        )
    )


def triage_input(event: InboundEvent, services: Services) -> dict[str, Any]:
    """The triage state machine's input: the issue's facts and the repository's policy."""
    repository = str(event.data.get("repository") or "")
    issue = IssueFacts(
        repository=repository,
        number=int(event.data.get("number") or 0),
        title=str(event.data.get("title") or ""),
        body=str(event.data.get("body") or ""),
        author=event.actor.name if event.actor else "",
        labels=list(event.data.get("labels") or []),
        html_url=event.data.get("html_url"),
    )
    settings = services.settings
    policy: dict[str, Any] = {"dry_run": settings.triage_dry_run,
                              "followup_wait_seconds": settings.triage_followup_wait_seconds,
                              "duplicate_close_wait_seconds": settings.triage_duplicate_close_wait_seconds}
    tracker = services.issue_tracker
    if tracker is not None and repository:
        policy.update(tracker.repository_config(repository))
    return {"issue": issue.model_dump(), "config": TriageConfig.model_validate(policy).model_dump()}


def dispatch(event: InboundEvent, services: Services) -> str:
    """Route one event to its use case; returns what was done (for logs and tests)."""
    record_event(event, services)
    outcomes = []
    if onboarding.starts_onboarding(event) and onboarding.claim_contributor(event, services):
        assert event.actor is not None
        name = execution_name("onboarding", event.platform, event.actor.id)
        services.workflows.start(services.state_machines["onboarding"], onboarding.onboarding_input(event, services),
                                 name)
        outcomes.append("onboarding-started")
    if event.kind == "github.issues.opened":
        name = execution_name("triage", event.thread, event.delivery_id)
        services.workflows.start(services.state_machines["triage"], triage_input(event, services), name)
        outcomes.append("triage-started")
    if outcomes:
        return ",".join(outcomes)
    if event.kind in conversation.FEEDBACK_KINDS:
        conversation.record_feedback(event, services)
        return "feedback-recorded"
    if event.kind in conversation.REVOCATION_KINDS:
        conversation.revoke_installation(event, services)
        return "installation-revoked"
    if conversation.should_answer(event, services):
        return conversation.converse(event, services)
    return "recorded"


def process_sqs_batch(sqs_event: dict[str, Any], services: Services) -> dict[str, Any]:
    """Handle an SQS batch; failed records are reported so only they are retried."""
    failures: list[dict[str, str]] = []
    for record in sqs_event.get("Records") or []:
        message_id = record.get("messageId", "")
        try:
            event = InboundEvent.model_validate(json.loads(record.get("body") or ""))
        except ValueError:
            # Never drop: it fails every retry and so lands in the dead-letter queue for a human.
            log.error("unparseable message %s", message_id)
            failures.append({"itemIdentifier": message_id})
            continue
        try:
            outcome = dispatch(event, services)
            log.info("processed %s %s: %s", event.kind, event.delivery_id, outcome)
        except Exception:  # retried by the queue, then dead-lettered
            log.exception("failed %s %s", event.kind, event.delivery_id)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
