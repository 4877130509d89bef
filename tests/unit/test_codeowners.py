from __future__ import annotations

from pathlib import Path
from typing import Any

from devrel.usecases.codeowners import owners_for, parse
from devrel.usecases.issue_analysis import analyze
from devrel.usecases.triage_steps import TriageSteps

CODEOWNERS = """
# default owners
*           @lead
*.md        @docs-team @writer
/src/net/   @alice
docs/**     @org/docs
src/**/db.py  @bob  # the last matching rule wins
"""


def test_last_matching_rule_wins() -> None:
    rules = parse(CODEOWNERS)
    assert owners_for("setup.py", rules) == ["@lead"]
    assert owners_for("README.md", rules) == ["@docs-team", "@writer"]
    assert owners_for("src/net/http/client.py", rules) == ["@alice"]
    assert owners_for("src/net/db.py", rules) == ["@bob"]
    assert owners_for("docs/guide/index.md", rules) == ["@org/docs"]
    assert owners_for("lib/src/net/x.py", rules) == ["@lead"]  # "/src/net/" is anchored at the root


def test_a_single_star_owns_one_level_only_as_on_github() -> None:
    rules = parse("*  @lead\ndocs/*  @writer\n")
    assert owners_for("docs/index.md", rules) == ["@writer"]
    assert owners_for("docs/guide/index.md", rules) == ["@lead"]  # the hand-written matcher said @writer


def test_paths_are_read_from_tracebacks_and_backticks() -> None:
    body = 'Traceback:\n  File "src/net/http/client.py", line 3\nAlso see `docs/guide.md` and v1.2.'
    assert analyze("", body).paths == ["src/net/http/client.py", "docs/guide.md"]


class FakeStore:
    def query(self, pk: str, sk_prefix: str = "", limit: int = 100, newest_first: bool = False) -> list[Any]:
        return [object()] if pk == "assigned#lead" else []


def never(*args: Any) -> Any:
    raise AssertionError("suggesting assignees needs no model")


def test_assignees_come_from_codeowners_of_mentioned_paths_people_only(tmp_path: Path) -> None:
    state = {"issue": {"repository": "o/r", "number": 1}, "config": {"codeowners": CODEOWNERS},
             "analysis": {"result": {"paths": ["src/net/http/client.py", "docs/a.md", "setup.py"]}},
             "classification": {"result": {"labels": ["bug"]}}}
    steps = TriageSteps(FakeStore(), lambda: 0.0, None, classifier=never, duplicates=never)  # type: ignore[arg-type]
    result = steps.suggest_assignees(state)
    assert result["assignees"] == ["alice", "lead"]  # @org/docs is a team: not assignable; lead is loaded
    assert "CODEOWNERS of src/net/http/client.py" in result["reason"]
