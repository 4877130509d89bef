"""/api/*: the JSON API behind the CLI, the web widget and the dashboard."""

from __future__ import annotations

import dataclasses

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


def stats(request: HttpRequest, services: Services) -> HttpResponse:
    """Community health: the latest hourly roll-ups of events by platform and kind."""
    return HttpResponse.json(200, {"hourly": services.rollups.latest(24 * 7),
                                   "unanswered": services.unanswered.latest(50)})


ROUTES = {("GET", "health"): health, ("POST", "ask"): ask, ("GET", "stats"): stats}


def handle_api(request: HttpRequest, services: Services) -> HttpResponse:
    route = ROUTES.get((request.method, request.path_params.get("proxy", "").strip("/")))
    if route is None:
        return HttpResponse.error(404, f"no API route {request.method} {request.path}")
    return route(request, services)
