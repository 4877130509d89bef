"""/api/*: the JSON API behind the CLI, the web widget and the dashboard."""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Callable

from pydantic import BaseModel, Field, ValidationError

import devrel
from devrel.http import HttpRequest, HttpResponse
from devrel.runtime import Services


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    thread: str | None = Field(default=None, max_length=200)


def health(request: HttpRequest, services: Services) -> HttpResponse:
    return HttpResponse.json(200, {"ok": True, "version": devrel.__version__, "mode": services.settings.mode,
                                   "knowledge": services.knowledge_ready()})


def ask(request: HttpRequest, services: Services) -> HttpResponse:
    try:
        body = AskRequest.model_validate_json(request.body)
    except ValidationError as error:
        return HttpResponse.error(400, "expected {\"question\": \"...\", \"thread\": optional}: "
                                  + "; ".join(e["msg"] for e in error.errors()))
    if not services.knowledge_ready():
        return HttpResponse.error(503, "nothing is indexed yet: run `devrel ingest PATH` first")
    answer = services.answerer.answer(body.question, thread=f"api:{body.thread}" if body.thread else None)
    return HttpResponse.json(200, {
        "answer": answer.text,
        "confident": answer.confident,
        "escalate": answer.escalate,
        "language": answer.language,
        "citations": [dataclasses.asdict(c) for c in answer.citations],
    })


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
}


def handle_api(request: HttpRequest, services: Services) -> HttpResponse:
    route = ROUTES.get((request.method, request.path_params.get("proxy", "").strip("/")))
    if route is None:
        return HttpResponse.error(404, f"no API route {request.method} {request.path}")
    return route(request, services)
