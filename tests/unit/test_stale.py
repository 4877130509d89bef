"""The stale sweep's decisions, one rule at a time, and its actions with a recording tracker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.ports import OpenItem, TimelineEntry
from devrel.usecases.stale import DAY, StaleConfig, StaleSweep, decide
from support.fakes import FakeClock, fake_services

NOW = 1_750_000_000.0
CONFIG = StaleConfig()


def item(**overrides: Any) -> OpenItem:
    fields: dict[str, Any] = {"number": 7, "is_pull_request": False, "author": "alice", "labels": ("needs-info",),
                              "updated_at": NOW - 40 * DAY}
    return OpenItem(**{**fields, **overrides})


def asked(days_ago: float = 40) -> list[TimelineEntry]:
    """The author reported, a maintainer asked for details, silence since."""
    return [TimelineEntry("comment", "alice", NOW - (days_ago + 1) * DAY, "NONE"),
            TimelineEntry("comment", "maint", NOW - days_ago * DAY, "MEMBER")]


def test_a_long_wait_on_the_author_gets_one_reminder_then_the_label() -> None:
    assert decide(item(), asked(), CONFIG, NOW, None, "devrel-bot").decision == "remind"
    reminded = NOW - 8 * DAY
    assert decide(item(), asked(), CONFIG, NOW, reminded, "devrel-bot").decision == "mark"
    assert decide(item(), asked(), CONFIG, NOW - 5 * DAY, reminded, "devrel-bot").decision == "none"


def test_when_the_author_spoke_last_the_maintainers_owe_the_answer() -> None:
    timeline = [*asked(), TimelineEntry("comment", "alice", NOW - 35 * DAY, "NONE")]
    verdict = decide(item(labels=()), timeline, CONFIG, NOW, None, None)
    assert verdict.decision == "none" and "maintainers" in verdict.reason


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"assignees": ("bob",)}, "assigned"),
    ({"milestone": "v2"}, "in a milestone"),
    ({"reactions": 9}, "9 reactions"),
    ({"labels": ("needs-info", "security")}, "exempt label security"),
])
def test_someone_on_it_or_community_interest_exempts(overrides: dict[str, Any], reason: str) -> None:
    verdict = decide(item(**overrides), asked(), CONFIG, NOW, None, None)
    assert (verdict.decision, verdict.reason) == ("none", reason)


def test_an_open_pull_request_that_references_it_exempts() -> None:
    linked = [*asked(), TimelineEntry("cross-referenced", "carol", NOW - 20 * DAY, open_pull_request=True)]
    assert decide(item(), linked, CONFIG, NOW, None, None).decision == "none"


def test_new_activity_removes_the_stale_label() -> None:
    marked = [*asked(), TimelineEntry("labeled", "devrel-bot", NOW - 3 * DAY, label="stale"),
              TimelineEntry("comment", "alice", NOW - DAY, "NONE")]
    assert decide(item(labels=("needs-info", "stale")), marked, CONFIG, NOW, NOW - 10 * DAY,
                  "devrel-bot").decision == "unmark"


def test_closing_happens_only_where_the_repository_opts_in() -> None:
    marked = [*asked(), TimelineEntry("labeled", "devrel-bot", NOW - 20 * DAY, label="stale")]
    stale = item(labels=("needs-info", "stale"))
    assert decide(stale, marked, CONFIG, NOW, NOW - 30 * DAY, "devrel-bot").decision == "none"
    opted_in = CONFIG.model_copy(update={"close": True})
    assert decide(stale, marked, opted_in, NOW, NOW - 30 * DAY, "devrel-bot").decision == "close"


class Tracker:
    def __init__(self, items: list[OpenItem], timelines: dict[int, list[TimelineEntry]],
                 config: dict[str, Any] | None = None) -> None:
        self.items, self.timelines, self.config = items, timelines, config or {}
        self.calls: list[tuple[str, int, Any]] = []

    def repository_config(self, repository: str) -> dict[str, Any]:
        return {"stale": self.config}

    def open_items(self, repository: str) -> list[OpenItem]:
        return self.items

    def timeline(self, repository: str, number: int) -> list[TimelineEntry]:
        self.calls.append(("timeline", number, None))
        return self.timelines.get(number, [])

    def comment(self, repository: str, number: int, body: str) -> str:
        self.calls.append(("comment", number, body))
        return "c"

    def add_labels(self, repository: str, number: int, labels: list[str]) -> None:
        self.calls.append(("labels", number, labels))

    def remove_label(self, repository: str, number: int, label: str) -> None:
        self.calls.append(("unlabel", number, label))

    def close(self, repository: str, number: int, reason: str) -> None:
        self.calls.append(("close", number, reason))

    def reopen(self, repository: str, number: int) -> None:
        self.calls.append(("reopen", number, None))


def test_a_sweep_acts_records_and_skips_what_is_recently_active(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    services = fake_services(tmp_path, clock=clock)
    fresh = item(number=8, updated_at=NOW - DAY)
    tracker = Tracker([item(), fresh], {7: asked()})
    sweep = StaleSweep(tracker, services.store, services.activity, clock, "devrel-bot")
    report = sweep.sweep("o/r")
    assert (report.items, report.candidates, report.decisions) == (2, 1, {"remind": 1})
    assert [c[0] for c in tracker.calls] == ["timeline", "comment"]  # no timeline call for the fresh one
    [action] = services.activity.latest()
    assert (action.kind, action.status, action.target) == ("nudge", "posted", "https://github.com/o/r/issues/7")
    clock.now += 8 * DAY  # a week without a reply after the reminder
    tracker.calls.clear()
    assert sweep.sweep("o/r").decisions == {"mark": 1}
    assert ("labels", 7, ["stale"]) in tracker.calls


def test_dry_run_only_records(tmp_path: Path) -> None:
    services = fake_services(tmp_path, clock=FakeClock(NOW))
    tracker = Tracker([item()], {7: asked()}, {"dry_run": True})
    StaleSweep(tracker, services.store, services.activity, services.clock).sweep("o/r")
    assert [c[0] for c in tracker.calls] == ["timeline"]
    [action] = services.activity.latest()
    assert action.status == "dry-run" and "friendly reminder" in action.detail


def test_an_issue_the_sweep_closed_reopens_when_its_author_returns(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    services = fake_services(tmp_path, clock=clock)
    stale = item(labels=("needs-info", "stale"))
    marked = [*asked(), TimelineEntry("labeled", "devrel-bot", NOW - 20 * DAY, label="stale")]
    tracker = Tracker([stale], {7: marked}, {"close": True})
    sweep = StaleSweep(tracker, services.store, services.activity, clock, "devrel-bot")
    assert sweep.sweep("o/r").decisions == {"close": 1}
    assert ("close", 7, "not_planned") in tracker.calls
    tracker.items = []
    clock.now += DAY
    tracker.timelines[7] = [*marked, TimelineEntry("comment", "alice", clock.now - 60, "NONE")]
    assert sweep.sweep("o/r").decisions == {"reopen": 1}
    assert ("reopen", 7, None) in tracker.calls and ("unlabel", 7, "stale") in tracker.calls
