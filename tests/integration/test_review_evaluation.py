"""`devrel eval review` on a small git repository made here: every commit reviewed clean and with one
injected defect, each kind found, nothing posted on an unchanged line, and the clone left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devrel.cli import main
from devrel.commands.eval_review import evaluate
from devrel.review.evaluation import KINDS
from support.git_repo import commit, git

MODULE = '''"""Shapes."""

from math import pi


def area(radius):
    return pi * radius * radius
'''


# Fixed dates: the same commits (and so the same injected defects) on every run.
DATES = {"GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven commits that each add a public function with a few statements and a test for it."""
    repo = tmp_path_factory.mktemp("eval") / "shapes"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ann@example.org")
    git(repo, "config", "user.name", "Ann")
    module, tests = MODULE, "from shapes.geometry import area\n\n\ndef test_area():\n    assert area(1) > 3\n"
    commit(repo, {"shapes/__init__.py": "", "shapes/geometry.py": module, "tests/test_geometry.py": tests}, "init",
           env=DATES)
    for n in range(7):
        module = module.replace("def area(radius", f"def area(radius, scale{n}=1") + (
            f"\n\ndef shape{n}(width, height):\n    total = width * height\n    total = total + {n}\n"
            f"    print(total)\n    checked = max(total, 0)\n    return checked\n")
        tests += f"\n\ndef test_shape{n}():\n    assert shape{n}(2, 3) == {6 + n}\n"
        tests = tests.replace("import area", f"import area, shape{n}") if n == 0 else \
            tests.replace(f"shape{n - 1}\n", f"shape{n - 1}, shape{n}\n", 1)
        commit(repo, {"shapes/geometry.py": module, "tests/test_geometry.py": tests}, f"feat: shape {n}", env=DATES)
    return repo


def test_each_kind_is_injected_and_found_and_nothing_is_off_the_diff(clone: Path) -> None:
    before = git(clone, "count-objects", "-v")
    summary = evaluate([clone], commits=7, scan=50)
    assert summary["commits"] == 7 and summary["injected"] == 7
    assert set(summary["injected_by_kind"]) == set(KINDS) and all(summary["injected_by_kind"].values())
    assert summary["recall"] == 1.0
    assert summary["comments_on_unchanged_lines"] == 0 and summary["comments_posted"] >= 7
    # The public signature each commit changes on purpose is not documented: the clean commits say so.
    assert summary["clean_comments_by_check"] == {"signature-change": 7}
    assert git(clone, "count-objects", "-v") == before  # the injected commits went to a scratch repository


def test_the_command_prints_the_numbers(clone: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    details = tmp_path / "details.jsonl"
    assert main(["eval", "review", str(clone), "--commits", "3", "--details", str(details)]) == 0
    out = capsys.readouterr().out
    assert "commits: 3 (shapes 3)" in out and "comments on unchanged lines: 0 of" in out
    assert "model: none: deterministic checks and ruff" in out
    rows = [json.loads(line) for line in details.read_text().splitlines()]
    assert len(rows) == 3 and all(row["found"] for row in rows)
    with pytest.raises(SystemExit) as raised:
        main(["eval", "review", str(tmp_path / "missing")])
    assert str(raised.value) == f"eval review: {tmp_path / 'missing'} is not a folder"
