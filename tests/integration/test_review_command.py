"""`devrel review` on a real git clone made here: the change from the merge base, the repository's
switches from `.github/devrel.yml` at the base, ruff as installed, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devrel.cli import main
from support.git_repo import commit, git

TOKEN = "ghp_" + "Ab3dE" * 7 + "x"  # made up, in GitHub's format


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    repo = tmp_path / "proj"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ann@example.org")
    git(repo, "config", "user.name", "Ann")
    commit(repo, {"src/proj/io.py": 'def load(path):\n    try:\n        return open(path).read()\n    except:\n'
                                    "        return None\n",
                  ".github/devrel.yml": "review:\n  skip_paths: [\"vendor/\"]\n"}, "init")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"src/proj/io.py": 'import json\n\n\ndef load(path):\n    try:\n        return open(path).read()\n'
                                    f'    except:\n        return None\n\n\nTOKEN = "{TOKEN}"\n',
                  "vendor/lib.py": "import os\n"}, "feat: a token")
    return repo


def test_the_review_of_a_local_change_is_printed(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--repo", str(clone), "--base", "main", "--no-llm"]) == 0
    out = capsys.readouterr().out
    assert "src/proj/io.py:11: [high] secret" in out and "GitHub Token" in out
    assert "src/proj/io.py:1: [low] lint:F401" in out  # ruff, with its default rules
    assert "src/proj/io.py:7" not in out  # the bare except was there before this change
    assert TOKEN not in out and "vendor/lib.py" not in out and "1 file skipped" in out
    assert "<!--" not in out and "<sub>" not in out


def test_json_output_and_the_comment_cap(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--repo", str(clone), "--base", "main", "--head", "feature", "--json", "--no-llm",
                 "--max-comments", "1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["head"] == git(clone, "rev-parse", "feature").strip()
    assert [(c["check"], c["line"]) for c in printed["comments"]] == [("secret", 11)]
    assert {(f["check"], f["line"]) for f in printed["findings"]} == {("secret", 11), ("lint:F401", 1)}
    assert printed["risk"] == "high" and TOKEN not in json.dumps(printed)


@pytest.mark.parametrize(("args", "message"), [
    (["--base", "nope"], "review: 'nope' is not a commit in "),
    (["--base", "main", "--head", "missing"], "review: 'missing' is not a commit in "),
])
def test_errors_are_one_line(clone: Path, args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["review", "--repo", str(clone), "--no-llm", *args])
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


def test_a_folder_that_is_not_a_clone(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["review", "--repo", str(tmp_path), "--base", "main"])
    assert str(raised.value).startswith("review: ") and "not a git repository" in str(raised.value)
    with pytest.raises(SystemExit) as raised:
        main(["review", "--repo", str(tmp_path / "gone"), "--base", "main"])
    assert str(raised.value) == f"review: {str(tmp_path / 'gone')!r} is not a folder"


def test_invalid_switches_are_named(clone: Path) -> None:
    git(clone, "checkout", "-q", "main")
    commit(clone, {".github/devrel.yml": "review:\n  max_comments: 99\n"}, "too many")
    with pytest.raises(SystemExit) as raised:
        main(["review", "--repo", str(clone), "--base", "main", "--head", "feature", "--no-llm"])
    assert str(raised.value).startswith("review: the review section of .github/devrel.yml is invalid")
