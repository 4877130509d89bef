"""/api/*: health, grounded answers (the answerer is a fake here; e2e tests use the real index), stats."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devrel.events import Actor, InboundEvent, Question
from devrel.handlers.api import handle_api
from devrel.http import HttpRequest
from devrel.knowledge.citations import Citation
from devrel.runtime import Services
from support.fakes import FakeAnswer, fake_services


@dataclass
class FakeAnswerer:
    asked: list[tuple[str, str | None]] = field(default_factory=list)

    def answer(self, question: str, thread: str | None = None, **_: Any) -> FakeAnswer:
        self.asked.append((question, thread))
        return FakeAnswer("Set `timeout`.", [Citation("c1", "https://x/README.md#L3", "timeout = 5", 3, 3)])


TOKEN = "unit-admin-token"


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return fake_services(tmp_path, api_admin_token=TOKEN)


def call(services: Services, method: str, route: str, body: bytes = b"", token: str | None = TOKEN,
         query: dict[str, list[str]] | None = None) -> tuple[int, Any]:
    headers = {"content-type": "application/json"} | ({"authorization": f"Bearer {token}"} if token else {})
    request = HttpRequest(method, f"/api/{route}", headers, body, query or {}, path_params={"proxy": route})
    response = handle_api(request, services)
    return response.status, json.loads(response.body) if response.body else None


def test_health_says_whether_anything_is_indexed(services: Services) -> None:
    status, body = call(services, "GET", "health")
    assert status == 200 and body["ok"] is True and body["mode"] == "edge" and body["knowledge"] is False
    services.knowledge_ready = lambda: True  # type: ignore[method-assign]
    assert call(services, "GET", "health")[1]["knowledge"] is True


def test_ask_answers_with_citations_and_keeps_the_thread(services: Services) -> None:
    answerer = FakeAnswerer()
    services.answerer = answerer  # type: ignore[assignment]
    services.knowledge_ready = lambda: True  # type: ignore[method-assign]
    status, body = call(services, "POST", "ask", json.dumps({"question": "timeout?", "thread": "t1"}).encode())
    assert status == 200 and body["answer"] == "Set `timeout`."
    assert body["citations"][0]["url"] == "https://x/README.md#L3"
    assert answerer.asked == [("timeout?", "api:t1")]


def test_ask_before_anything_is_indexed_is_503(services: Services) -> None:
    assert call(services, "POST", "ask", b'{"question": "timeout?"}')[0] == 503


@pytest.mark.parametrize("body", [b"", b"not json", b'{"question": ""}', b'{"thread": "t"}', b"[1]"])
def test_malformed_questions_are_400(services: Services, body: bytes) -> None:
    services.knowledge_ready = lambda: True  # type: ignore[method-assign]
    status, answer = call(services, "POST", "ask", body)
    assert status == 400 and "question" in answer["error"]


def test_stats_show_the_roll_ups_and_the_questions_kept_for_maintainers(services: Services) -> None:
    services.rollups.save(3600, {"slack": {"slack.app_mention": 2}})
    question = InboundEvent(platform="slack", kind="slack.app_mention", delivery_id="m1", text="why?",
                            intent=Question(), actor=Actor(id="U1"))
    services.unanswered.keep(question, "PortError")
    status, body = call(services, "GET", "stats")
    assert status == 200
    assert body["hourly"] == [{"hour": 3600, "counts": {"slack": {"slack.app_mention": 2}}}]
    assert [event["text"] for event in body["unanswered"]] == ["why?"]


def test_unknown_routes_are_404(services: Services) -> None:
    assert call(services, "GET", "nothing")[0] == 404
    assert call(services, "DELETE", "health")[0] == 404


@pytest.mark.parametrize("route", ["stats", "metrics"])
def test_maintainer_endpoints_need_the_token(services: Services, route: str) -> None:
    assert call(services, "GET", route, token=None)[0] == 401
    assert call(services, "GET", route, token="wrong")[0] == 401
    assert call(services, "GET", route)[0] == 200


def test_without_a_configured_token_maintainer_endpoints_stay_closed(tmp_path: Path) -> None:
    bare = fake_services(tmp_path)
    assert call(bare, "GET", "stats", token="")[0] == 401
    assert call(bare, "GET", "stats", token="anything")[0] == 401


def test_metrics_report_the_weeks_asked_for(services: Services) -> None:
    status, body = call(services, "GET", "metrics", query={"weeks": ["4"]})
    assert status == 200 and len(body["weeks"]) == 4
    assert {"bus_factor", "docs_gaps", "leaderboard", "maintainer_load", "current"} <= set(body)
    assert call(services, "GET", "metrics", query={"weeks": ["many"]})[0] == 400


def test_health_says_the_index_is_building_with_counts(services: Services) -> None:
    services.knowledge_ready = lambda: True  # type: ignore[method-assign]
    services.index_builds.progress("proj", 12, 340)
    body = call(services, "GET", "health")[1]
    assert body["knowledge"] == "building"
    assert body["index"] == {"files_indexed": 12, "files_total": 340}
    services.index_builds.finished("proj")
    body = call(services, "GET", "health")[1]
    assert body["knowledge"] is True and "index" not in body
