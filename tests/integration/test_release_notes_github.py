"""Release notes with GitHub's view, PyGithub over real HTTP to a stand-in of the API: a clone whose
origin is on GitHub gets its pull requests' titles, labels, authors and first-timer flags; OWNER/NAME
alone reads the range from the compare API, the previous release from the tags."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from devrel.cli import main


def git(repo: Path, *args: str, author: str = "Alice") -> str:
    env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author.lower()}@example.org",
           "GIT_COMMITTER_NAME": "CI", "GIT_COMMITTER_EMAIL": "ci@example.org", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env,
                          check=True).stdout.strip()


def pull(number: int, title: str, merge_sha: str, labels: list[str], login: str, association: str,
         body: str = "") -> dict[str, Any]:
    return {"number": number, "title": title, "body": body, "labels": [{"name": n} for n in labels],
            "user": {"login": login, "type": "User"}, "author_association": association,
            "html_url": f"https://github.com/o/r/pull/{number}", "merge_commit_sha": merge_sha,
            "merged_at": "2026-11-30T10:00:00Z", "updated_at": "2099-01-01T00:00:00Z", "state": "closed"}


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    repo = tmp_path / "r"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    git(repo, "remote", "add", "origin", "git@github.com:o/r.git")
    (repo / "r.py").write_text("A = 1\n")
    git(repo, "add", "r.py")
    git(repo, "commit", "-qm", "Initial")
    git(repo, "tag", "v1")
    (repo / "r.py").write_text("A = 2\n")
    git(repo, "commit", "-qam", "Make A two (#7)", author="Zoe")
    (repo / "r.py").write_text("A = 3\n")
    git(repo, "commit", "-qam", "Tweak the retry loop (#8)", author="Bob")
    return repo


def test_a_github_clone_gets_its_pull_requests(clone: Path, stand_in_server: Any, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    shas = git(clone, "log", "--format=%H", "v1..HEAD").split()
    pulls = [pull(8, "Retry with backoff on 503 @everyone", shas[0], ["enhancement"], "bob", "CONTRIBUTOR",
                  "Closes #3"),
             pull(7, "Make A two", shas[1], ["bug"], "zoe", "FIRST_TIME_CONTRIBUTOR")]
    seen: list[str] = []

    def answer(got: Any) -> tuple[int, Any, dict[str, str]]:
        seen.append(got.path)
        if got.path == "/repos/o/r/pulls":
            return 200, pulls, {}
        return 404, {"message": "Not Found"}, {}

    monkeypatch.setenv("DEVREL_GITHUB_TOKEN", "ghp_release")
    monkeypatch.setenv("DEVREL_GITHUB_API_URL", stand_in_server(answer))
    assert main(["release-notes", "--repo", str(clone), "--from", "v1", "--data-dir", str(tmp_path / "d"),
                 "--no-llm"]) == 0
    notes = capsys.readouterr().out
    assert seen == ["/repos/o/r/pulls"]  # both found in one listing page: no call per pull request
    assert notes.startswith("# o/r HEAD")
    assert f"- Retry with backoff on 503 @\u2060everyone ([#8](https://github.com/o/r/pull/8), " \
           f"[{shas[0][:7]}](https://github.com/o/r/commit/{shas[0]}))" in notes
    assert notes.index("## Features") < notes.index("## Bug fixes") < notes.index("Make A two")
    assert "Thanks to @bob, @zoe." in notes and "First contributions from @zoe: welcome!" in notes


def test_owner_name_alone_reads_the_compare_api(stand_in_server: Any, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    def commit(sha: str, message: str, login: str) -> dict[str, Any]:
        return {"sha": sha, "commit": {"message": message, "author": {"name": login, "email": f"{login}@x.org",
                                                                      "date": "2026-11-30T10:00:00Z"}},
                "author": {"login": login, "type": "User"}, "parents": [{"sha": "p"}]}

    commits = [commit("a" * 40, "fix: parse empty headers (#11)", "dan"),
               commit("b" * 40, "docs: explain retries", "eve")]

    seen: list[str] = []

    def answer(got: Any) -> tuple[int, Any, dict[str, str]]:
        seen.append(got.path)
        base = f"http://{got.headers['host']}/repos/o/r"
        if got.path == "/repos/o/r/tags":
            return 200, [{"name": "v2", "commit": {"sha": "c" * 40}}, {"name": "v1", "commit": {"sha": "d" * 40}}], {}
        if got.path in ("/repos/o/r/compare/v1...v2", "/repos/o/r/compare/v2...v2"):
            ahead = got.path.endswith("v1...v2")
            return 200, {"url": f"{base}/compare/{got.path.rsplit('/', 1)[1]}", "status": "ahead" if ahead
                         else "identical", "ahead_by": 2 if ahead else 0, "behind_by": 0,
                         "total_commits": 2 if ahead else 0, "commits": commits if ahead else [], "files": []}, {}
        if got.path == "/repos/o/r/compare/v9...v2":
            return 404, {"message": "Not Found"}, {}
        if got.path == "/repos/o/r/pulls":
            return 200, [], {}
        if got.path == "/repos/o/r/pulls/11":
            return 200, pull(11, "Parse empty headers", "a" * 40, ["bug"], "dan", "MEMBER"), {}
        return 404, {"message": "Not Found"}, {}

    monkeypatch.setenv("DEVREL_GITHUB_API_URL", stand_in_server(answer))
    monkeypatch.delenv("DEVREL_GITHUB_TOKEN", raising=False)
    assert main(["release-notes", "--repo", "o/r", "--to", "v2", "--data-dir", str(tmp_path), "--no-llm"]) == 0
    notes = capsys.readouterr().out
    assert notes.startswith("# o/r v2")
    assert "- Parse empty headers ([#11](https://github.com/o/r/pull/11)" in notes
    assert "- Explain retries ([bbbbbbb](https://github.com/o/r/commit/" in notes
    assert not any("/commits/" in path for path in seen)  # the compare answer is enough: no call per commit
    with pytest.raises(SystemExit, match="unknown ref 'v9' or 'v2' in o/r"):
        main(["release-notes", "--repo", "o/r", "--from", "v9", "--to", "v2", "--data-dir", str(tmp_path)])


def test_an_unreachable_api_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVREL_GITHUB_API_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.delenv("DEVREL_GITHUB_TOKEN", raising=False)
    with pytest.raises(SystemExit) as stopped:
        main(["release-notes", "--repo", "o/r", "--from", "v1", "--to", "v2", "--data-dir", str(tmp_path)])
    message = str(stopped.value)
    assert message.startswith("release-notes: github: ") and "\n" not in message
