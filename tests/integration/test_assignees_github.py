"""Assignees through the real GitHub adapter (PyGithub over HTTP) against a stand-in of GitHub's REST
API: who changed the mentioned paths (the commits API), GitHub's assignability check, the assignment."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from devrel.activity import ActivityLog
from devrel.adapters.git_history import GitPathAuthors
from devrel.adapters.issues_github import GithubIssueTracker
from devrel.adapters.outbound_github import GithubPlatform
from devrel.adapters.store_sqlite import SqliteStore
from devrel.usecases.assignees import AssigneeLoad
from devrel.usecases.triage_steps import IssueFacts, TriageSteps
from support.fakes import FakeClock, fake_services

NOW = 1_750_000_000.0


class Github:
    def __init__(self) -> None:
        self.commit_queries: list[dict[str, list[str]]] = []
        self.assigned: list[list[str]] = []

    def answer(self, got: Any) -> tuple[int, Any, dict[str, str]]:
        if got.path == "/repos/o/r/commits":
            self.commit_queries.append(got.query)
            if got.query["path"] == ["src/gone.py"]:
                return 404, {"message": "Not Found"}, {}
            authors = [{"login": "carol", "id": 3}, {"login": "carol", "id": 3}, None,
                       {"login": "renovate[bot]", "id": 9}]
            return 200, [{"sha": f"s{i}", "commit": {"message": "m"}, "author": author}
                         for i, author in enumerate(authors)], {}
        if got.path.startswith("/repos/o/r/assignees/"):
            return (204, b"", {}) if got.path.endswith("/carol") else (404, {"message": "Not Found"}, {})
        if got.path == "/repos/o/r/issues/5" and got.method == "GET":
            return 200, {"number": 5, "url": "/repos/o/r/issues/5", "state": "open", "title": "t"}, {}
        if got.path == "/repos/o/r/issues/5/assignees" and got.method == "POST":
            self.assigned.append(json.loads(got.body)["assignees"])
            return 201, {"number": 5, "state": "open", "title": "t"}, {}
        if got.path == "/repos/o/r/issues/5/comments" and got.method == "POST":
            return 201, {"id": 1, "body": json.loads(got.body)["body"]}, {}
        return 404, {"message": f"no {got.method} {got.path}"}, {}


def test_recent_changers_are_found_checked_and_assigned(stand_in_server: Any, tmp_path: Any) -> None:
    github = Github()
    tracker = GithubIssueTracker(GithubPlatform(stand_in_server(github.answer), token="ghp_assign"))
    assert tracker.path_authors("o/r", ["src/net.py", "src/gone.py"], NOW) == {"carol": 2}
    assert github.commit_queries[0]["since"] == ["2025-06-15T15:06:40Z"]
    assert tracker.can_be_assigned("o/r", "carol") and not tracker.can_be_assigned("o/r", "mallory")

    store = SqliteStore(tmp_path / "store.sqlite")
    activity = ActivityLog(store)
    steps = TriageSteps(store, lambda: NOW, tracker, classifier=lambda: None,  # type: ignore[arg-type,return-value]
                        duplicates=lambda issue, past: [], activity=activity, load=AssigneeLoad(store))
    issue = IssueFacts(repository="o/r", number=5, title="Slow", body="Slow in `src/net.py`.", author="alice")
    state: dict[str, Any] = {"issue": issue.model_dump(), "config": {"assign": "apply"}}
    state["analysis"] = {"result": steps.analyze(state)}
    state["assignees"] = {"result": steps.suggest_assignees(state)}
    assert state["assignees"]["result"]["assignees"] == ["carol"]
    steps.act(state)
    assert github.assigned == [["carol"]]
    assert [(a.kind, a.status) for a in activity.latest()][::-1] == [("comment", "posted"), ("assign", "posted")]


def git(checkout: Path, *args: str, at: float = NOW, email: str = "dev@example.com", name: str = "Dev") -> None:
    stamp = f"@{int(at)} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_NAME": name,
           "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
    subprocess.run(["git", "-C", str(checkout), *args], check=True, capture_output=True, env=env)


def commit(checkout: Path, path: str, at: float, email: str, name: str = "Dev") -> None:
    file = checkout / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(f"{file.read_text() if file.exists() else ''}{at} {email}\n")
    git(checkout, "add", path, at=at, email=email, name=name)
    git(checkout, "commit", "-q", "-m", f"change {path}", at=at, email=email, name=name)


class GithubWithCommits(Github):
    """The stand-in, also answering one commit's author (what a clone cannot tell)."""

    def __init__(self, logins: dict[str, str]) -> None:
        super().__init__()
        self.logins = logins  # sha -> login
        self.commit_lookups: list[str] = []

    def answer(self, got: Any) -> tuple[int, Any, dict[str, str]]:
        if got.path.startswith("/repos/o/r/commits/"):
            sha = got.path.rsplit("/", 1)[1]
            self.commit_lookups.append(sha)
            login = self.logins.get(sha)
            return 200, {"sha": sha, "commit": {"message": "m"},
                         "author": {"login": login, "id": 7} if login else None}, {}
        return super().answer(got)


