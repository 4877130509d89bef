"""Onboarding steps with a recording platform (a fake; the platform adapters have their own tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.adapters.store_sqlite import SqliteStore
from devrel.events import Actor, InboundEvent, Reply
from devrel.ports import Item
from devrel.settings import load_settings
from devrel.usecases import onboarding


class RecordingPlatform:
    name = "slack"

    def __init__(self) -> None:
        self.posted: list[str] = []

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        self.posted.append(reply.text)
        return str(len(self.posted))


class FakeServices:
    def __init__(self, tmp_path: Path) -> None:
        self.now = 5_000.0
        self.store = SqliteStore(tmp_path / "store.sqlite")
        self.settings = load_settings(mode="edge", data_dir=tmp_path, project_repository="acme/widgets")
        self.platforms = {"slack": RecordingPlatform()}

    def clock(self) -> float:
        return self.now


@pytest.fixture
def services(tmp_path: Path) -> Any:
    return FakeServices(tmp_path)


def join(user: str = "U1", kind: str = "slack.team_join", **data: Any) -> InboundEvent:
    return InboundEvent(platform="slack", kind=kind, delivery_id=f"d-{user}", thread="C1",
                        actor=Actor(id=user, name=user.lower()), data=data)


def test_who_gets_onboarded() -> None:
    assert onboarding.starts_onboarding(join())
    first_pr = InboundEvent(platform="github", kind="github.pull_request.opened", delivery_id="d",
                            actor=Actor(id="1", name="newbie"), data={"author_association": "FIRST_TIME_CONTRIBUTOR"})
    assert onboarding.starts_onboarding(first_pr)
    regular = first_pr.model_copy(update={"data": {"author_association": "MEMBER"}})
    assert not onboarding.starts_onboarding(regular)
    bot = join().model_copy(update={"actor": Actor(id="B", name="bot", is_bot=True)})
    assert not onboarding.starts_onboarding(bot)


def test_each_contributor_is_claimed_once(services: Any) -> None:
    assert onboarding.claim_contributor(join(), services)
    assert not onboarding.claim_contributor(join(), services)
    assert onboarding.claim_contributor(join("U2"), services)


def test_welcome_then_nudge_once_then_stop(services: Any) -> None:
    state = onboarding.onboarding_input(join(), services)
    state["welcome"] = {"result": onboarding.run_onboarding_step({"step": "welcome", "input": state}, services)}
    assert "acme/widgets/contribute" in services.platforms["slack"].posted[0]
    progress = onboarding.check_progress(state, services)
    assert progress["next"] == "nudge"
    state["nudge"] = {"result": onboarding.nudge(state, services)}
    assert onboarding.check_progress(state, services)["next"] == "done"
    assert len(services.platforms["slack"].posted) == 2


def test_activity_after_the_welcome_ends_onboarding(services: Any) -> None:
    state = onboarding.onboarding_input(join(), services)
    state["welcome"] = {"result": {"welcomed_at": 5_000.0}}
    services.store.put(Item(pk="events#slack", sk="0000000005001.000000#x", data={"actor": "u1", "kind": "k"}))
    assert onboarding.check_progress(state, services)["next"] == "done"


def test_unknown_steps_and_bad_state_are_errors(services: Any) -> None:
    with pytest.raises(ValueError):
        onboarding.run_onboarding_step({"step": "welcome", "input": {}}, services)
    with pytest.raises(ValueError):
        onboarding.run_onboarding_step({"step": "party", "input": {"contributor": {}}}, services)
