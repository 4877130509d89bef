"""Community-health metrics on a small, hand-checkable history."""

from __future__ import annotations

import subprocess
from pathlib import Path

from devrel.health.metrics import (
    DAY,
    HOUR,
    Commit,
    bus_factor,
    conversations,
    leaderboard,
    onboarding_weekly,
    week_of,
    weekly,
)
from devrel.health.report import docs_gap_groups
from devrel.records import LoggedEvent
from devrel.runtime import git_history
from support.fakes import FakeClock, fake_services

NOW = 1_764_000_000.0  # a Monday-independent instant; weeks are computed, not assumed


def ev(at: float, kind: str, actor: str, intent: str = "activity", thread: str = "o/r#1", platform: str = "github",
       delivery: str = "", sentiment: float | None = None) -> LoggedEvent:
    return LoggedEvent(at, kind, actor, actor, platform, thread, intent, delivery or f"{kind}-{at}", sentiment)


def test_first_response_and_close_are_measured_per_conversation() -> None:
    t0 = NOW - 3 * DAY
    events = [ev(t0, "github.issues.opened", "alice", "issue_opened"),
              ev(t0 + HOUR, "github.issue_comment.created", "alice"),  # the author again: not a response
              ev(t0 + 2 * HOUR, "github.issue_comment.created", "bob"),
              ev(t0 + 10 * HOUR, "github.issues.closed", "bob")]
    [talk] = conversations(events)
    assert talk.first_response is not None and talk.first_response.actor == "bob"
    assert talk.closed_at == t0 + 10 * HOUR
    row = next(r for r in weekly(events, [], NOW, 2) if r["week"] == week_of(t0))
    assert row["first_response_hours_p50"] == 2.0 and row["time_to_close_hours_p50"] == 10.0


def test_questions_without_any_answer_after_two_days_are_unanswered() -> None:
    t0 = NOW - 3 * DAY
    events = [ev(t0, "slack.app_mention", "u1", "question", "T:C:1", "slack", delivery="q1"),
              ev(t0 + 60, "slack.app_mention", "u2", "question", "T:C:2", "slack", delivery="q2"),
              ev(NOW - HOUR, "slack.app_mention", "u3", "question", "T:C:3", "slack", delivery="q3")]
    rows = {r["week"]: r for r in weekly(events, [], NOW, 2, answered_runs=frozenset({"q2"}))}
    old = rows[week_of(t0)]
    assert old["questions"] >= 2 and old["answered_by_assistant"] == 1
    assert old["unanswered_questions"] == 1  # q1; q3 is too recent to count, q2 the assistant answered


def test_newcomers_activity_and_retention() -> None:
    first = NOW - 100 * DAY
    events = [ev(first, "github.issues.opened", "newbie", "issue_opened", "o/r#9"),
              ev(first + 10 * DAY, "github.issue_comment.created", "newbie", thread="o/r#9"),
              ev(first, "github.issues.opened", "drifter", "issue_opened", "o/r#10")]
    row = next(r for r in weekly(events, [], NOW, 16) if r["week"] == week_of(first))
    assert row["new_contributors"] == 2 and row["active_contributors"] == 2
    assert row["retention_30d"] == 0.5 and row["retention_90d"] == 0.5


def test_sentiment_is_averaged_per_week() -> None:
    events = [ev(NOW - HOUR, "slack.app_mention", "a", sentiment=0.8), ev(NOW - HOUR, "x", "b", sentiment=-0.6)]
    current = weekly(events, [], NOW, 1)[-1]
    assert current["sentiment_mean"] == 0.1 and current["negative_share"] == 0.5


def test_bus_factor_counts_the_fewest_authors_covering_half_and_skips_lock_files() -> None:
    commits = [Commit("1", "ann", NOW - DAY, {"src/a.py": 60, "docs/x.md": 40, "uv.lock": 9000}),
               Commit("2", "ben", NOW - DAY, {"src/b.py": 40, "docs/y.md": 40}),
               Commit("3", "cat", NOW - DAY, {"docs/z.md": 20}),
               Commit("4", "old", NOW - 400 * DAY, {"src/c.py": 1000})]
    areas = {a["area"]: a for a in bus_factor(commits, NOW - 365 * DAY)}
    assert areas["src"]["bus_factor"] == 1 and areas["src"]["authors"] == ["ann"]
    assert areas["docs"]["bus_factor"] == 2
    assert "(root)" not in areas


