"""A signed Slack Events API delivery through the webhook handler, then the worker over the queue: the
path every Slack event takes, for tests that follow one to the platform stand-ins."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from devrel.handlers.slack_events import handle_slack
from devrel.handlers.worker import process_sqs_batch
from devrel.http import HttpRequest
from devrel.platforms import slack
from devrel.runtime import Services


def deliver_slack_event(services: Services, secret: str, event: dict[str, Any], event_id: str) -> None:
    """`event` signed with `secret` at the services' clock, acknowledged, and everything queued worked off."""
    body = json.dumps({"type": "event_callback", "team_id": "T1", "event_id": event_id,
                       "authorizations": [{"is_bot": True, "user_id": "UBOT"}], "event": event}).encode()
    stamp = str(int(services.clock()))
    headers = {"x-slack-request-timestamp": stamp, "x-slack-signature": slack.signature_for(secret, stamp, body)}
    assert handle_slack(HttpRequest("POST", "/slack/events", headers, body), services).status == 200
    work_off(services)


def slack_command(services: Services, secret: str, text: str, user: str, response_url: str) -> int:
    """`/devrel TEXT` from `user` in channel C1, signed with `secret`, then the worker; the webhook's status."""
    trigger = f"tr-{abs(hash((text, user, response_url)))}"
    body = urlencode({"command": "/devrel", "text": text, "trigger_id": trigger, "channel_id": "C1", "team_id": "T1",
                      "user_id": user, "user_name": user.lower(), "response_url": response_url}).encode()
    stamp = str(int(services.clock()))
    headers = {"x-slack-request-timestamp": stamp, "x-slack-signature": slack.signature_for(secret, stamp, body)}
    status = handle_slack(HttpRequest("POST", "/slack/commands", headers, body), services).status
    work_off(services)
    return status


def work_off(services: Services) -> None:
    """The worker over everything queued, each message as its own SQS batch; none may fail."""
    while messages := services.queue.receive(max_messages=10):
        for message in messages:
            outcome = process_sqs_batch({"Records": [{"messageId": message.message_id, "body": message.body}]},
                                        services)
            assert outcome == {"batchItemFailures": []}
            services.queue.delete(message.receipt_handle)
