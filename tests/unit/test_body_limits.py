"""Request bodies are capped per route, before anything parses them, in both runtimes."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from devrel.edge.runner import EdgeRunner, RunnerOptions
from devrel.handlers.github_webhook import handle_github_webhook
from devrel.http import HttpRequest
from devrel.platforms.signatures import signature_for
from devrel.settings import DEFAULT_BODY_LIMITS, load_settings
from support.fakes import fake_services

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "github"
SECRET = "limits-secret"


def signed_issue(body_bytes: int) -> HttpRequest:
    payload = json.loads((FIXTURES / "issues.opened.15.json").read_text())
    payload["issue"]["body"] = "x" * body_bytes
    raw = json.dumps(payload).encode()
    headers = {"x-github-event": "issues", "x-github-delivery": "big-1",
               "x-hub-signature-256": signature_for(SECRET, raw)}
    return HttpRequest("POST", "/github/webhook", headers, raw)


def test_platform_events_are_capped_far_below_api_gateways_limit() -> None:
    settings = load_settings(mode="edge")
    assert settings.body_limit("github") == DEFAULT_BODY_LIMITS["github"] <= 2 * 1024 * 1024
    assert settings.body_limit("api") <= 64 * 1024
    assert settings.body_limit("somewhere-else") == DEFAULT_BODY_LIMITS["*"]


def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVREL_MAX_BODY_BYTES", '{"github": 1000, "*": 10}')
    settings = load_settings(mode="edge")
    assert (settings.body_limit("github"), settings.body_limit("slack")) == (1000, 10)


def test_a_signed_webhook_over_its_limit_is_a_413_and_nothing_is_queued(tmp_path: Path) -> None:
    services = fake_services(tmp_path, github_webhook_secret=SECRET)
    response = handle_github_webhook(signed_issue(6 * 1024 * 1024), services)
    assert response.status == 413
    assert services.queue.receive(max_messages=10) == []
    assert handle_github_webhook(signed_issue(100_000), services).status == 202


def test_the_edge_runner_applies_the_settings_limits_before_reading(tmp_path: Path) -> None:
    settings = load_settings(mode="edge", data_dir=tmp_path, max_body_bytes={"github": 5000, "*": 1000})
    runner = EdgeRunner(ROOT / "template.yaml", settings, RunnerOptions(port=0, schedules=False, local_llm=False))
    runner.start()
    try:
        connection = http.client.HTTPConnection(*runner.address, timeout=30)
        connection.request("POST", "/github/webhook", body=b"{" + b" " * 6000 + b"}",
                           headers={"content-type": "application/json"})
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read()) == {"error": "Request Entity Too Large"}
    finally:
        runner.stop()
