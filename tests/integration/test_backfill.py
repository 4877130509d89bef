"""`devrel backfill` from a real git clone and from a GitHub API stand-in over HTTP (PyGithub as the client),
then `devrel health` on what was loaded."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devrel.cli import main


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user(login: str, number: int, kind: str = "User") -> dict[str, Any]:
    return {"login": login, "id": number, "type": kind}


@pytest.fixture
def github_api(stand_in_server: Any) -> tuple[str, list[str]]:
    now = time.time()
    issues = [
        {"number": 1, "title": "Crash on save", "body": "It crashes", "user": user("alice", 1), "comments": 2,
         "created_at": iso(now - 5 * 86400), "closed_at": iso(now - 4 * 86400), "state": "closed",
         "state_reason": "completed", "labels": [], "html_url": "https://github.com/o/r/issues/1",
         "pull_request": None},
        {"number": 2, "title": "Fix the crash", "body": "", "user": user("bob", 2), "comments": 0,
         "created_at": iso(now - 3 * 86400), "closed_at": iso(now - 2 * 86400), "state": "closed",
         "html_url": "https://github.com/o/r/pull/2",
         "pull_request": {"url": "x", "html_url": "y", "merged_at": iso(now - 2 * 86400)}},
    ]
    comments = [{"id": 11, "body": "Can you share the version?", "user": user("carol", 3),
                 "created_at": iso(now - 5 * 86400 + 7200)},
                {"id": 12, "body": "Stale bot says hi", "user": user("stale[bot]", 4, "Bot"),
                 "created_at": iso(now - 5 * 86400 + 9000)}]
    seen: list[str] = []

    def answer(got: Any) -> tuple[int, Any, dict[str, str]]:
        seen.append(got.path)
        if got.path == "/repos/o/r/issues":
            base = f"http://{got.headers['host']}/repos/o/r/issues"
            return 200, [{**issue, "url": f"{base}/{issue['number']}"} for issue in issues], {}
        if got.path == "/repos/o/r/issues/1/comments":
            return 200, comments, {}
        return 404, {"message": "Not Found"}, {}

    return stand_in_server(answer), seen


def test_issues_and_pull_requests_become_health_numbers(
        github_api: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    url, seen = github_api
    monkeypatch.setenv("DEVREL_GITHUB_TOKEN", "ghp_backfill")
    monkeypatch.setenv("DEVREL_GITHUB_API_URL", url)
    assert main(["backfill", "--github", "o/r", "--data-dir", str(tmp_path)]) == 0
    assert "/repos/o/r/issues" in seen and "/repos/o/r/issues/2/comments" not in seen  # no comments: no call
    # The issue (not the pull request) went into triage's duplicate index too.
    assert "o/r: 1 issues in the duplicate index (0 marked as duplicates)" in capsys.readouterr().out
    assert main(["health", "--data-dir", str(tmp_path), "--weeks", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = [row for row in report["weeks"] if row["conversations_opened"]]
    assert sum(row["conversations_opened"] for row in rows) == 2
    responses = [row["first_response_hours_p50"] for row in rows if row["first_response_hours_p50"] is not None]
    assert responses == [2.0]  # carol, two hours after alice; the bot's comment is not a response
    closes = sorted(row["time_to_close_hours_p50"] for row in report["weeks"] if row["time_to_close_hours_p50"])
    assert closes and set(closes) == {24.0}  # both closed a day after they opened
    assert {row["name"] for row in report["leaderboard"]} >= {"bob"}  # the merged pull request


def test_a_clone_is_read_for_the_bus_factor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "clone"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print(1)\nprint(2)\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=Ann", "-c", "user.email=a@x", "-c",
                    "commit.gpgsign=false", "commit", "-qm", "first"], check=True)
    data = tmp_path / "data"
    assert main(["backfill", str(repo), "--repo", "o/r", "--data-dir", str(data)]) == 0
    assert "1 commits" in capsys.readouterr().out


def test_backfill_without_a_source_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="give a local clone"):
        main(["backfill", "--data-dir", str(tmp_path)])
