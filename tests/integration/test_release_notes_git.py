"""`devrel release-notes` on a real git repository made here: merges of pull requests, a squash, a
revert that cancels, a dependency bump, a co-author, a public API break with no label, a newcomer; and
the bad inputs (unknown ref, empty range, no tags, a force-pushed tag) ending in one line, non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devrel.cli import main

DEVREL = Path(sys.executable).with_name("devrel")


def git(repo: Path, *args: str, author: str = "Alice") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author.lower()}@example.org",
           "GIT_COMMITTER_NAME": "CI", "GIT_COMMITTER_EMAIL": "ci@example.org"}
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


def write(repo: Path, path: str, text: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)
    git(repo, "add", path)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("release") / "proj"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    write(repo, "proj/__init__.py", "")
    write(repo, "proj/net.py", "def connect(host, port=80):\n    return host\n")
    git(repo, "commit", "-qm", "Initial import")
    git(repo, "tag", "v1.0")
    # A pull request merged with a merge commit.
    git(repo, "checkout", "-qb", "feature")
    write(repo, "proj/cli.py", "def main():\n    pass\n")
    git(repo, "commit", "-qm", "feat(cli): add a --json flag", author="Bob")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "--no-ff", "-q", "feature", "-m", "Merge pull request #4 from bob/feature\n\nAdd a --json flag")
    # A squashed pull request that breaks the API without saying so.
    write(repo, "proj/net.py", "def connect(host, port):\n    return host\n")
    git(repo, "commit", "-qm", "Tidy the connection code (#5)")
    # A change and its revert: nothing for the notes.
    write(repo, "proj/cache.py", "CACHE = {}\n")
    git(repo, "commit", "-qm", "Cache the lookups")
    reverted = git(repo, "rev-parse", "HEAD")
    git(repo, "revert", "--no-edit", reverted)
    write(repo, "proj/net.py", "def connect(host, port):\n    return host or 'localhost'\n")
    git(repo, "commit", "-qm", "fix: crash on an empty host @everyone\n\nCo-authored-by: Carol <carol@example.org>",
        author="Dana")
    write(repo, "requirements.txt", "requests==2.32.0\n")
    git(repo, "commit", "-qm", "Bump requests from 2.31.0 to 2.32.0", author="dependabot[bot]")
    write(repo, "tests/test_net.py", "def test_x():\n    pass\n")
    git(repo, "commit", "-qm", "Cover connect with tests")
    git(repo, "tag", "v1.1")
    return repo


def notes(repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str) -> str:
    assert main(["release-notes", "--repo", str(repo), "--from", "v1.0", "--to", "v1.1", "--data-dir", str(tmp_path),
                 "--no-llm", *extra]) == 0
    return capsys.readouterr().out


def test_external_notes_from_a_clone(repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = notes(repo, capsys, tmp_path)
    short = {subject: git(repo, "log", "-1", "--format=%H", "-F", f"--grep={subject}", "v1.1")[:7]
             for subject in ("feat(cli)", "Tidy the connection", "fix: crash")}
    assert text.startswith("# proj v1.1\n")
    breaking = text[text.index("## Breaking changes"):text.index("## Features")]
    assert f"- Tidy the connection code (#5, {short['Tidy the connection']})" in breaking
    assert "Upgrade: `proj.net.connect` parameter `port` is now required" in breaking
    assert "- Add a --json flag (#4" in text
    assert f"- Crash on an empty host @\u2060everyone ({short['fix: crash']})" in text
    assert "Cache the lookups" not in text and "requests" not in text and "Cover connect" not in text
    assert "@everyone" not in text
    thanks = text[text.index("## Contributors"):]
    assert {"Alice", "Bob", "Carol", "Dana"} <= set(thanks.replace(",", " ").replace(".", " ").split())
    assert "dependabot" not in thanks
    newcomers = thanks.split("First contributions from ")[1].split(":")[0]
    assert set(newcomers.split(", ")) == {"Bob", "Dana"}  # the authors of commits, not who merged them
    for line in text.splitlines():
        assert not line.startswith("- ") or line.endswith(")"), line  # every bullet cites


def test_internal_notes_list_everything_and_missing_docs(repo: Path, capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    text = notes(repo, capsys, tmp_path, "--audience", "internal")
    assert "Cover connect with tests" in text and "## Routine" in text and "Bump requests" in text
    assert "## Missing docs" in text and "Cache the lookups" not in text
    assert "[api]" in text  # why the tidy-up is breaking


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "v0.9", "--to", "v1.1"], "unknown ref 'v0.9'"),
    (["--from", "v1.1", "--to", "v1.1"], "no commits between 'v1.1' and 'v1.1'"),
    (["--from", "v1.1", "--to", "v1.0"], "'v1.1' is not an ancestor of 'v1.0'"),
])
def test_bad_ranges_say_one_line(repo: Path, tmp_path: Path, args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["release-notes", "--repo", str(repo), "--data-dir", str(tmp_path), "--no-llm", *args])
    assert message in str(stopped.value) and "\n" not in str(stopped.value)


def test_no_tags_and_a_force_pushed_tag_through_the_command(tmp_path: Path) -> None:
    repo = tmp_path / "untagged"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    write(repo, "a.py", "A = 1\n")
    git(repo, "commit", "-qm", "one")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
    run = [str(DEVREL), "release-notes", "--repo", str(repo), "--data-dir", str(tmp_path / "data"), "--no-llm"]
    done = subprocess.run(run, capture_output=True, text=True, env=env, check=False)
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.strip().endswith("has no tags: give --from (the previous release)")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    # v1 moved to a commit on another branch (force-pushed): not an ancestor of main any more.
    git(repo, "tag", "v1")
    git(repo, "checkout", "-qb", "other")
    write(repo, "b.py", "B = 1\n")
    git(repo, "commit", "-qm", "two")
    git(repo, "tag", "-f", "v1")
    git(repo, "checkout", "-q", "main")
    write(repo, "c.py", "C = 1\n")
    git(repo, "commit", "-qm", "three")
    done = subprocess.run([*run, "--from", "v1", "--to", "main"], capture_output=True, text=True, env=env,
                          check=False)
    assert done.returncode != 0 and "'v1' is not an ancestor of 'main'" in done.stderr
    assert "Traceback" not in done.stderr
