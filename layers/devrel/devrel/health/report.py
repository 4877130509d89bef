"""The community-health report the dashboard, the API and the weekly digest show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from devrel.activity import ActivityLog
from devrel.health.metrics import (
    DAY,
    Commit,
    bus_factor,
    leaderboard,
    maintainer_load,
    onboarding_weekly,
    unanswered_now,
    weekly,
)
from devrel.records import PLATFORMS, CommitLog, DocsGaps, EventLog, LoggedEvent, People

HISTORY_DAYS = 400


def docs_gap_groups(gaps: Iterable[dict[str, Any]], per_group: int = 10) -> list[dict[str, Any]]:
    """Unconfident questions grouped by the docs page closest to them (their first citation)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for gap in gaps:
        pages = gap.get("pages") or []
        # The page, not the lines: questions citing different parts of one page share its gap.
        groups[pages[0].split("#", 1)[0] if pages else ""].append(gap)
    result = []
    for page, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        topic = page.rstrip("/").rsplit("/", 1)[-1] if page else "(nothing close in the docs)"
        pages = list(dict.fromkeys(p for m in members for p in m.get("pages") or []))[:5]
        result.append({"topic": topic, "count": len(members),
                       "questions": [m["question"] for m in members[:per_group]], "pages": pages})
    return result


def as_people(logged: list[LoggedEvent], people: People) -> list[LoggedEvent]:
    """The events of accounts a person linked, under one name: their GitHub login when they linked a
    GitHub account (commits carry the login), else the first name seen. So points, first responses and
    contributor counts follow the person, not each account."""
    persons = {platform: people.persons_on(platform) for platform in PLATFORMS}

    def person_of(event: LoggedEvent) -> str | None:
        return persons.get(event.platform, {}).get(event.actor_id or "")

    names: dict[str, str] = {}
    for event in sorted(logged, key=lambda e: (e.platform != "github", e.at)):
        person = person_of(event)
        if person is not None and event.actor and person not in names:
            names[person] = event.actor
    return [replace(event, actor=names[person]) if (person := person_of(event)) in names else event
            for event in logged]


def health_report(events: EventLog, commits: CommitLog, activity: ActivityLog, gaps: DocsGaps, repository: str,
                  now: float, weeks: int = 12, points: dict[str, int] | None = None,
                  opted_out: Iterable[str] = (), people: People | None = None,
                  welcomed: Iterable[tuple[str, str, float]] = ()) -> dict[str, Any]:
    """`welcomed`: (platform, id, when) of each newcomer a welcome was posted to (onboarding's records)."""
    since = now - HISTORY_DAYS * DAY
    logged = [event for platform in PLATFORMS for event in events.since(platform, since, limit=200_000)]
    if people is not None:
        logged = as_people(logged, people)
    history = [Commit(sha, author, at, files) for sha, author, at, files in commits.since(repository, since)]
    answered = frozenset(action.run for action in activity.latest(days=weeks * 7, limit=100_000, kind="answer",
                                                                  status="posted"))
    rows = weekly(logged, history, now, weeks, answered)
    days = weeks * 7
    nudged = [action.at for action in activity.latest(days=days, limit=100_000, kind="nudge", status="posted")]
    # A first merged pull request is one whether its thanks was posted or, in dry run, only recorded.
    merges = [action.at for action in activity.latest(days=days, limit=100_000, kind="congratulate")
              if action.status != "failed"]
    current = {**(rows[-1] if rows else {}), "unanswered_now": unanswered_now(logged, now, answered)}
    return {
        "weeks": rows,
        "current": current,
        "previous": rows[-2] if len(rows) > 1 else {},
        "bus_factor": bus_factor(history, now - 365 * DAY),
        "maintainer_load": maintainer_load(logged, now - 28 * DAY),
        "docs_gaps": docs_gap_groups(gaps.latest()),
        "leaderboard": leaderboard(logged, history, now - 90 * DAY, points, opted_out),
        "onboarding": onboarding_weekly(welcomed, logged, nudged, merges, now, weeks),
    }
