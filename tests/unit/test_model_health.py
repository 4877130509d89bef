"""/api/health reports whether the chat model answers, not only that the API does."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from devrel.handlers.api import handle_api
from devrel.http import HttpRequest
from devrel.runtime import Services
from support.fakes import fake_services


def health(services: Services) -> tuple[int, Any]:
    request = HttpRequest("GET", "/api/health", {}, b"", {}, path_params={"proxy": "health"})
    response = handle_api(request, services)
    return response.status, json.loads(response.body)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_model_server_that_answers_is_ok(tmp_path: Path, stand_in_server: Any) -> None:
    url = stand_in_server(lambda seen: (200, {"object": "list", "data": [{"id": "local"}]}, {})
                          if seen.path == "/v1/models" else (404, {}, {}))
    status, body = health(fake_services(tmp_path, llm_base_url=f"{url}/v1"))
    assert (status, body["ok"], body["model"]) == (200, True, "ok")


def test_a_model_server_that_is_gone_makes_health_fail(tmp_path: Path) -> None:
    status, body = health(fake_services(tmp_path, llm_base_url=f"http://127.0.0.1:{closed_port()}/v1"))
    assert (status, body["ok"], body["model"]) == (503, False, "down")


def test_no_model_configured_is_not_a_failure(tmp_path: Path) -> None:
    status, body = health(fake_services(tmp_path))
    assert (status, body["ok"], body["model"]) == (200, True, "none")
