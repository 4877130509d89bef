"""What the embeddable chat widget calls besides /api/ask: thumbs up/down on an answer, and the
per-visitor budget both share."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from devrel.http import HttpRequest, HttpResponse
from devrel.records import FeedbackLog, ThreadMemory, VisitorLimits
from devrel.runtime import Services


def api_thread(thread: str) -> str:
    """The memory key of a conversation started through the API (widget, CLI over HTTP)."""
    return f"api:{thread}"


def web_url(value: str | None) -> str | None:
    """Only http(s) links are kept: they are shown to maintainers as links."""
    if value is not None and not value.lower().startswith(("http://", "https://")):
        raise ValueError("page_url must be an http(s) URL")
    return value


class FeedbackRequest(BaseModel):
    thread: str = Field(min_length=1, max_length=200, description="The thread id the answer was asked in.")
    vote: Literal["up", "down"]
    question: str = Field(default="", max_length=4000, description="The question the vote is about.")
    page_url: str | None = Field(default=None, max_length=2000, description="The page the widget is on.")

    _page_url = field_validator("page_url")(web_url)


class FeedbackRecorded(BaseModel):
    recorded: bool


class ErrorResponse(BaseModel):
    error: str


def visitor_limit(request: HttpRequest, services: Services, scope: str) -> HttpResponse | None:
    """None when this visitor may go on, else the 429 to send (with Retry-After)."""
    settings = services.settings
    limits = VisitorLimits(services.store, services.clock, settings.visitor_rate_limit,
                           settings.visitor_rate_window_seconds)
    wait = limits.admit(scope, request.source_ip or "unknown")
    if wait is None:
        return None
    return HttpResponse.json(429, {"error": "too many requests from this address; try again later"},
                             headers={"retry-after": str(math.ceil(wait))})


def feedback(request: HttpRequest, services: Services) -> HttpResponse:
    """POST /api/feedback: a visitor's thumbs up/down on an answer of a thread they asked in."""
    limited = visitor_limit(request, services, "feedback")
    if limited is not None:
        return limited
    try:
        body = FeedbackRequest.model_validate_json(request.body)
    except ValidationError as error:
        return HttpResponse.error(400, "expected {\"thread\": \"...\", \"vote\": \"up\"|\"down\"}: "
                                  + "; ".join(e["msg"] for e in error.errors()))
    # Votes count only on conversations that exist, so the log holds answers people actually got.
    if not ThreadMemory(services.store).has_turns(api_thread(body.thread)):
        return HttpResponse.error(404, "no answer was given in this thread")
    FeedbackLog(services.store).record_vote(FeedbackLog.WEB, body.thread, body.vote, services.clock(),
                                            question=body.question[:500], page_url=body.page_url)
    return HttpResponse.json(200, FeedbackRecorded(recorded=True).model_dump())
