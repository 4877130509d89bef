"""The maintainers' JSON behind /dashboard: the activity log with its filters and weekly trend, and
the widget's votes. Both are admin-only (see `admin` in handlers/api.py)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from devrel.activity import Action
from devrel.http import HttpRequest, HttpResponse
from devrel.records import FeedbackLog
from devrel.runtime import Services

DAY = 86400
KINDS: tuple[str, ...] = get_args(Action.model_fields["kind"].annotation)
STATUSES: tuple[str, ...] = get_args(Action.model_fields["status"].annotation)
PLATFORMS: tuple[str, ...] = get_args(Action.model_fields["platform"].annotation)
# Enough for a year of a busy project's actions; the page asks for at most 400 days (the log's TTL).
SCAN_LIMIT = 100_000


def iso_week(at: float) -> str:
    year, week, _ = datetime.fromtimestamp(at, UTC).isocalendar()
    return f"{year}-W{week:02d}"


def weeks_between(since: float, until: float) -> list[str]:
    """Every ISO week from `since` to `until`, oldest first (empty weeks still get a row)."""
    found: dict[str, None] = {}
    at = since
    while at <= until:
        found[iso_week(at)] = None
        at += DAY
    found[iso_week(until)] = None
    return list(found)


def _one_of(choices: tuple[str, ...], name: str) -> Any:
    def check(value: str | None) -> str | None:
        if value in (None, ""):
            return None  # an empty <select> choice means "any"
        if value not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}")
        return value

    return check


class ActivityQuery(BaseModel):
    days: int = Field(default=30, ge=1, le=400)
    limit: int = Field(default=200, ge=1, le=1000)
    kind: str | None = None
    status: str | None = None
    platform: str | None = None

    _kind = field_validator("kind")(_one_of(KINDS, "kind"))
    _status = field_validator("status")(_one_of(STATUSES, "status"))
    _platform = field_validator("platform")(_one_of(PLATFORMS, "platform"))


class ActivityWeek(BaseModel):
    """Actions of one ISO week, by status."""

    model_config = ConfigDict(populate_by_name=True)

    week: str = Field(description="ISO week, YYYY-Www")
    posted: int = 0
    dry_run: int = Field(default=0, alias="dry-run")
    failed: int = 0


class ActivityFilters(BaseModel):
    kind: list[str]
    status: list[str]
    platform: list[str]


class ActivityResponse(BaseModel):
    days: int
    total: int = Field(description="Actions matching the filters in the period (the list holds the newest `limit`).")
    actions: list[Action]
    weeks: list[ActivityWeek]
    filters: ActivityFilters


class Vote(BaseModel):
    at: float
    vote: str
    thread: str = ""
    question: str = ""
    page_url: str | None = None


class VotesResponse(BaseModel):
    days: int
    up: int
    down: int
    votes: list[Vote]


def _query(request: HttpRequest) -> dict[str, str]:
    return {name: values[-1] for name, values in request.query.items() if values}


def activity(request: HttpRequest, services: Services) -> HttpResponse:
    """GET /api/activity?days=&kind=&status=&platform=&limit=: what the assistant did or would do."""
    try:
        query = ActivityQuery.model_validate(_query(request))
    except ValidationError as error:
        return HttpResponse.error(400, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))
    now = services.clock()
    matching = services.activity.latest(days=query.days, limit=SCAN_LIMIT, kind=query.kind, status=query.status,
                                        platform=query.platform)
    counts: dict[str, Counter[str]] = {week: Counter() for week in weeks_between(now - (query.days - 1) * DAY, now)}
    for action in matching:
        counts.setdefault(iso_week(action.at), Counter())[action.status] += 1
    weeks = [ActivityWeek(week=week, posted=c["posted"], dry_run=c["dry-run"], failed=c["failed"])
             for week, c in sorted(counts.items())]
    response = ActivityResponse(days=query.days, total=len(matching), actions=matching[:query.limit], weeks=weeks,
                                filters=ActivityFilters(kind=list(KINDS), status=list(STATUSES),
                                                        platform=list(PLATFORMS)))
    return HttpResponse.json(200, response.model_dump(mode="json", by_alias=True))


def votes(request: HttpRequest, services: Services) -> HttpResponse:
    """GET /api/feedback?days=: the widget's thumbs up/down, newest first."""
    try:
        days = max(1, min(400, int(_query(request).get("days", "30"))))
    except ValueError:
        return HttpResponse.error(400, "days must be a number")
    found = [Vote.model_validate(vote) for vote in
             FeedbackLog(services.store).since(FeedbackLog.WEB, services.clock() - days * DAY, limit=5000)]
    tally = Counter(vote.vote for vote in found)
    return HttpResponse.json(200, VotesResponse(days=days, up=tally["up"], down=tally["down"],
                                                votes=found[:200]).model_dump(mode="json"))
