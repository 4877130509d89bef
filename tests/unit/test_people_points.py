"""Points follow the person: the health report counts the accounts a person linked as one, under their
GitHub login (which their commits carry)."""

from __future__ import annotations

from pathlib import Path

from devrel.events import Actor, GithubAddress, InboundEvent, Question, SlackAddress
from devrel.records import CommitLog, EventLog, People
from support.fakes import FakeClock, fake_services

NOW = 1_800_000_000.0


def said(platform: str, who: str, name: str, kind: str, thread: str, at: float, question: bool = False
         ) -> InboundEvent:
    address = SlackAddress(team="T1", channel="C1") if platform == "slack" else GithubAddress(repository="acme/w")
    return InboundEvent(platform=platform, kind=kind, delivery_id=f"{who}-{at}", thread=thread,  # type: ignore[arg-type]
                        actor=Actor(id=who, name=name), received_at=at, reply_to=address,
                        **({"intent": Question()} if question else {}))


def test_a_linked_persons_points_are_counted_once_under_their_github_login(tmp_path: Path) -> None:
    services = fake_services(tmp_path, clock=FakeClock(NOW), project_repository="acme/w")
    events = EventLog(services.store)
    events.append(said("slack", "U0BOB", "bob", "slack.app_mention", "T1:C1:1", NOW - 3600, question=True))
    events.append(said("slack", "U0ADA", "ada.slack", "slack.message.thread", "T1:C1:1", NOW - 3000))
    events.append(said("github", "583231", "octo-ada", "github.pull_request.merged", "acme/w#3", NOW - 2000))
    CommitLog(services.store).add("acme/w", "abc", "octo-ada", NOW - 1000, {"src/a.py": 3})

    def board() -> dict[str, int]:
        return {row["name"]: row["points"] for row in services.health(repository="acme/w")["leaderboard"]}

    apart = board()
    assert apart["ada.slack"] > 0 and apart["octo-ada"] > 0
    People(services.store, services.clock).link(("slack", "U0ADA"), ("github", "583231"))
    together = board()
    assert "ada.slack" not in together and together["octo-ada"] == apart["octo-ada"] + apart["ada.slack"]
    assert together.get("bob") == apart.get("bob")
