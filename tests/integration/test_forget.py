"""Forget-me and export over both Store adapters (SQLite, and DynamoDB on moto's server), written
through the records' own repositories; then every item, expired ones too, is searched for the
person's id and names. Aggregates (events by kind, distinct people, votes, actions) stay the same.
At the edge, `devrel forget` also removes their onboarding executions."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devrel.activity import Action, ActivityLog
from devrel.events import Actor, GithubAddress, InboundEvent, MemberJoined, Question, SlackAddress
from devrel.ports import Item, Store
from devrel.records import (
    CommitLog,
    Contributions,
    EventLog,
    FeedbackLog,
    PersonalData,
    ThreadMemory,
    Unanswered,
    VisitorLimits,
    conversation_key,
    handoff_scope,
)
from devrel.usecases.assignees import AssigneeLoad
from devrel.usecases.onboarding import Contributor, Newcomers, OnboardingSteps

DEVREL = Path(sys.executable).with_name("devrel")
NOW = float(int(time.time()) - 3600)  # the stores expire items by the real clock
ADA, ADA_NAME, BOB = "U0ADA42", "ada.lovelace", "U0BOB77"


def said(platform: str, who: str, name: str, n: int, thread: str = "C1/1700.1", **extra: Any) -> InboundEvent:
    address = SlackAddress(team="T1", channel="C1", thread_ts="1700.1") if platform == "slack" else \
        GithubAddress(repository="acme/widgets", number=7)
    return InboundEvent(platform=platform, kind=f"{platform}.message", delivery_id=f"{who}-{n}",  # type: ignore[arg-type]
                        thread=thread, actor=Actor(id=who, name=name), text=f"question {n} from {name}",
                        received_at=NOW + n, reply_to=address, **extra)


def fill(store: Store) -> None:
    """A week of a small community: Ada and Bob in a Slack thread, Ada onboarded, a vote, an unanswered
    question, the activity log; Ada's GitHub self (octo-ada) authored commits and holds an assignment."""
    clock = lambda: NOW  # noqa: E731
    events, memory, activity = EventLog(store), ThreadMemory(store, clock), ActivityLog(store, clock)
    for n, (who, name) in enumerate([(ADA, ADA_NAME), (BOB, "bob"), (ADA, ADA_NAME), (BOB, "bob")]):
        event = said("slack", who, name, n, intent=Question())
        events.append(event, sentiment=0.5)
        memory.remember(conversation_key(event), event.delivery_id, event.received_at, "user", event.text,
                        actor=name)
        memory.remember(conversation_key(event), event.delivery_id, event.received_at, "assistant",
                        f"Happy to help, {name}!", "m1")
    # A turn whose time to live has passed is still on disk until the backend sweeps it.
    store.put(Item("thread#slack#D-ada", f"{NOW - 9e6:017.6f}#old#1", {"role": "user", "actor": ADA_NAME,
                                                                        "text": "an old question"},
                   expires_at=int(NOW - 100)))
    FeedbackLog(store).record(said("slack", ADA, ADA_NAME, 9), "up", "ADA-1")
    assert VisitorLimits(store, clock, 2, 3600).admit(handoff_scope("slack"), ADA) is None  # she asked for a person
    Unanswered(store).keep(said("slack", ADA, ADA_NAME, 10), "ModelError")
    join = InboundEvent(platform="slack", kind="slack.team_join", delivery_id="Ev-join", intent=MemberJoined(),
                        reply_to=SlackAddress(team="T1"), actor=Actor(id=ADA, name=ADA_NAME), received_at=NOW)
    newcomers = Newcomers(store, clock)
    assert newcomers.claim(join)
    newcomers.welcomed(Contributor(platform="slack", id=ADA, name=ADA_NAME), dry_run=False)
    OnboardingSteps(store, {}, clock, newcomers=newcomers).record_failure(
        {"contributor": {"platform": "slack", "id": ADA, "name": ADA_NAME}, "error": {"Error": "X", "Cause": "y"}})
    activity.record(Action(kind="welcome", platform="slack", target="slack://channel?team=T1&id=", status="posted",
                           run=f"onboarding-slack-{ADA}-Ev-join", detail=f"Welcome, {ADA_NAME}! Glad you're here."))
    activity.record(Action(kind="answer", platform="slack", target="slack://channel?team=T1&id=C1", status="posted",
                           run=f"{BOB}-1", detail="Happy to help, bob!"))
    # GitHub: her login there, as commit author, assignee and commenter.
    events.append(said("github", "583231", "octo-ada", 20, thread="acme/widgets#7"))
    events.append(said("github", "99", "bobcat", 21, thread="acme/widgets#7"))
    CommitLog(store).add("acme/widgets", "abc123", "octo-ada", NOW, {"src/a.py": 3})
    CommitLog(store).add("acme/widgets", "def456", "bobcat", NOW, {"src/b.py": 1})
    AssigneeLoad(store).observe("acme/widgets", 7, ["octo-ada", "bobcat"], True)
    # Her and Bob's issues and pull requests, as the interests are inferred from them.
    contributions = Contributions(store, clock)
    contributions.opened("583231", "acme/widgets", 8, "pull_request")
    contributions.update("acme/widgets", 8, paths=["docs/index.md"])
    contributions.update("acme/widgets", 8, merged_by_author="583231")
    contributions.opened("583231", "acme/widgets", 9, "issue", ["documentation"])
    contributions.opened("99", "acme/widgets", 10, "issue", ["bug"])


