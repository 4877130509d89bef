"""The duplicate threshold: the repository's setting, else calibrated on its own marked duplicates once
there are enough, else the global calibrated default; the comment says which, with the score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from devrel.events import InboundEvent, IssueChanged
from devrel.platforms.github import to_inbound_event
from devrel.ports import Item
from devrel.usecases.triage_steps import (
    GLOBAL_DUPLICATE_THRESHOLD,
    DuplicateCandidate,
    IssueFacts,
    TriageConfig,
    TriageSteps,
    compose_comment,
    duplicate_threshold,
    record_issue_ending,
)
from support.fakes import fake_services

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"


def ended(number: int, score: float, duplicate: bool, by_bot: bool = False) -> IssueFacts:
    return IssueFacts(repository="o/r", number=number, top_score=score, outcome="duplicate" if duplicate else "other",
                      closed_by_bot=by_bot)


def history(marked: int) -> list[IssueFacts]:
    """`marked` duplicates scoring .70-.79, 40 other endings scoring .30-.69 and one other at .75."""
    issues = [ended(n, 0.70 + (n % 10) / 100, True) for n in range(marked)]
    issues += [ended(100 + n, 0.30 + n / 100, False) for n in range(40)]
    return [*issues, ended(200, 0.75, False), IssueFacts(repository="o/r", number=300, top_score=0.99)]


def test_the_repositorys_setting_wins() -> None:
    assert duplicate_threshold(history(20), TriageConfig(duplicate_threshold=0.5)) == (0.5, "the repository's setting")


def test_too_few_marked_duplicates_fall_back_to_the_global_default() -> None:
    threshold, basis = duplicate_threshold(history(9), TriageConfig())
    assert threshold == GLOBAL_DUPLICATE_THRESHOLD and "default" in basis


def test_enough_marked_duplicates_calibrate_the_repositorys_own_threshold() -> None:
    threshold, basis = duplicate_threshold(history(20), TriageConfig())
    # The lowest score that keeps 90% precision: 20 duplicates and 2 others at .69 and above.
    assert threshold == 0.69 and basis == "calibrated on this repository's 20 marked duplicates"
    # The assistant's own closes do not count: they would only confirm its old threshold.
    own = [ended(400 + n, 0.95, True, by_bot=True) for n in range(30)]
    assert duplicate_threshold(history(9) + own, TriageConfig())[0] == GLOBAL_DUPLICATE_THRESHOLD


def test_how_an_issue_ended_is_recorded_from_its_events(tmp_path: Path) -> None:
    services = fake_services(tmp_path)
    store = services.store
    repo = "Codertocat/Hello-World"  # the repository of the webhook fixture below
    store.put(Item(f"issues#{repo}", "0000000005", IssueFacts(repository=repo, number=5, top_score=0.8).model_dump()))
    assert record_issue_ending(store, repo, 5, False, "duplicate", []) == "duplicate"
    assert record_issue_ending(store, repo, 5, True, None, []) is None  # reopened: not ended
    assert record_issue_ending(store, repo, 5, False, "completed", ["bug"]) == "other"
    assert record_issue_ending(store, repo, 5, False, "not_planned", ["Duplicate"]) == "duplicate"
    assert record_issue_ending(store, repo, 6, False, "duplicate", []) is None  # never triaged here
    # Through the worker, from a real `issues.closed` delivery.
    payload = json.loads((FIXTURES / "issues.opened.15.json").read_text())
    payload["action"] = "closed"
    payload["issue"].update(number=5, state="closed", state_reason="completed", labels=[])
    event = to_inbound_event("issues", "d-9", payload)
    assert isinstance(event, InboundEvent) and isinstance(event.intent, IssueChanged)
    assert event.intent.state_reason == "completed"
    services.dispatcher.dispatch(event)
    assert store.get(f"issues#{repo}", "0000000005").data["outcome"] == "other"  # type: ignore[union-attr]


def test_the_comment_states_the_score_and_what_the_threshold_rests_on(tmp_path: Path) -> None:
    services = fake_services(tmp_path)
    for n in range(40):
        issue = ended(n + 1, 0.9 if n < 12 else 0.4, n < 12)
        services.store.put(Item("issues#o/r", f"{n + 1:010d}", issue.model_dump()))
    candidates = [DuplicateCandidate(number=3, title="Upload fails", score=0.93)]

    def never(*args: Any) -> Any:
        raise AssertionError("not needed")

    steps = TriageSteps(services.store, services.clock, None, classifier=never,
                        duplicates=lambda issue, past: candidates)
    state: dict[str, Any] = {"issue": IssueFacts(repository="o/r", number=50, title="Upload broken").model_dump(),
                             "config": {}}
    state["duplicates"] = {"result": steps.find_duplicates(state)}
    assert state["duplicates"]["result"]["threshold"] == 0.9
    assert services.store.get("issues#o/r", "0000000050").data["top_score"] == 0.93  # type: ignore[union-attr]
    comment = compose_comment(IssueFacts.model_validate(state["issue"]), state, TriageConfig())
    assert "similarity 0.93" in comment
    assert "Similarities of 0.90 and above are reported (calibrated on this repository's 12 marked duplicates)" \
        in comment


def test_the_worker_keeps_the_duplicate_index_current(tmp_path: Path) -> None:
    services = fake_services(tmp_path)
    old = IssueFacts(repository="o/r", number=8, title="old")
    services.store.put(Item("issues#o/r", "0000000008", old.model_dump()))
    edited = InboundEvent(platform="github", kind="github.issues.edited", delivery_id="e-1",
                          intent=IssueChanged(repository="o/r", number=8, title="Export fails", body="on unicode"))
    services.dispatcher.dispatch(edited)
    assert services.store.get("issues#o/r", "0000000008").data["title"] == "Export fails"  # type: ignore[union-attr]
    deleted = InboundEvent(platform="github", kind="github.issues.deleted", delivery_id="e-2",
                           intent=IssueChanged(repository="o/r", number=8, open=False, removed=True))
    services.dispatcher.dispatch(deleted)
    assert services.store.get("issues#o/r", "0000000008") is None