def test_a_local_clone_names_who_changed_the_files_without_the_commits_api(stand_in_server: Any,
                                                                           tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    clone.mkdir()
    git(clone, "init", "-q")
    day = 86400.0
    commit(clone, "src/net.py", NOW - 300 * day, "old@users.noreply.github.com", "Old")  # not recent
    commit(clone, "src/net.py", NOW - 10 * day, "12345+carol@users.noreply.github.com", "Carol")
    commit(clone, "src/net.py", NOW - 9 * day, "dave@corp.example", "Dave")
    commit(clone, "src/net.py", NOW - 8 * day, "Dave@corp.example", "Dave")  # the same address, once asked
    commit(clone, "src/net.py", NOW - 7 * day, "ci@example.com", "renovate[bot]")
    commit(clone, "src/other.py", NOW - 5 * day, "erin@users.noreply.github.com", "Erin")  # another file
    shas = subprocess.run(["git", "-C", str(clone), "log", "--format=%H %aE"], capture_output=True, text=True,
                          check=True).stdout.split("\n")
    dave = {line.split()[0]: "dave" for line in shas if "corp.example" in line.lower()}
    github = GithubWithCommits(dave)
    tracker = GithubIssueTracker(GithubPlatform(stand_in_server(github.answer), token="ghp_assign"))
    local = GitPathAuthors(clone, lambda sha: tracker.commit_login("o/r", sha))

    store = SqliteStore(tmp_path / "store.sqlite")
    steps = TriageSteps(store, lambda: NOW, tracker, classifier=lambda: None,  # type: ignore[arg-type,return-value]
                        duplicates=lambda issue, past: [], activity=ActivityLog(store), load=AssigneeLoad(store),
                        local_history=lambda repository: local if repository == "o/r" else None)
    issue = IssueFacts(repository="o/r", number=5, title="Slow", body="Slow in `src/net.py`.", author="alice")
    state: dict[str, Any] = {"issue": issue.model_dump(), "config": {"assign": "suggest"}}
    state["analysis"] = {"result": steps.analyze(state)}
    details = steps.suggest_assignees(state)["details"]
    assert {d["login"]: d["reasons"] for d in details} == {
        "dave": ["changed these files recently (2 commits)"], "carol": ["changed these files recently (1 commits)"]}
    assert github.commit_queries == []  # no commits API call per path
    assert len(github.commit_lookups) == 1 and local.lookups == 1  # one address, asked once

    # A path from the issue's text is literal: a glob or pathspec magic matches nothing.
    assert local.path_authors("o/r", ["src/*", ":(glob)**"], NOW - 90 * day) == {}
    # A clone that is gone: the commits API answers instead.
    broken = GitPathAuthors(tmp_path / "missing")
    steps = TriageSteps(store, lambda: NOW, tracker, classifier=lambda: None,  # type: ignore[arg-type,return-value]
                        duplicates=lambda issue, past: [], activity=ActivityLog(store), load=AssigneeLoad(store),
                        local_history=lambda repository: broken)
    assert [d["login"] for d in steps.suggest_assignees(state)["details"]] == ["carol"]
    assert github.commit_queries


def test_the_runtime_reads_the_configured_clone_of_the_project_only(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    clone.mkdir()
    git(clone, "init", "-q")
    commit(clone, "src/net.py", NOW - 86400.0, "carol@users.noreply.github.com", "Carol")
    services = fake_services(tmp_path / "data", clock=FakeClock(NOW), project_repository="o/r",
                             project_checkout=clone)
    local = services.local_path_authors("o/r")
    assert isinstance(local, GitPathAuthors)
    assert local.path_authors("o/r", ["src/net.py"], NOW - 90 * 86400.0) == {"carol": 1}
    assert services.local_path_authors("o/other") is None  # another repository: its clone is not this one
    assert fake_services(tmp_path / "none", project_repository="o/r").local_path_authors("o/r") is None


def test_a_busy_file_asks_github_about_a_few_addresses_at_a_time_the_most_active_first(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    clone.mkdir()
    git(clone, "init", "-q")
    for person in range(7):
        for n in range(person + 1):  # person 6 made the most commits
            commit(clone, "src/busy.py", NOW - 86400.0 * (20 - person) + n, f"p{person}@corp.example")
    asked: list[str] = []
    emails = {line.split()[0]: line.split()[1] for line in subprocess.run(
        ["git", "-C", str(clone), "log", "--format=%H %aE"], capture_output=True, text=True, check=True
    ).stdout.splitlines()}

    def login_of(sha: str) -> str:
        asked.append(emails[sha])
        return emails[sha].split("@")[0]

    local = GitPathAuthors(clone, login_of)
    first = local.path_authors("o/r", ["src/busy.py"], NOW - 90 * 86400.0)
    assert first == {"p6": 7, "p5": 6, "p4": 5, "p3": 4, "p2": 3}
    assert len(asked) == 5
    assert len(local.path_authors("o/r", ["src/busy.py"], NOW - 90 * 86400.0)) == 7  # the rest, next time
    assert len(asked) == 7  # and nobody asked twice
