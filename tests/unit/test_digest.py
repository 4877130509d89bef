from __future__ import annotations

from pathlib import Path

from devrel.events import Actor, DiscordAddress, InboundEvent, MemberJoined, Question, SlackAddress
from devrel.handlers.jobs import hourly_rollup, weekly_community_digest
from devrel.runtime import Services
from devrel.usecases.onboarding import Contributor
from support.fakes import FakeClock, RecordingPlatform, fake_services

NOW = 1_000_000.0


def services_for(tmp_path: Path, channel: str | None) -> Services:
    return fake_services(tmp_path, {"slack": RecordingPlatform()}, clock=FakeClock(NOW), digest_slack_channel=channel)


def log(services: Services, platform: str, kind: str, age: float) -> None:
    services.event_log.append(InboundEvent(platform=platform, kind=kind, delivery_id=f"d{age}",  # type: ignore[arg-type]
                                           received_at=NOW - age))


def test_the_digest_counts_only_the_last_week_and_posts_when_configured(tmp_path: Path) -> None:
    services = services_for(tmp_path, "C-digest")
    for age, kind in [(3600, "github.issues.opened"), (7200, "github.issues.opened"),
                      (8 * 86400, "github.issues.opened"), (60, "github.issue_comment.created")]:
        log(services, "github", kind, age)
    for user in ("U1", "U2"):  # both claimed, only U1's welcome was posted
        services.newcomers.claim(InboundEvent(platform="slack", kind="slack.team_join", delivery_id=f"j{user}",
                                              intent=MemberJoined(), actor=Actor(id=user)))
    services.newcomers.welcomed(Contributor(platform="slack", id="U1"), dry_run=False)
    result = weekly_community_digest({}, services)
    assert "github: 3 events" in result["text"] and "issues.opened x2" in result["text"]
    assert "newcomers welcomed: 1" in result["text"]
    slack = services.platforms["slack"]
    [(event, reply)] = slack.posted  # type: ignore[attr-defined]
    assert isinstance(event.reply_to, SlackAddress) and event.reply_to.channel == "C-digest"
    assert reply.text == result["text"]


def test_a_quiet_week_is_said_plainly_and_nothing_is_posted_without_a_channel(tmp_path: Path) -> None:
    services = services_for(tmp_path, None)
    assert "quiet week" in weekly_community_digest({}, services)["text"]
    assert services.platforms["slack"].posted == []  # type: ignore[attr-defined]


def test_the_hourly_roll_up_counts_the_last_hour_and_is_kept(tmp_path: Path) -> None:
    services = services_for(tmp_path, None)
    for age in (10, 20, 4000):
        log(services, "slack", "slack.app_mention", age)
    result = hourly_rollup({}, services)
    assert result["counts"] == {"slack": {"slack.app_mention": 2}}
    assert services.rollups.get(result["hour"]) == result["counts"]


def test_the_digest_reports_the_health_numbers_with_their_change_and_alerts(tmp_path: Path) -> None:
    services = fake_services(tmp_path, {"slack": RecordingPlatform(), "discord": RecordingPlatform("discord")},
                             clock=FakeClock(NOW), digest_slack_channel="C-digest", digest_discord_channel="D-9",
                             alert_unanswered_questions=1)
    for n in range(3):  # three questions a week ago, nobody answered
        services.event_log.append(InboundEvent(platform="discourse", kind="discourse.post_created",
                                               delivery_id=f"q{n}", thread=f"topic:{n}", intent=Question(),
                                               actor=Actor(id=f"u{n}", name=f"u{n}"), received_at=NOW - 3 * 86400))
    result = weekly_community_digest({}, services)
    text = result["text"]
    assert "active contributors:" in text and "questions waiting for an answer: 3" in text
    assert result["alerts"] and "over the threshold of 1" in result["alerts"][0]
    assert text.count(":warning:") == 1
    [(to_discord, _)] = services.platforms["discord"].posted  # type: ignore[attr-defined]
    assert isinstance(to_discord.reply_to, DiscordAddress) and to_discord.reply_to.channel == "D-9"
    assert set(result["posted"]) == {"slack", "discord"}


def test_the_digest_is_written_in_the_configured_language(tmp_path: Path) -> None:
    services = fake_services(tmp_path, {"slack": RecordingPlatform()}, clock=FakeClock(NOW),
                             digest_slack_channel="C-digest", alert_unanswered_questions=1, digest_language="fr")
    for n in range(2):
        services.event_log.append(InboundEvent(platform="discourse", kind="discourse.post_created",
                                               delivery_id=f"q{n}", thread=f"topic:{n}", intent=Question(),
                                               actor=Actor(id=f"u{n}", name=f"u{n}"), received_at=NOW - 3 * 86400))
    result = weekly_community_digest({}, services)
    text = result["text"]
    assert text.startswith("*Résumé hebdomadaire de la communauté*")
    assert "questions en attente de réponse: 2" in text and "discourse: 2 événements (post_created x2)" in text
    assert result["alerts"] == ["2 questions attendent une réponse, au-dessus du seuil de 1"]
    [(_, reply)] = services.platforms["slack"].posted  # type: ignore[attr-defined]
    assert reply.text == text and "waiting" not in text
    quiet = fake_services(tmp_path / "quiet", {}, clock=FakeClock(NOW), digest_language="de")
    assert weekly_community_digest({}, quiet)["text"].startswith("Wochenrückblick: eine ruhige Woche")