def everything(store: Store) -> str:
    return "\n".join(json.dumps([item.pk, item.sk, item.data], ensure_ascii=False) for item in store.scan()).lower()


def aggregates(store: Store) -> dict[str, Any]:
    events = EventLog(store)
    return {"kinds": {p: dict(c) for p, c in events.counts(0).items()},
            "people": {p: len({e.actor_id for e in events.since(p, 0)}) for p in ("slack", "github")},
            "votes": len(FeedbackLog(store).since("slack", 0)),
            "actions": Counter(a.status for a in ActivityLog(store, lambda: NOW).latest(days=2)),
            "commits": sum(1 for _ in CommitLog(store).since("acme/widgets", 0))}


def test_export_then_forget_a_slack_member_leaves_no_trace_and_the_same_aggregates(store: Store) -> None:
    fill(store)
    before = aggregates(store)
    data = PersonalData(store)
    ada = data.person("slack", ADA)
    assert ada.names == {ADA_NAME}
    exported = data.export(ada)
    assert set(exported["records"]) >= {"events", "conversations", "feedback", "unanswered questions", "onboarding",
                                        "activity"}
    assert len(exported["records"]["events"]) == 2 and len(exported["records"]["conversations"]) == 3

    counts = data.forget(ada)
    assert counts["deleted"] >= 6 and counts["anonymised"] >= 4
    left = everything(store)
    assert ADA.lower() not in left and ADA_NAME not in left
    assert "bob" in left and "octo-ada" in left  # nobody else, and not her unlinked GitHub account
    assert aggregates(store) == before
    # Bob's side of the shared thread is still there; Ada's turns and the answers to them are gone.
    history = ThreadMemory(store, lambda: NOW).history("slack#C1/1700.1")
    assert [m.content for m in history] == ["question 1 from bob", "Happy to help, bob!",
                                            "question 3 from bob", "Happy to help, bob!"]
    assert data.export(data.person("slack", ADA))["records"] == {}
    assert store.query(VisitorLimits.partition(handoff_scope("slack"), ADA)) == []  # keyed by a hash of her id


def test_forget_a_github_contributor_by_numeric_id_with_their_login(store: Store) -> None:
    fill(store)
    before = aggregates(store)
    data = PersonalData(store)
    octo = data.person("github", "583231")
    assert octo.names == {"octo-ada"}
    assert len(data.export(octo)["records"]["contributions"]) == 4  # two records, each with its author pointer
    data.forget(octo)
    left = everything(store)
    assert "octo-ada" not in left and "583231" not in left and ADA_NAME in left
    assert aggregates(store) == before
    assert Contributions(store, lambda: NOW).of("github", "583231") == []
    assert [c["number"] for c in Contributions(store, lambda: NOW).of("github", "99")] == [10]  # Bob's stay
    assert AssigneeLoad(store).of("bobcat") == 1 and AssigneeLoad(store).of("octo-ada") == 0


def test_devrel_forget_and_export_at_the_edge_reach_the_onboarding_execution(tmp_path: Path) -> None:
    from devrel.runtime import build_services
    from devrel.settings import load_settings
    from devrel.usecases.onboarding import OnboardingConfig, start_onboarding

    data_dir = tmp_path / "edge"
    services = build_services(load_settings(mode="edge", data_dir=data_dir))
    fill(services.store)
    join = InboundEvent(platform="slack", kind="slack.team_join", delivery_id="Ev-join-2", intent=MemberJoined(),
                        reply_to=SlackAddress(team="T1"), actor=Actor(id=ADA, name=ADA_NAME))
    services.store.delete("onboarded#slack", ADA)  # so that this join starts a (waiting) onboarding
    assert start_onboarding(join, services.newcomers, services.workflows, "OnboardingStateMachine",
                            OnboardingConfig())
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}, "DEVREL_DATA_DIR": str(data_dir)}

    def devrel(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(DEVREL), *args], capture_output=True, text=True, env=env, timeout=120)

    exported = devrel("export", f"slack:{ADA}")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["names"] == [ADA_NAME]
    assert json.loads(exported.stdout)["interests"] == {"used": "none", "interests": [], "inferred": []}
    octo = json.loads(devrel("export", "github:583231").stdout)  # what is inferred from her GitHub account
    assert octo["interests"]["used"] == "inferred" and len(octo["records"]["contributions"]) == 4
    assert {(i["interest"], i["merged_pull_requests"], i["issues"]) for i in octo["interests"]["inferred"]} == \
        {("docs", 1, 0), ("documentation", 0, 1)}
    bad = devrel("forget", "myspace:ada")
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1 and "PLATFORM:ID" in bad.stderr
    forgot = devrel("forget", f"slack:{ADA}")
    assert forgot.returncode == 0, forgot.stderr
    assert "1 onboarding executions deleted" in forgot.stdout
    files = sorted(data_dir.glob("*.sqlite"))
    assert {"store.sqlite", "workflows.sqlite"} <= {db.name for db in files}
    for db in files:
        with sqlite3.connect(db) as conn:
            tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for row in conn.execute(f"SELECT * FROM {table}"):
                    text = json.dumps(row, default=str).lower()
                    assert ADA.lower() not in text and ADA_NAME not in text, (db.name, table, text[:300])


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [key for key in os.environ if key.startswith("DEVREL_")]:
        monkeypatch.delenv(name)
