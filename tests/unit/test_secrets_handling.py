"""Capabilities and credentials stay where they belong: the maintainers' endpoints need a token,
questions kept for maintainers carry no interaction token or response_url, log lines are redacted,
and ingestion neither indexes secrets files nor credentials inside indexed files."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest

from devrel.adapters.index_embedded import EdgeIndex
from devrel.events import Actor, DiscordAddress, InboundEvent, Question, SlackAddress
from devrel.handlers.api import handle_api
from devrel.http import HttpRequest
from devrel.knowledge.documents import Origin
from devrel.knowledge.ingest import ingest, list_files
from devrel.logs import RedactingFilter, redact
from devrel.runtime import Services
from support.fakes import HashingEmbedder, fake_services

ADMIN = "unit-admin-token"
INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnNlY3JldA"
RESPONSE_URL = "https://hooks.slack.com/commands/T1/123/s3cr3tResp0nseUrl"


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fake_services(tmp_path, api_admin_token=ADMIN)


def stats(services: Services, authorization: str | None) -> tuple[int, bytes]:
    headers = {"authorization": authorization} if authorization is not None else {}
    response = handle_api(HttpRequest("GET", "/api/stats", headers, path_params={"proxy": "stats"}), services)
    body = response.body if isinstance(response.body, bytes) else response.body.encode()
    return response.status, body


# --- /api/stats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer wrong", f"Basic {ADMIN}", f"bearer {ADMIN}x"])
def test_stats_need_the_admin_token(services: Services, authorization: str | None) -> None:
    assert stats(services, authorization)[0] == 401
    assert stats(services, f"Bearer {ADMIN}")[0] == 200


def test_health_and_ask_stay_public(services: Services) -> None:
    health = handle_api(HttpRequest("GET", "/api/health", {}, path_params={"proxy": "health"}), services)
    assert health.status == 200
    ask = handle_api(HttpRequest("POST", "/api/ask", {}, b'{"question": "hi"}', path_params={"proxy": "ask"}),
                     services)
    assert ask.status != 401


def test_questions_kept_for_maintainers_carry_no_capabilities(services: Services) -> None:
    discord = InboundEvent(platform="discord", kind="discord.command.ask", delivery_id="i1", text="why?",
                           intent=Question(), actor=Actor(id="u1"),
                           reply_to=DiscordAddress(application_id="app", token=INTERACTION_TOKEN, channel="c"))
    slack = InboundEvent(platform="slack", kind="slack.command.ask", delivery_id="cmd:1", text="how?",
                         intent=Question(), actor=Actor(id="U1"),
                         reply_to=SlackAddress(team="T1", channel="C1", response_url=RESPONSE_URL))
    services.unanswered.keep(discord, "PortError")
    services.unanswered.keep(slack, "PortError")
    status, body = stats(services, f"Bearer {ADMIN}")
    assert status == 200
    assert INTERACTION_TOKEN.encode() not in body and b"s3cr3tResp0nseUrl" not in body
    kept = json.loads(body)["unanswered"]
    assert {event["text"] for event in kept} == {"why?", "how?"}  # still useful to a maintainer
    assert [e["reply_to"]["channel"] for e in kept if e["platform"] == "discord"] == ["c"]
    stored = services.store.query("unanswered#discord") + services.store.query("unanswered#slack")
    assert INTERACTION_TOKEN not in json.dumps([i.data for i in stored])
    assert "s3cr3tResp0nseUrl" not in json.dumps([i.data for i in stored])


# --- log lines ---------------------------------------------------------------------------------------

CAPABILITIES = [
    ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack bot token"),
    ("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "github token"),
    ("ghs_16C7e42F292c6912E7710c838347Ae178B4a", "github installation token"),
    ("https://hooks.slack.com/commands/T1/123/s3cr3tResp0nseUrl", "slack response_url"),
    (f"/api/v10/webhooks/1234/{INTERACTION_TOKEN}/messages/@original", "discord interaction webhook"),
    ("{'client_id': '1.2', 'client_secret': 'abcdef0123456789', 'code': 'c0de-123'}", "oauth exchange"),
    ("Authorization: Bearer very-secret-value-123", "bearer header"),
]


@pytest.mark.parametrize(("text", "what"), CAPABILITIES, ids=[what for _, what in CAPABILITIES])
def test_redact_removes_capabilities(text: str, what: str) -> None:
    cleaned = redact(f"posting failed: {text} (retrying)")
    secret = re.sub(r"^.*?(xoxb-|ghp_|ghs_|s3cr3t|aW50|abcdef|very-secret)", r"\1", text)[:12]
    assert secret not in cleaned, cleaned
    assert cleaned.startswith("posting failed: ") and cleaned.endswith(" (retrying)")


@pytest.mark.parametrize("shown", ["`/devrel link R5P8H7WC`", "`/link r5p8h7wc`", "`/devrel link code:R5P8H7WC`",
                                   "comment `devrel link R5P8H7WC` on"])
def test_redact_removes_a_link_code(shown: str) -> None:
    assert "r5p8h7wc" not in redact(f"body: {{'text': 'send {shown} within 10 minutes'}}").lower()


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "POST https://slack.com/api/chat.postMessage -> 200; issue acme/widget#7, token count 12"
    assert redact(text) == text


def test_the_filter_redacts_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactingFilter())
    log = logging.getLogger("devrel.test.redaction")
    with caplog.at_level(logging.DEBUG):
        log.debug("Sending a request - url: %s", RESPONSE_URL)
        try:
            raise RuntimeError(f"HTTPConnectionPool: Max retries exceeded with url: /webhooks/1/{INTERACTION_TOKEN}")
        except RuntimeError:
            log.exception("failed")
    assert "s3cr3tResp0nseUrl" not in caplog.text and INTERACTION_TOKEN not in caplog.text
    assert "Sending a request" in caplog.text and "Max retries exceeded" in caplog.text


def test_the_command_line_installs_the_filter() -> None:
    from devrel.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:]
    try:
        root.handlers = []
        configure_logging(verbose=False)
        assert root.handlers and all(any(isinstance(f, RedactingFilter) for f in h.filters) for h in root.handlers)
    finally:
        root.handlers = saved


def test_lambda_functions_redact_every_handler() -> None:
    from devrel.handlers.lambda_support import instrumented

    root, runtime_handler = logging.getLogger(), logging.StreamHandler(io.StringIO())
    root.addHandler(runtime_handler)  # what the Lambda runtime installs
    try:
        instrumented("redaction-test", lambda event, metrics, logger: None)
        powertools = logging.getLogger("redaction-test").handlers
        assert powertools and all(any(isinstance(f, RedactingFilter) for f in h.filters)
                                  for h in [runtime_handler, *powertools])
    finally:
        root.removeHandler(runtime_handler)


# --- ingestion -----------------------------------------------------------------------------------------

SECRETS = {
    "slack": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "github": "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "discourse": "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddccbbaa99887766554433221100",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "password": "hunter2-correct-horse",
    "env": "EnvFileValue-7f3a9c",
    "pem": "MIIEowIBAAKCAQEA7bq98s",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "deploy").mkdir()
    (root / "docs" / "config.md").write_text(
        "# Configuration\n\nThe request timeout defaults to 30 seconds.\n\n"
        f"Example: `export GITHUB_TOKEN={SECRETS['github']}`\n")
    (root / "deploy" / "settings.toml").write_text(
        "[server]\ntimeout = 30\n"
        f'slack_bot_token = "{SECRETS["slack"]}"\n'
        f'discourse_api_key = "{SECRETS["discourse"]}"\n'
        f'password = "{SECRETS["password"]}"\n')
    (root / "deploy" / "values.yaml").write_text(
        f"replicas: 2\naws_access_key_id: {SECRETS['aws']}\n")
    (root / ".env").write_text(f"API_KEY={SECRETS['env']}\n")
    (root / "deploy" / "server.pem").write_text(
        f"-----BEGIN RSA PRIVATE KEY-----\n{SECRETS['pem']}\n-----END RSA PRIVATE KEY-----\n")
    (root / "deploy" / "key.yaml").write_text(
        f"tls_key: |\n  -----BEGIN PRIVATE KEY-----\n  {SECRETS['pem']}\n  -----END PRIVATE KEY-----\n")
    (root / "deploy" / "credentials.json").write_text(json.dumps({"token": SECRETS["env"]}))
    (root / "deploy" / "secrets.yaml").write_text(f"token: {SECRETS['env']}\n")
    (root / "id_rsa").write_text(SECRETS["pem"])
    return root


def indexed_bytes(index: EdgeIndex, folder: Path) -> bytes:
    """Everything the index wrote to disk (text, lexical index, metadata)."""
    index.close()
    return b"".join(path.read_bytes() for path in sorted(folder.glob("index.sqlite*")))


def test_ingestion_skips_secrets_files(project: Path) -> None:
    listed = list_files(project)
    assert "docs/config.md" in listed and "deploy/settings.toml" in listed
    assert not {"deploy/server.pem", ".env", "deploy/credentials.json", "deploy/secrets.yaml", "id_rsa"} & set(listed)


def test_ingestion_redacts_credentials_before_indexing(project: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    files = [*list_files(project), "deploy/server.pem", "deploy/credentials.json", ".env"]  # even when named
    report = ingest(project, Origin("proj"), index, embedder, files=files)
    stored = indexed_bytes(index, tmp_path)
    assert b"request timeout defaults to 30 seconds" in stored and b"replicas: 2" in stored  # the rest stays
    leaked = [name for name, value in SECRETS.items() if value.encode() in stored]
    assert leaked == []
    assert {"deploy/server.pem", "deploy/credentials.json", ".env", "deploy/key.yaml"} <= set(report.skipped)
