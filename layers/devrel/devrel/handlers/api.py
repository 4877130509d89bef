"""/api/*: the JSON API behind the CLI, the web widget and the dashboard."""

from __future__ import annotations

import dataclasses
import hmac
import inspect
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

import devrel
from devrel.handlers import dashboard, web, widget
from devrel.http import HttpRequest, HttpResponse
from devrel.runtime import Services


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    thread: str | None = Field(default=None, max_length=200,
                               description="An id the caller keeps per conversation; follow-ups use its turns.")
    page_url: str | None = Field(default=None, max_length=2000,
                                 description="The page the question was asked on (the web widget sends it).")

    _page_url = field_validator("page_url")(widget.web_url)


class CitationOut(BaseModel):
    chunk_id: str
    url: str = Field(description="A link to the quoted lines (a permalink, or path:lines for a local folder).")
    quote: str = ""
    start_line: int = 0
    end_line: int = 0


class AskResponse(BaseModel):
    answer: str = Field(description="Markdown: the quoted passages, their sources and, when unsure, an offer.")
    confident: bool
    escalate: bool
    language: str
    citations: list[CitationOut]
    lead: str = Field(default="extractive", description='"model": the first paragraph is the model\'s, checked '
                      'against the cited passages; "sentences": it is sentences of the cited passages, '
                      'verbatim; "extractive": quoted passages only.')


class HealthResponse(BaseModel):
    ok: bool
    version: str
    mode: str
    knowledge: bool | Literal["building"] = Field(description='Whether anything is indexed; "building" while '
                                                  "the first index is being built (how far: `index`).")
    index: dict[str, int] | None = Field(default=None, description="While building: files_indexed of files_total.")
    model: str = Field(description='The chat model: "ok", "down" (configured, not answering), "none" or "remote".')
    model_restarts: int | None = Field(default=None, description="Restarts of the edge's local model server "
                                       "since the runner started (absent without one).")


def health(request: HttpRequest, services: Services) -> HttpResponse:
    model = services.model_status()
    ok = model != "down"  # a 503 lets a supervisor or load balancer see a dead model server
    body: dict[str, Any] = {"ok": ok, "version": devrel.__version__, "mode": services.settings.mode,
                            "knowledge": services.knowledge_ready(), "model": model}
    building = services.index_builds.building()
    if building is not None:
        body["knowledge"] = "building"
        body["index"] = {"files_indexed": building.files_indexed, "files_total": building.files_total}
    restarts = services.model_restarts()
    if restarts is not None:
        body["model_restarts"] = restarts
    return HttpResponse.json(200 if ok else 503, body)


def _accepts(function: Callable[..., Any], parameter: str) -> bool:
    try:
        return parameter in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def ask(request: HttpRequest, services: Services) -> HttpResponse:
    limited = widget.visitor_limit(request, services, "ask")
    if limited is not None:
        return limited
    try:
        body = AskRequest.model_validate_json(request.body)
    except ValidationError as error:
        return HttpResponse.error(400, "expected {\"question\": \"...\", \"thread\": optional}: "
                                  + "; ".join(e["msg"] for e in error.errors()))
    if not services.knowledge_ready():
        return HttpResponse.error(503, "nothing is indexed yet: run `devrel ingest PATH` first")
    answerer = services.answerer
    # The page's URL is context only an answerer that knows what to do with it gets; otherwise it
    # is not used for the answer (the thread id stays the caller's, so a conversation can span pages).
    context = {"page_url": body.page_url} if body.page_url and _accepts(answerer.answer, "page_url") else {}
    answer = answerer.answer(body.question, thread=widget.api_thread(body.thread) if body.thread else None, **context)
    return HttpResponse.json(200, {
        "answer": answer.text,
        "confident": answer.confident,
        "escalate": answer.escalate,
        "language": answer.language,
        "citations": [dataclasses.asdict(c) for c in answer.citations],
        "lead": getattr(answer, "lead", "extractive"),
    })


def openapi(request: HttpRequest, services: Services) -> HttpResponse:
    """GET /api/openapi.json: this API described from its pydantic models."""
    from devrel.handlers.openapi import document

    return HttpResponse.json(200, document(ROUTES))


def authorized(request: HttpRequest, services: Services) -> bool:
    """The maintainers' endpoints need `Authorization: Bearer <api_admin_token>`; none configured: closed."""
    token = services.secrets.get("api_admin_token")
    scheme, _, given = (request.header("authorization") or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def admin(route: Route) -> Route:
    def guarded(request: HttpRequest, services: Services) -> HttpResponse:
        if not authorized(request, services):
            return HttpResponse(401, body='{"error": "a maintainer token is required"}',
                                headers={"content-type": "application/json", "www-authenticate": "Bearer"})
        return route(request, services)

    return guarded


def metrics(request: HttpRequest, services: Services) -> HttpResponse:
    """Community health per week, bus factor, maintainer load, docs gaps, leaderboard."""
    weeks = request.query.get("weeks") or ["12"]
    try:
        count = max(1, min(104, int(weeks[-1])))
    except ValueError:
        return HttpResponse.error(400, "weeks must be a number")
    return HttpResponse.json(200, services.health(count))


def stats(request: HttpRequest, services: Services) -> HttpResponse:
    """Community health: the latest hourly roll-ups of events by platform and kind."""
    return HttpResponse.json(200, {"hourly": services.rollups.latest(24 * 7),
                                   "unanswered": services.unanswered.latest(50)})


Route = Callable[[HttpRequest, Services], HttpResponse]
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "health"): health,
    ("POST", "ask"): ask,
    ("GET", "stats"): admin(stats),
    ("GET", "metrics"): admin(metrics),
    ("GET", "activity"): admin(dashboard.activity),
    ("GET", "feedback"): admin(dashboard.votes),
    ("POST", "feedback"): widget.feedback,
    ("GET", "openapi.json"): openapi,
}


def handle_api(request: HttpRequest, services: Services) -> HttpResponse:
    """The API function's one entry: /api/* JSON (with CORS for the allowed origins), and the
    dashboard page and widget script (every other path the template routes here)."""
    if "proxy" not in request.path_params:
        return web.page(request)
    origins = services.settings.cors_allow_origins
    if request.method == "OPTIONS":
        return web.preflight(request, origins)
    route = ROUTES.get((request.method, request.path_params["proxy"].strip("/")))
    if route is None:
        return web.with_cors(request, HttpResponse.error(404, f"no API route {request.method} {request.path}"),
                             origins)
    return web.with_cors(request, route(request, services), origins)
