"""What browsers use on the API function: the maintainers' endpoints behind the admin token, the
widget's feedback and per-visitor budget, CORS, the dashboard and widget files, and the OpenAPI
document generated from the models."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devrel.activity import Action
from devrel.handlers import api, openapi
from devrel.handlers.api import handle_api
from devrel.http import HttpRequest, HttpResponse
from devrel.knowledge.citations import Citation
from devrel.records import FeedbackLog, ThreadMemory, VisitorLimits
from devrel.runtime import Services
from devrel.settings import load_settings
from devrel.web import asset
from support.fakes import FakeAnswer, FakeClock, fake_services

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a Thursday of ISO week 2026-W01
DAY = 86400
TOKEN = "s3cret-maintainer-token"
DOCS_ORIGIN = "https://docs.example.org"


@dataclass
class FakeAnswerer:
    store: Any = None
    asked: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, question: str, thread: str | None = None) -> FakeAnswer:
        self.asked.append({"question": question, "thread": thread})
        if self.store is not None and thread:
            ThreadMemory(self.store).remember(thread, "t1", NOW, "user", question)
        return FakeAnswer("Set `timeout`.", [Citation("c1", "https://x/README.md#L3", "timeout = 5", 3, 3)])


@dataclass
class PageAwareAnswerer(FakeAnswerer):
    def answer(self, question: str, thread: str | None = None, page_url: str | None = None) -> FakeAnswer:
        self.asked.append({"question": question, "thread": thread, "page_url": page_url})
        return FakeAnswer("ok", [])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def services(tmp_path: Path, clock: FakeClock) -> Services:
    services = fake_services(tmp_path, clock=clock, api_admin_token=TOKEN, cors_allow_origins=[DOCS_ORIGIN],
                             visitor_rate_limit=3, visitor_rate_window_seconds=60)
    services.knowledge_ready = lambda: True  # type: ignore[method-assign]
    services.answerer = FakeAnswerer(services.store)  # type: ignore[assignment]
    return services


def call(services: Services, method: str, route: str, body: Any = None, *, token: str | None = None,
         query: Mapping[str, str] | None = None, origin: str | None = None, ip: str = "203.0.113.7") -> HttpResponse:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if origin is not None:
        headers["origin"] = origin
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    request = HttpRequest(method, f"/api/{route}", headers, raw, query={k: [v] for k, v in (query or {}).items()},
                          path_params={"proxy": route}, source_ip=ip)
    return handle_api(request, services)


def payload(response: HttpResponse) -> Any:
    return json.loads(response.body) if response.body else None


def page(services: Services, path: str, method: str = "GET", params: Mapping[str, str] | None = None) -> HttpResponse:
    return handle_api(HttpRequest(method, path, {}, path_params=dict(params or {})), services)


def record(services: Services, at: float, kind: str = "comment", status: str = "posted",
           platform: str = "github", target: str = "https://github.com/acme/widget/issues/1") -> None:
    services.activity.record(Action(kind=kind, platform=platform, target=target, status=status,  # type: ignore[arg-type]
                                    reason="test", at=at))


# --- the maintainers' endpoints -----------------------------------------------------------------------


@pytest.mark.parametrize("route", ["activity", "feedback", "stats", "metrics"])
@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x", TOKEN.upper()])
def test_maintainer_endpoints_refuse_without_the_token(services: Services, route: str, token: str | None) -> None:
    response = call(services, "GET", route, token=token)
    assert response.status == 401 and "token" in payload(response)["error"]
    assert response.headers.get("www-authenticate") == "Bearer"


def test_maintainer_endpoints_stay_closed_when_no_token_is_configured(tmp_path: Path) -> None:
    services = fake_services(tmp_path)
    assert call(services, "GET", "activity", token="").status == 401
    assert call(services, "GET", "activity", token="None").status == 401


def test_activity_lists_the_newest_actions_with_filters_and_a_weekly_trend(services: Services) -> None:
    record(services, NOW - 1 * DAY, kind="comment", status="posted")
    record(services, NOW - 2 * DAY, kind="label", status="dry-run")
    record(services, NOW - 9 * DAY, kind="answer", status="failed", platform="slack", target="C1/1.0")
    record(services, NOW - 40 * DAY, kind="comment", status="posted")  # outside the default 30 days

    body = payload(call(services, "GET", "activity", token=TOKEN))
    assert body["days"] == 30 and body["total"] == 3
    assert [a["kind"] for a in body["actions"]] == ["comment", "label", "answer"]  # newest first
    weeks = {row["week"]: row for row in body["weeks"]}
    assert weeks["2025-W52"] == {"week": "2025-W52", "posted": 0, "dry-run": 0, "failed": 1}
    assert weeks["2026-W01"] == {"week": "2026-W01", "posted": 1, "dry-run": 1, "failed": 0}
    assert [row["week"] for row in body["weeks"]] == ["2025-W49", "2025-W50", "2025-W51", "2025-W52", "2026-W01"]
    assert {"comment", "label", "answer"} <= set(body["filters"]["kind"])
    assert body["filters"]["status"] == ["posted", "dry-run", "failed"]

    only = payload(call(services, "GET", "activity", token=TOKEN, query={"status": "dry-run"}))
    assert [a["kind"] for a in only["actions"]] == ["label"] and only["total"] == 1
    slack = payload(call(services, "GET", "activity", token=TOKEN, query={"platform": "slack", "kind": ""}))
    assert [a["target"] for a in slack["actions"]] == ["C1/1.0"]
    year = payload(call(services, "GET", "activity", token=TOKEN, query={"days": "365", "limit": "2"}))
    assert year["total"] == 4 and len(year["actions"]) == 2


@pytest.mark.parametrize("query", [{"days": "0"}, {"days": "401"}, {"days": "x"}, {"kind": "delete_repo"},
                                   {"status": "maybe"}, {"platform": "myspace"}, {"limit": "0"}])
def test_activity_rejects_filters_it_does_not_know(services: Services, query: dict[str, str]) -> None:
    response = call(services, "GET", "activity", token=TOKEN, query=query)
    assert response.status == 400 and next(iter(query)) in payload(response)["error"]


# --- the widget: feedback and the per-visitor budget ----------------------------------------------------


def test_a_vote_is_recorded_for_a_thread_that_got_an_answer(services: Services) -> None:
    vote = {"thread": "t-1", "vote": "down", "question": "timeout?", "page_url": "https://docs.example.org/config"}
    response = call(services, "POST", "feedback", vote)
    assert response.status == 404  # no answer was given in that thread yet

    assert call(services, "POST", "ask", {"question": "timeout?", "thread": "t-1"}).status == 200
    assert payload(call(services, "POST", "feedback", vote)) == {"recorded": True}
    (kept,) = FeedbackLog(services.store).since(FeedbackLog.WEB, NOW - 60)
    assert kept["vote"] == "down" and kept["thread"] == "t-1" and kept["page_url"] == vote["page_url"]

    listed = payload(call(services, "GET", "feedback", token=TOKEN))
    assert (listed["up"], listed["down"]) == (0, 1) and listed["votes"][0]["question"] == "timeout?"


@pytest.mark.parametrize("body", [b"", b"[]", b'{"thread": "t-1"}', b'{"thread": "t-1", "vote": "meh"}',
                                  b'{"thread": "", "vote": "up"}',
                                  b'{"thread": "t-1", "vote": "up", "page_url": "javascript:alert(1)"}'])
def test_malformed_votes_are_400(services: Services, body: bytes) -> None:
    call(services, "POST", "ask", {"question": "timeout?", "thread": "t-1"})
    assert call(services, "POST", "feedback", body).status == 400


def test_each_visitor_has_a_budget_per_window_with_retry_after(services: Services, clock: FakeClock) -> None:
    ask = {"question": "timeout?"}
    assert [call(services, "POST", "ask", ask).status for _ in range(3)] == [200, 200, 200]
    clock.now += 10
    refused = call(services, "POST", "ask", ask)
    assert refused.status == 429 and refused.headers["retry-after"] == "50"
    assert call(services, "POST", "ask", ask, ip="198.51.100.9").status == 200  # another visitor
    assert call(services, "POST", "feedback", {"thread": "x", "vote": "up"}).status == 404  # its own budget
    clock.now += 51  # the first three left the window
    assert call(services, "POST", "ask", ask).status == 200


def test_the_budget_keeps_no_address(tmp_path: Path) -> None:
    services = fake_services(tmp_path, clock=FakeClock(NOW))
    VisitorLimits(services.store, services.clock, 5, 60).admit("ask", "203.0.113.7")
    dump = (tmp_path / "store.sqlite").read_bytes()
    assert b"203.0.113.7" not in dump


def test_ask_passes_the_page_url_only_to_an_answerer_that_takes_it(services: Services) -> None:
    plain = services.answerer
    page_url = "https://docs.example.org/guide/timeouts"
    assert call(services, "POST", "ask", {"question": "timeout?", "thread": "t", "page_url": page_url}).status == 200
    assert plain.asked[-1] == {"question": "timeout?", "thread": "api:t"}  # type: ignore[attr-defined]

    aware = PageAwareAnswerer()
    services.answerer = aware  # type: ignore[assignment]
    call(services, "POST", "ask", {"question": "timeout?", "page_url": page_url})
    assert aware.asked == [{"question": "timeout?", "thread": None, "page_url": page_url}]
    assert call(services, "POST", "ask", {"question": "q", "page_url": "file:///etc/passwd"}).status == 400


# --- CORS ------------------------------------------------------------------------------------------------


def test_preflight_answers_configured_origins_only(services: Services) -> None:
    allowed = call(services, "OPTIONS", "ask", origin=DOCS_ORIGIN)
    assert allowed.status == 204
    assert allowed.headers["access-control-allow-origin"] == DOCS_ORIGIN
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "content-type" in allowed.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in allowed.headers
    refused = call(services, "OPTIONS", "ask", origin="https://evil.example")
    assert refused.status == 403 and "access-control-allow-origin" not in refused.headers


def test_responses_carry_cors_headers_for_allowed_origins_only(services: Services) -> None:
    answered = call(services, "POST", "ask", {"question": "timeout?"}, origin=DOCS_ORIGIN)
    assert answered.status == 200 and answered.headers["access-control-allow-origin"] == DOCS_ORIGIN
    assert answered.headers["vary"] == "Origin" and "retry-after" in answered.headers["access-control-expose-headers"]
    for origin in (None, "https://evil.example", DOCS_ORIGIN + ".evil.example"):
        response = call(services, "POST", "ask", {"question": "timeout?"}, origin=origin)
        assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in answered.headers


def test_any_origin_when_configured_with_a_star(tmp_path: Path) -> None:
    services = fake_services(tmp_path, cors_allow_origins="*")
    assert call(services, "GET", "health", origin="https://a.example").headers["access-control-allow-origin"] == "*"
    assert call(services, "OPTIONS", "feedback", origin="https://b.example").status == 204


@pytest.mark.parametrize(("given", "expected"), [
    ("https://docs.example.org", ["https://docs.example.org"]),
    ("https://a.example, http://localhost:8000/", ["https://a.example", "http://localhost:8000"]),
    ('["https://a.example"]', ["https://a.example"]),
    ("*", ["*"]),
    ("", []),
])
def test_origins_come_as_the_template_passes_them(monkeypatch: pytest.MonkeyPatch, given: str,
                                                  expected: list[str]) -> None:
    monkeypatch.setenv("DEVREL_CORS_ALLOW_ORIGINS", given)
    assert load_settings().cors_allow_origins == expected


# --- the dashboard and the widget's script ------------------------------------------------------------------


def test_the_dashboard_page_loads_only_its_own_files(services: Services) -> None:
    response = page(services, "/dashboard")
    assert response.status == 200 and response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
    html = response.body.decode() if isinstance(response.body, bytes) else response.body
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts == ['<script src="dashboard/app.js" defer>']  # no inline script
    assert "http:" not in html and "https:" not in html and " style=" not in html
    for name, content_type in (("app.js", "application/javascript"), ("app.css", "text/css")):
        served = page(services, f"/dashboard/{name}", params={"asset": name})
        assert served.status == 200 and served.headers["content-type"].startswith(content_type)
    assert page(services, "/dashboard/x.js", params={"asset": "x.js"}).status == 404
    assert page(services, "/dashboard", method="POST").status == 405


def test_the_page_scripts_fetch_nothing_from_elsewhere() -> None:
    css = asset("dashboard.css").decode()
    assert "@import" not in css and "url(" not in css
    for name in ("dashboard.js", "widget.js"):
        code = asset(name).decode()
        # Only the SVG namespace (a name, never fetched) and the embed example in the header comment.
        absolute = set(re.findall(r"https?://[\w.-]+", code)) - {"http://www.w3.org"}
        assert absolute <= {"https://YOUR-API"}, name
        assert ".innerHTML" not in code and "insertAdjacentHTML" not in code and "eval(" not in code, name


def test_the_widget_script_is_served_for_embedding(services: Services) -> None:
    response = page(services, "/widget.js")
    assert response.status == 200 and response.headers["content-type"].startswith("application/javascript")
    assert "content-security-policy" not in response.headers  # the embedding page has its own
    assert b"/api/ask" in bytes(response.body if isinstance(response.body, bytes) else response.body.encode())


# --- OpenAPI ------------------------------------------------------------------------------------------------


def test_openapi_describes_every_route_from_the_models(services: Services) -> None:
    from openapi_spec_validator import validate

    document = payload(call(services, "GET", "openapi.json"))
    validate(document)
    operations = {(method.upper(), path.removeprefix("/api/")) for path, item in document["paths"].items()
                  for method in item}
    assert operations == set(api.ROUTES)
    assert set(openapi.operations()) == set(api.ROUTES)  # every route has its models, not just a docstring
    ask = document["components"]["schemas"]["AskRequest"]
    assert set(ask["properties"]) == {"question", "thread", "page_url"} and ask["required"] == ["question"]
    responses = document["paths"]["/api/ask"]["post"]["responses"]
    assert {"200", "400", "429"} <= set(responses) and "Retry-After" in responses["429"]["headers"]
    assert document["components"]["schemas"]["ActivityWeek"]["properties"].keys() >= {"week", "dry-run"}


def test_openapi_marks_exactly_the_routes_that_need_the_token(services: Services) -> None:
    document = payload(call(services, "GET", "openapi.json"))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            route = path.removeprefix("/api/")
            body = {"question": "q"} if route == "ask" else {"thread": "t", "vote": "up"} if method == "post" else None
            status = call(services, method.upper(), route, body).status
            assert (status == 401) == ("security" in operation), (method, path, status)