def test_the_leaderboard_counts_merges_answers_and_docs_and_respects_opt_outs() -> None:
    events = [ev(NOW - DAY, "github.pull_request.merged", "ann", thread="o/r#3"),
              ev(NOW - 2 * DAY, "discourse.post_created", "q", "question", "topic:1", "discourse"),
              ev(NOW - DAY, "discourse.post_created", "ben", "question", "topic:1", "discourse")]
    commits = [Commit("1", "cat", NOW - DAY, {"docs/guide.md": 3})]
    board = {row["name"]: row["points"] for row in leaderboard(events, commits, NOW - 30 * DAY)}
    assert board == {"ann": 10, "cat": 6, "ben": 2}
    assert "ann" not in {r["name"] for r in leaderboard(events, commits, NOW - 30 * DAY, opted_out=["ANN"])}


def test_docs_gaps_are_grouped_by_the_nearest_page() -> None:
    gaps = [{"question": "how to set the timeout?", "pages": ["https://x/docs/config.md#L3"]},
            {"question": "timeout for requests?", "pages": ["https://x/docs/config.md#L9", "https://x/faq.md"]},
            {"question": "what is love?", "pages": []}]
    groups = docs_gap_groups(gaps)
    assert groups[0]["topic"] == "config.md" and groups[0]["count"] == 2
    assert groups[1]["topic"] == "(nothing close in the docs)"


def test_a_real_git_history_is_read_and_reported(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=a@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "docs").mkdir()
    (repo / "docs" / "guide.md").write_text("one\ntwo\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "-c", "user.name=Ann", "commit", "-qm", "docs"], check=True)
    (repo / "app.py").write_text("print(1)\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "-c", "user.name=Ben", "commit", "-qm", "code"], check=True)
    commits = list(git_history(repo).commits(0))
    assert [(c.author, c.files) for c in commits] == [("Ben", {"app.py": 1}), ("Ann", {"docs/guide.md": 2})]
    services = fake_services(tmp_path / "data", clock=FakeClock(commits[0].at + HOUR), project_repository="o/r")
    from devrel.records import CommitLog

    for commit in commits:
        CommitLog(services.store).add("o/r", commit.sha, commit.author, commit.at, commit.files)
    report = services.health(weeks=2)
    assert {a["area"] for a in report["bus_factor"]} == {"docs", "(root)"}
    assert {row["name"] for row in report["leaderboard"]} == {"Ann", "Ben"}
    assert report["current"]["active_contributors"] == 2


def test_onboarding_counts_welcomes_by_week_and_who_came_back_after_theirs() -> None:
    now = 1_700_000_000.0
    week, last_week = now - 1 * DAY, now - 8 * DAY
    welcomed = [("slack", "U1", week), ("slack", "U2", week), ("github", "7", last_week), ("discord", "U1", week)]
    events = [ev(week + HOUR, "slack.message.thread", "U1", platform="slack"),  # came back
              ev(week - HOUR, "slack.team_join", "U2", platform="slack"),  # the join itself, before the welcome
              ev(last_week + 2 * DAY, "github.pull_request.opened", "7"),
              ev(week + HOUR, "slack.message", "U1", platform="telegram")]  # the same id elsewhere
    rows = onboarding_weekly(welcomed, events, nudged=[week + HOUR], first_merges=[last_week + DAY], now=now, weeks=3)
    assert [row["week"] for row in rows] == [week_of(now - 14 * DAY), week_of(last_week), week_of(now)]
    assert [(r["welcomed"], r["came_back"], r["nudged"], r["first_merged_prs"]) for r in rows] == [
        (0, 0, 0, 0), (1, 1, 0, 1), (3, 1, 1, 0)]
