"""Slack OAuth v2 install: state handling, the code exchange (slack-sdk over real HTTP to a local
stand-in of oauth.v2.access), per-team tokens, and their removal on app_uninstalled."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from devrel.events import InboundEvent, InstallRevoked
from devrel.handlers.slack_events import handle_slack
from devrel.http import HttpRequest
from devrel.records import SlackInstallations
from devrel.runtime import Services
from support.fakes import fake_services

GRANT = {
    "ok": True,
    "access_token": "xoxb-team-token",
    "token_type": "bot",
    "scope": "chat:write",
    "bot_user_id": "U0BOT",
    "app_id": "A1",
    "team": {"id": "T42", "name": "Acme"},
    "enterprise": None,
}


@pytest.fixture
def slack_api(stand_in_server: Any) -> tuple[str, list[dict[str, str]]]:
    exchanges: list[dict[str, str]] = []

    def answer(got: Any) -> tuple[int, Any, dict[str, str]]:
        form = parse_qs(got.body.decode())
        exchanges.append({"authorization": got.headers.get("authorization", ""),
                          **{key: values[-1] for key, values in form.items()}})
        return 200, GRANT if form.get("code") == ["good-code"] else {"ok": False, "error": "invalid_code"}, {}

    return f"{stand_in_server(answer)}/api/", exchanges


@pytest.fixture
def services(tmp_path: Path, slack_api: tuple[str, list[dict[str, str]]]) -> Services:
    return fake_services(
        tmp_path,
        slack_client_id="cid",
        slack_client_secret="csecret",
        slack_api_url=slack_api[0],
        slack_oauth_redirect_url="https://bot.example/slack/oauth/callback",
    )


def get(path: str, services: Services, **query: str) -> Any:
    return handle_slack(HttpRequest("GET", path, {}, b"", {k: [v] for k, v in query.items()}), services)


def start(services: Services) -> str:
    response = get("/slack/oauth/install", services)
    assert response.status == 302
    location = urlsplit(response.headers["location"])
    assert location.netloc == "slack.com" and location.path == "/oauth/v2/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == ["cid"] and "chat:write" in query["scope"][0]
    assert query["redirect_uri"] == ["https://bot.example/slack/oauth/callback"]
    return query["state"][0]


def test_install_stores_the_team_token(
    services: Services, slack_api: tuple[str, list[dict[str, str]]]
) -> None:
    state = start(services)
    response = get("/slack/oauth/callback", services, code="good-code", state=state)
    assert response.status == 200 and b"Acme" in response.body.encode()
    [exchange] = slack_api[1]
    assert exchange["code"] == "good-code"
    # slack-sdk sends the client credentials as HTTP Basic auth.
    assert exchange["authorization"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
    stored = SlackInstallations(services.store).get("T42")
    assert stored is not None and stored["bot_token"] == "xoxb-team-token"


def test_a_state_works_once_and_only_if_this_deployment_issued_it(
    services: Services,
    slack_api: tuple[str, list[dict[str, str]]],
) -> None:
    assert get("/slack/oauth/callback", services, code="good-code", state="forged").status == 400
    state = start(services)
    assert get("/slack/oauth/callback", services, code="good-code", state=state).status == 200
    assert get("/slack/oauth/callback", services, code="good-code", state=state).status == 400
    assert len(slack_api[1]) == 1  # the refused callbacks never reached Slack


def test_a_refused_code_or_a_cancelled_install_stores_nothing(services: Services) -> None:
    assert get("/slack/oauth/callback", services, code="bad", state=start(services)).status == 502
    assert get("/slack/oauth/callback", services, error="access_denied", state=start(services)).status == 400
    assert SlackInstallations(services.store).get("T42") is None


def test_without_client_credentials_the_flow_is_off(tmp_path: Path) -> None:
    bare = fake_services(tmp_path)
    assert get("/slack/oauth/install", bare).status == 501


def test_app_uninstalled_forgets_the_token(services: Services) -> None:
    get("/slack/oauth/callback", services, code="good-code", state=start(services))
    uninstalled = InboundEvent(
        platform="slack", kind="slack.app_uninstalled", delivery_id="Ev1", thread="T42",
        intent=InstallRevoked(team="T42"),
    )
    assert services.dispatcher.dispatch(uninstalled) == "installation-revoked"
    assert SlackInstallations(services.store).get("T42") is None
