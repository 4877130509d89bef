from __future__ import annotations

from pathlib import Path
from typing import Any

from devrel.adapters.store_sqlite import SqliteStore
from devrel.events import InboundEvent, Reply
from devrel.ports import Item
from devrel.settings import load_settings
from devrel.usecases.digest import weekly_digest


class RecordingSlack:
    name = "slack"

    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        self.posted.append((event.data["channel"], reply.text))
        return "1"


class FakeServices:
    def __init__(self, tmp_path: Path, channel: str | None) -> None:
        self.store = SqliteStore(tmp_path / "s.sqlite")
        self.settings = load_settings(mode="edge", data_dir=tmp_path, digest_slack_channel=channel)
        self.platforms: dict[str, Any] = {"slack": RecordingSlack()}

    def clock(self) -> float:
        return 1_000_000.0


def test_the_digest_counts_only_the_last_week_and_posts_when_configured(tmp_path: Path) -> None:
    services = FakeServices(tmp_path, "C-digest")
    for age, kind in [(3600, "github.issues.opened"), (7200, "github.issues.opened"),
                      (8 * 86400, "github.issues.opened"), (60, "github.issue_comment.created")]:
        services.store.put(Item(pk="events#github", sk=f"{1_000_000.0 - age:017.6f}#d{age}", data={"kind": kind}))
    services.store.put(Item(pk="onboarded#slack", sk="U1", data={"at": 999_000.0}))
    result = weekly_digest({}, services)
    assert "github: 3 events" in result["text"] and "issues.opened x2" in result["text"]
    assert "newcomers welcomed: 1" in result["text"]
    assert services.platforms["slack"].posted == [("C-digest", result["text"])]


def test_a_quiet_week_is_said_plainly_and_nothing_is_posted_without_a_channel(tmp_path: Path) -> None:
    services = FakeServices(tmp_path, None)
    assert "quiet week" in weekly_digest({}, services)["text"]
    assert services.platforms["slack"].posted == []


def test_the_hourly_roll_up_counts_the_last_hour_and_is_kept(tmp_path: Path) -> None:
    from devrel.usecases.analytics import roll_up

    services = FakeServices(tmp_path, None)
    for age in (10, 20, 4000):
        services.store.put(Item(pk="events#slack", sk=f"{1_000_000.0 - age:017.6f}#d{age}",
                                data={"kind": "slack.app_mention"}))
    result = roll_up({}, services)
    assert result["counts"] == {"slack": {"slack.app_mention": 2}}
    assert services.store.get("rollup#hourly", f"{result['hour']:012d}").data["counts"] == result["counts"]
