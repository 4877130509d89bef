"""Assignees: ranking from CODEOWNERS, label owners, recent changes and load; applied or suggested per
the repository's config, always through the activity log; load kept current from issue events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devrel.events import InboundEvent, IssueChanged
from devrel.platforms.github import to_inbound_event
from devrel.ports import OpenItem
from devrel.usecases.assignees import AssigneeLoad, rank
from devrel.usecases.triage_steps import IssueFacts, TriageSteps
from support.fakes import FakeClock, fake_services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
CODEOWNERS = "*  @lead\n/src/net/  @netty @org/network\n"


def no_load(login: str) -> int:
    return 0


def test_codeowners_outrank_label_owners_who_outrank_recent_changers() -> None:
    ranked = rank({"netty": ["src/net/a.py"]}, {"bob": ["bug"]}, {"carol": 9}, ["dave"], no_load, [], limit=3)
    assert [entry.login for entry in ranked] == ["netty", "bob", "carol"]
    assert ranked[0].reasons == ["CODEOWNERS of src/net/a.py"]
    assert "changed these files recently (9 commits)" in ranked[2].reasons


def test_people_only_never_the_author_anyone_away_or_a_bot() -> None:
    ranked = rank({"org/network": ["x"], "@netty": ["x"], "alice": ["x"]}, {"writer@example.org": ["docs"]},
                  {"dependabot[bot]": 40, "eve": 1}, [], no_load, excluded=["Alice", "netty"], limit=5)
    assert [entry.login for entry in ranked] == ["eve"]


def test_load_spreads_work_and_the_fallback_is_only_for_unowned_issues() -> None:
    loads = {"bob": 3}
    ranked = rank({}, {"bob": ["bug"], "carol": ["bug"]}, {}, ["dave"], lambda login: loads.get(login, 0), [])
    assert [entry.login for entry in ranked] == ["carol", "bob"]
    assert "3 open issues assigned" in ranked[1].reasons
    assert [entry.login for entry in rank({}, {}, {}, ["dave", "@org/team"], no_load, [])] == ["dave"]


def test_load_follows_assignments_closes_and_the_daily_listing(tmp_path: Path) -> None:
    store = fake_services(tmp_path).store
    load = AssigneeLoad(store)
    load.observe("o/r", 1, ["Bob", "carol"], is_open=True)
    load.observe("o/r", 2, ["bob"], is_open=True)
    assert (load.of("bob"), load.of("carol")) == (2, 1)
    load.observe("o/r", 1, ["bob"], is_open=True)  # carol unassigned
    load.observe("o/r", 2, ["bob"], is_open=False)  # closed
    assert (load.of("bob"), load.of("carol")) == (1, 0)
    load.add("o/r", 1, ["dave"])
    assert load.of("dave") == 1 and load.of("bob") == 1
    # The listing is the ground truth: issue 1 was closed while no webhook arrived; 3 is new.
    load.reconcile("o/r", [OpenItem(3, False, "x", assignees=("carol",)), OpenItem(4, True, "x", assignees=("bob",))])
    assert (load.of("bob"), load.of("carol"), load.of("dave")) == (0, 1, 0)


@pytest.mark.parametrize("action,state,is_open", [("assigned", "open", True), ("unassigned", "open", True),
                                                  ("closed", "closed", False), ("reopened", "open", True)])
def test_issue_events_carry_the_current_assignees(action: str, state: str, is_open: bool) -> None:
    payload = json.loads((FIXTURES / "issues.opened.15.json").read_text())
    payload["action"] = action
    payload["issue"].update(state=state, assignees=[{"login": "bob", "id": 2}])
    event = to_inbound_event("issues", "d-1", payload, bot_login="devrel-bot")
    assert event is not None and isinstance(event.intent, IssueChanged)
    assert (event.intent.assignees, event.intent.open) == (["bob"], is_open)


def test_the_worker_keeps_load_current_from_issue_events(tmp_path: Path) -> None:
    services = fake_services(tmp_path)
    event = InboundEvent(platform="github", kind="github.issues.assigned", delivery_id="d-2",
                         intent=IssueChanged(repository="o/r", number=7, assignees=["bob"]))
    assert services.dispatcher.dispatch(event) == "issue-followed"
    assert services.assignee_load.of("bob") == 1
    closed = event.model_copy(update={"delivery_id": "d-3", "intent": IssueChanged(repository="o/r", number=7,
                                                                                   open=False, assignees=["bob"])})
    services.dispatcher.dispatch(closed)
    assert services.assignee_load.of("bob") == 0


class Tracker:
    """Records the privileged calls; `assignable` is who GitHub would accept as an assignee."""

    def __init__(self, assignable: set[str], authors: dict[str, int] | None = None) -> None:
        self.assignable = assignable
        self.authors = authors or {}
        self.assigned: list[list[str]] = []
        self.comments: list[str] = []
        self.history_asked: list[tuple[list[str], float]] = []

    def comment(self, repository: str, number: int, body: str) -> str:
        self.comments.append(body)
        return str(len(self.comments))

    def add_labels(self, repository: str, number: int, labels: list[str]) -> None:
        pass

    def path_authors(self, repository: str, paths: list[str], since: float) -> dict[str, int]:
        self.history_asked.append((paths, since))
        return self.authors

    def can_be_assigned(self, repository: str, login: str) -> bool:
        return login in self.assignable

    def assign(self, repository: str, number: int, logins: list[str]) -> None:
        self.assigned.append(logins)


def never(*args: Any) -> Any:
    raise AssertionError("not needed here")


def triaged(services: Any, tracker: Tracker | None, **config: Any) -> tuple[dict[str, Any], TriageSteps]:
    steps = TriageSteps(services.store, services.clock, tracker, classifier=never, duplicates=never,  # type: ignore[arg-type]
                        bot_login="devrel-bot", activity=services.activity, load=services.assignee_load)
    issue = IssueFacts(repository="o/r", number=5, title="Timeout", author="alice",
                       body="Fails in `src/net/http.py` with a timeout.")
    state: dict[str, Any] = {"issue": issue.model_dump(), "run": "run-1",
                             "config": {"codeowners": CODEOWNERS, "owners": {"bug": ["bob"]}, **config}}
    state["analysis"] = {"result": steps.analyze(state)}
    state["classification"] = {"result": {"type": "bug", "labels": ["bug"]}}
    state["assignees"] = {"result": steps.suggest_assignees(state)}
    return state, steps


def test_suggest_names_them_in_the_comment_without_a_mention_and_assigns_nobody(tmp_path: Path) -> None:
    services = fake_services(tmp_path, clock=FakeClock(100 * 86400.0))
    tracker = Tracker({"netty", "bob"}, authors={"carol": 2, "alice": 5})
    state, steps = triaged(services, tracker)
    assert state["assignees"]["result"]["assignees"] == ["netty", "bob"]  # alice wrote it: never her
    assert tracker.history_asked == [(["src/net/http.py"], 10 * 86400.0)]  # the last 90 days
    steps.act(state)
    assert tracker.assigned == []
    assert "Suggested assignees: `netty` (CODEOWNERS of src/net/http.py), `bob` (owns bug)." in tracker.comments[0]
    assert "@netty" not in tracker.comments[0]
    logged = [a for a in services.activity.latest() if a.kind == "assign"]
    assert [(a.status, a.detail) for a in logged] == [("dry-run", "netty, bob")]


def test_apply_assigns_only_who_github_accepts_logs_it_and_counts_the_load(tmp_path: Path) -> None:
    services = fake_services(tmp_path, clock=FakeClock(100 * 86400.0))
    tracker = Tracker({"bob"})
    state, steps = triaged(services, tracker, assign="apply", away=["Netty"])
    assert state["assignees"]["result"]["assignees"] == ["bob"]  # netty is away; the team is no person
    result = steps.act(state)
    assert tracker.assigned == [["bob"]] and result["assignees"] == ["bob"]
    assert "Assigned to: `bob` (owns bug)." in tracker.comments[0]
    assert [(a.status, a.detail) for a in services.activity.latest() if a.kind == "assign"] == [("posted", "bob")]
    assert services.assignee_load.of("bob") == 1
    # Triage again after the author answered: nobody is assigned twice.
    state["follow_up"] = {"result": {"answered": True}}
    steps.act(state)
    assert tracker.assigned == [["bob"]]


def test_dry_run_and_off(tmp_path: Path) -> None:
    services = fake_services(tmp_path, clock=FakeClock(100 * 86400.0))
    tracker = Tracker({"netty", "bob"})
    state, steps = triaged(services, tracker, assign="apply", dry_run=True)
    assert steps.act(state)["assignees"] == ["netty", "bob"] and tracker.assigned == []
    assert [a.status for a in services.activity.latest() if a.kind == "assign"] == ["dry-run"]
    quiet = Tracker({"netty", "bob"})
    state, steps = triaged(services, quiet, assign="off")
    assert state["assignees"]["result"]["assignees"] == [] and quiet.history_asked == []


def test_an_issue_with_very_many_labels_and_assignees_is_still_accepted() -> None:
    payload = json.loads((FIXTURES / "issues.opened.15.json").read_text())
    payload["action"] = "labeled"
    payload["issue"].update(labels=[{"name": f"l{n}"} for n in range(150)],
                            assignees=[{"login": f"u{n}", "id": n} for n in range(150)])
    event = to_inbound_event("issues", "d-many", payload)
    assert event is not None and isinstance(event.intent, IssueChanged)
    assert len(event.intent.labels) == len(event.intent.assignees) == 100
