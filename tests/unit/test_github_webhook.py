"""POST /github/webhook on real octokit payloads: signatures, pings, typed events, de-duplication."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devrel.events import GithubAddress, InboundEvent, IssueOpened, PullRequestOpened, Question
from devrel.handlers.github_webhook import handle_github_webhook
from devrel.http import HttpRequest
from devrel.platforms.signatures import signature_for
from devrel.runtime import Services
from support.fakes import fake_services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
SECRET = "unit-github-secret"


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fake_services(tmp_path, github_webhook_secret=SECRET, github_bot_login="devrel-bot")


def fixture(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return payload


def delivery(event: str, payload: dict[str, Any] | bytes, delivery_id: str = "d-1", secret: str = SECRET,
             signature: str | None = None) -> HttpRequest:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"x-github-event": event, "x-github-delivery": delivery_id,
               "x-hub-signature-256": signature if signature is not None else signature_for(secret, body)}
    return HttpRequest("POST", "/github/webhook", headers, body)


def queued(services: Services) -> list[InboundEvent]:
    messages = services.queue.receive(max_messages=10)
    return [InboundEvent.model_validate_json(message.body) for message in messages]


def test_an_opened_issue_is_enqueued_once_as_a_typed_event(services: Services) -> None:
    payload = fixture("issues.opened.15.json")
    responses = [handle_github_webhook(delivery("issues", payload), services) for _ in range(3)]
    assert [r.status for r in responses] == [202, 202, 202]
    assert [json.loads(r.body)["accepted"] for r in responses] == [True, False, False]
    [event] = queued(services)
    assert isinstance(event.intent, IssueOpened)
    assert (event.intent.repository, event.intent.number) == (payload["repository"]["full_name"], 1)
    assert event.intent.title == payload["issue"]["title"] and not event.intent.first_time  # the OWNER
    assert event.reply_to == GithubAddress(repository=payload["repository"]["full_name"], number=1)


def test_a_first_timers_pull_request_says_so(services: Services) -> None:
    payload = fixture("pull_request.opened.0.json")
    payload["pull_request"]["author_association"] = "FIRST_TIME_CONTRIBUTOR"
    assert handle_github_webhook(delivery("pull_request", payload), services).status == 202
    [event] = queued(services)
    assert isinstance(event.intent, PullRequestOpened) and event.intent.first_time


def test_a_comment_mentioning_the_bot_is_a_question(services: Services) -> None:
    payload = fixture("issue_comment.created.0.json")
    payload["comment"]["body"] = "@devrel-bot where is the config documented?"
    handle_github_webhook(delivery("issue_comment", payload), services)
    [event] = queued(services)
    assert event.intent == Question(addressed="directly")


@pytest.mark.parametrize("tamper", ["secret", "missing", "body"])
def test_forged_deliveries_are_401_and_leave_nothing(services: Services, tamper: str) -> None:
    body = json.dumps(fixture("issues.opened.15.json")).encode()
    request = {
        "secret": delivery("issues", body, secret="wrong"),
        "missing": delivery("issues", body, signature=""),
        "body": delivery("issues", body + b" ", signature=signature_for(SECRET, body)),
    }[tamper]
    assert handle_github_webhook(request, services).status == 401
    assert queued(services) == []
    assert services.store.query("delivery#github") == []


def test_without_a_configured_secret_everything_is_refused(tmp_path: Path) -> None:
    bare = fake_services(tmp_path)
    assert handle_github_webhook(delivery("issues", fixture("issues.opened.15.json")), bare).status == 401


def test_pings_are_answered_and_not_enqueued(services: Services) -> None:
    payload = fixture("ping.noaction.0.json")
    response = handle_github_webhook(delivery("ping", payload), services)
    assert response.status == 200 and json.loads(response.body)["zen"] == payload["zen"]
    assert queued(services) == []


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"action": "opened", "issue": {"number": "x"}}'])
def test_malformed_bodies_are_400(services: Services, body: bytes) -> None:
    assert handle_github_webhook(delivery("issues", body), services).status == 400
    assert queued(services) == []


def test_missing_headers_are_400(services: Services) -> None:
    request = delivery("issues", fixture("issues.opened.15.json"))
    headers = {k: v for k, v in request.headers.items() if k != "x-github-delivery"}
    assert handle_github_webhook(HttpRequest("POST", request.path, headers, request.body), services).status == 400


def test_unhandled_events_and_bot_activity_are_acknowledged_and_ignored(services: Services) -> None:
    star = handle_github_webhook(delivery("star", fixture("star.created.0.json")), services)
    assert (star.status, json.loads(star.body)) == (202, {"ignored": "star.created"})
    by_bot = fixture("issues.opened.15.json")
    by_bot["sender"] = {"login": "dependabot[bot]", "id": 9, "type": "Bot"}
    response = handle_github_webhook(delivery("issues", by_bot, delivery_id="d-2"), services)
    assert json.loads(response.body) == {"ignored": "bot activity"}
    assert queued(services) == []
