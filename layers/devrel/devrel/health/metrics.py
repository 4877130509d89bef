"""Community-health metrics, computed from the event log (every platform) and the repository's
history (commits). Pure functions: the caller reads the records and passes them in.

A *conversation* starts with an issue, a pull request or a question; its *first response* is the
first later event in the same thread by someone else (the assistant's own answers are counted
apart, as `answered_by_assistant`). Weeks are ISO weeks (Monday 00:00 UTC).
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from devrel.records import LoggedEvent

HOUR = 3600.0
DAY = 86400.0
OPENING_INTENTS = frozenset({"issue_opened", "pull_request_opened", "question"})
CLOSING_KINDS = frozenset({"github.issues.closed", "github.pull_request.closed", "github.pull_request.merged"})
# A question nobody answered within this long counts as unanswered.
UNANSWERED_AFTER = 2 * DAY
DEFAULT_POINTS = {"merged_pr": 10, "review": 3, "answer": 2, "docs_change": 5, "commit": 1}


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    at: float
    # path -> lines added + deleted
    files: dict[str, int] = field(default_factory=dict)


def week_of(at: float) -> str:
    return time.strftime("%G-W%V", time.gmtime(at))


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclass
class Conversation:
    opened: LoggedEvent
    first_response: LoggedEvent | None = None
    closed_at: float | None = None


def conversations(events: Iterable[LoggedEvent]) -> list[Conversation]:
    """Conversations in the log, each with its first response by someone else and its close."""
    by_thread: dict[tuple[str, str], Conversation] = {}
    found: list[Conversation] = []
    for event in sorted(events, key=lambda e: e.at):
        key = (event.platform, event.thread)
        current = by_thread.get(key)
        if current is None or current.closed_at is not None:
            # A new conversation (or a new one in a closed thread); anything else here is not one.
            if event.intent in OPENING_INTENTS:
                current = by_thread[key] = Conversation(event)
                found.append(current)
            continue
        # An open conversation: later messages, whatever their intent, are replies or its close.
        someone_else = (event.actor_id or event.actor) != (current.opened.actor_id or current.opened.actor)
        if current.first_response is None and someone_else and event.kind not in CLOSING_KINDS:
            current.first_response = event
        if event.kind in CLOSING_KINDS:
            current.closed_at = event.at
    return found


# Generated files: whoever regenerates a lock file did not write its thousands of lines.
_GENERATED = re.compile(r"(^|/)(uv\.lock|poetry\.lock|Pipfile\.lock|package-lock\.json|yarn\.lock|pnpm-lock\.yaml|"
                        r"Cargo\.lock|go\.sum|composer\.lock|Gemfile\.lock)$|\.min\.(js|css)$")


def bus_factor(commits: Iterable[Commit], since: float) -> list[dict[str, Any]]:
    """Per top-level area: the fewest authors covering half of the lines changed since `since`."""
    per_area: dict[str, Counter[str]] = defaultdict(Counter)
    for commit in commits:
        if commit.at < since:
            continue
        for path, lines in commit.files.items():
            if _GENERATED.search(path):
                continue
            area = path.split("/", 1)[0] if "/" in path else "(root)"
            per_area[area][commit.author] += max(1, lines)
    areas = []
    for area, authors in per_area.items():
        total, covered, needed = sum(authors.values()), 0, []
        for author, lines in authors.most_common():
            needed.append(author)
            covered += lines
            if covered * 2 >= total:
                break
        areas.append({"area": area, "bus_factor": len(needed), "authors": needed, "lines": total})
    return sorted(areas, key=lambda a: (a["bus_factor"], -a["lines"], a["area"]))


def weekly(events: Sequence[LoggedEvent], commits: Sequence[Commit], now: float, weeks: int = 12,
           answered_runs: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """One row of metrics per week, oldest first, for the last `weeks` weeks."""
    talks = conversations(events)
    people_first: dict[str, float] = {}
    activity: dict[str, list[float]] = defaultdict(list)
    for who, at in [(e.actor or e.actor_id, e.at) for e in events] + [(c.author, c.at) for c in commits]:
        if not who:
            continue
        activity[who].append(at)
        people_first[who] = min(at, people_first.get(who, at))
    names = [week_of(now - back * 7 * DAY) for back in range(weeks - 1, -1, -1)]
    rows = []
    for name in names:
        opened = [t for t in talks if week_of(t.opened.at) == name]
        responses = [(t.first_response.at - t.opened.at) / HOUR for t in opened if t.first_response]
        closed = [(t.closed_at - t.opened.at) / HOUR for t in talks if t.closed_at and week_of(t.closed_at) == name]
        questions = [t for t in opened if t.opened.intent == "question"]
        unanswered = [t for t in questions if t.first_response is None
                      and t.opened.delivery_id not in answered_runs and now - t.opened.at > UNANSWERED_AFTER]
        week_people = {who for who, times in activity.items() if any(week_of(at) == name for at in times)}
        newcomers = {who for who in week_people if week_of(people_first[who]) == name}
        moods = [e.sentiment for e in events if e.sentiment is not None and week_of(e.at) == name]
        rows.append({
            "week": name,
            "first_response_hours_p50": _round(percentile(responses, 0.5)),
            "first_response_hours_p90": _round(percentile(responses, 0.9)),
            "time_to_close_hours_p50": _round(percentile(closed, 0.5)),
            "time_to_close_hours_p90": _round(percentile(closed, 0.9)),
            "conversations_opened": len(opened),
            "questions": len(questions),
            "answered_by_assistant": sum(1 for t in questions if t.opened.delivery_id in answered_runs),
            "unanswered_questions": len(unanswered),
            "active_contributors": len(week_people),
            "new_contributors": len(newcomers),
            "retention_30d": _retention(newcomers, activity, people_first, now, 30),
            "retention_90d": _retention(newcomers, activity, people_first, now, 90),
            "sentiment_mean": _round(statistics.fmean(moods), 3) if moods else None,
            "negative_share": _round(sum(1 for m in moods if m < -0.3) / len(moods), 3) if moods else None,
        })
    return rows


def onboarding_weekly(welcomed: Iterable[tuple[str, str, float]], events: Sequence[LoggedEvent],
                      nudged: Iterable[float], first_merges: Iterable[float], now: float, weeks: int = 12
                      ) -> list[dict[str, Any]]:
    """Onboarding per week, oldest first: newcomers welcomed (platform, id, when a welcome was posted), those of
    them who came back with a contribution after it (any later event of theirs on that platform), reminders
    posted, and first merged pull requests."""
    latest: dict[tuple[str, str], float] = {}
    for event in events:
        if event.actor_id:
            key = (event.platform, event.actor_id)
            latest[key] = max(event.at, latest.get(key, event.at))
    welcomes = [(week_of(at), latest.get((platform, who), 0.0) > at) for platform, who, at in welcomed]
    nudges, merges = Counter(week_of(at) for at in nudged), Counter(week_of(at) for at in first_merges)
    rows = []
    for name in (week_of(now - back * 7 * DAY) for back in range(weeks - 1, -1, -1)):
        week = [back for welcomed_in, back in welcomes if welcomed_in == name]
        rows.append({"week": name, "welcomed": len(week), "came_back": sum(week), "nudged": nudges[name],
                     "first_merged_prs": merges[name]})
    return rows


def unanswered_now(events: Sequence[LoggedEvent], now: float, answered_runs: frozenset[str] = frozenset(),
                   within_days: int = 30) -> int:
    """Questions of the last `within_days` days still waiting for anyone, two days or more after asking."""
    return sum(1 for talk in conversations(events)
               if talk.opened.intent == "question" and talk.first_response is None
               and talk.opened.delivery_id not in answered_runs
               and UNANSWERED_AFTER < now - talk.opened.at <= within_days * DAY)


def _retention(newcomers: set[str], activity: dict[str, list[float]], first: dict[str, float], now: float,
               days: int) -> float | None:
    """Share of the week's newcomers who came back between a day and `days` days after their first
    contribution; None until the window has passed for all of them."""
    if not newcomers or any(now - first[who] < days * DAY for who in newcomers):
        return None
    back = sum(1 for who in newcomers if any(DAY <= at - first[who] <= days * DAY for at in activity[who]))
    return round(back / len(newcomers), 3)


def maintainer_load(events: Sequence[LoggedEvent], since: float, top: int = 10) -> list[dict[str, Any]]:
    """Who gave the first responses lately: the load that keeps the community answered."""
    counts = Counter(t.first_response.actor or t.first_response.actor_id for t in conversations(events)
                     if t.first_response and t.first_response.at >= since)
    return [{"name": who, "first_responses": n} for who, n in counts.most_common(top) if who]


def leaderboard(events: Sequence[LoggedEvent], commits: Sequence[Commit], since: float,
                points: dict[str, int] | None = None, opted_out: Iterable[str] = (), top: int = 20
                ) -> list[dict[str, Any]]:
    """Points per person since `since`: merged PRs, reviews, answers to others, docs changes, commits."""
    weights = {**DEFAULT_POINTS, **(points or {})}
    hidden = {name.lower() for name in opted_out}
    score: Counter[str] = Counter()
    for event in events:
        who = event.actor or event.actor_id
        if not who or event.at < since:
            continue
        if event.kind == "github.pull_request.merged":
            score[who] += weights["merged_pr"]
        elif event.kind in ("github.pull_request_review.submitted", "github.pull_request_review_comment.created"):
            score[who] += weights["review"]
    for talk in conversations(events):
        response = talk.first_response
        if response and response.at >= since and talk.opened.intent == "question":
            score[response.actor or response.actor_id or ""] += weights["answer"]
    for commit in commits:
        if commit.at < since:
            continue
        score[commit.author] += weights["commit"]
        if any(path.startswith("docs/") or path.endswith((".md", ".rst")) for path in commit.files):
            score[commit.author] += weights["docs_change"]
    return [{"name": who, "points": n} for who, n in score.most_common() if who and who.lower() not in hidden][:top]
