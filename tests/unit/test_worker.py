"""The SQS worker: the partial-batch protocol, the handler table, and messages queued before typed intents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devrel.events import Actor, InboundEvent, IssueOpened, Question, SlackAddress
from devrel.handlers.worker import process_sqs_batch
from devrel.queue_messages import read_message
from devrel.records import Contributions
from devrel.runtime import Services
from support.fakes import RecordingPlatform, fake_services


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fake_services(tmp_path, {"slack": RecordingPlatform()}, github_bot_login="devrel-bot")


def record(message_id: str, body: str) -> dict[str, Any]:
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": body, "attributes": {},
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:WorkQueue", "awsRegion": "us-east-1"}


def mention(delivery: str = "msg:T1:C1:1.0") -> InboundEvent:
    return InboundEvent(platform="slack", kind="slack.app_mention", delivery_id=delivery, thread="T1:C1:1.0",
                        actor=Actor(id="U1"), text="how do I install?", intent=Question(),
                        reply_to=SlackAddress(team="T1", channel="C1", thread_ts="1.0", message_ts="1.0"))


def test_only_the_failed_records_go_back_to_the_queue(services: Services) -> None:
    batch = {"Records": [record("ok", mention().model_dump_json()), record("bad", "{not json")]}
    assert process_sqs_batch(batch, services) == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert len(services.platforms["slack"].posted) == 1  # type: ignore[attr-defined]


def test_a_batch_that_fails_whole_is_reported_record_by_record(services: Services) -> None:
    batch = {"Records": [record("a", "[]"), record("b", '{"platform": "nowhere"}')]}
    failures = process_sqs_batch(batch, services)["batchItemFailures"]
    assert sorted(f["itemIdentifier"] for f in failures) == ["a", "b"]


def test_every_event_is_logged_and_routed_by_its_intent(services: Services) -> None:
    opened = InboundEvent(platform="github", kind="github.issues.opened", delivery_id="g1", thread="o/r#5",
                          actor=Actor(id="1", name="newbie"),
                          intent=IssueOpened(repository="o/r", number=5, title="Crash", first_time=True))
    # Noted first as the author's contribution (what interests are inferred from), then onboarding and triage.
    assert services.dispatcher.dispatch(opened) == "contribution-noted,onboarding-started,triage-started"
    started = [name for name, _, _ in services.workflows.started]  # type: ignore[attr-defined]
    assert started == ["OnboardingStateMachine", "TriageStateMachine"]
    assert [(c["repository"], c["number"], c["kind"]) for c in Contributions(services.store).of("github", "1")] \
        == [("o/r", 5, "issue")]
    assert [logged.kind for logged in services.event_log.since("github", 0)] == ["github.issues.opened"]


def test_a_message_queued_before_typed_intents_is_upgraded_and_answered(services: Services) -> None:
    legacy = {"platform": "slack", "kind": "slack.app_mention", "delivery_id": "msg:T1:C1:9.0",
              "thread": "T1:C1:9.0", "actor": {"id": "U1"}, "text": "where are the docs?", "received_at": 1.0,
              "data": {"team": "T1", "channel": "C1", "ts": "9.0", "thread_ts": "9.0"}}
    event = read_message(json.dumps(legacy))
    assert event.intent == Question()
    assert event.reply_to == SlackAddress(team="T1", channel="C1", thread_ts="9.0", message_ts="9.0")
    assert process_sqs_batch({"Records": [record("old", json.dumps(legacy))]}, services) == {"batchItemFailures": []}
    [(posted, _)] = services.platforms["slack"].posted  # type: ignore[attr-defined]
    assert posted.delivery_id == "msg:T1:C1:9.0"


@pytest.mark.parametrize(("kind", "data", "text", "intent"), [
    ("github.issue_comment.created", {"repository": "o/r", "number": 1}, "@devrel-bot help", "question"),
    ("github.issue_comment.created", {"repository": "o/r", "number": 1}, "thanks", "question"),
    ("github.issues.opened", {"repository": "o/r", "number": 2, "author_association": "FIRST_TIMER"}, "t",
     "issue_opened"),
    ("discord.feedback", {"application_id": "a", "token": "t", "vote": "up", "answer_delivery": "9"}, "", "feedback"),
    ("slack.app_uninstalled", {"team": "T1"}, "", "install_revoked"),
    ("github.issues.closed", {"repository": "o/r", "number": 3}, "", "activity"),
])
def test_each_legacy_kind_keeps_its_meaning(kind: str, data: dict[str, Any], text: str, intent: str) -> None:
    platform = kind.split(".", 1)[0]
    event = read_message(json.dumps({"platform": platform, "kind": kind, "delivery_id": "d", "text": text,
                                     "data": data}), bot_login="devrel-bot")
    assert event.intent.type == intent and event.reply_to.platform == platform
