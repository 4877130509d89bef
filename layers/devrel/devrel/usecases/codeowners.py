"""GitHub CODEOWNERS, matched by the `codeowners` package (GitHub's rules: the last matching rule
wins, `docs/*` owns only the files directly in docs/, a leading `/` anchors at the root)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
MAX_CODEOWNERS_CHARS = 50_000


@lru_cache(maxsize=64)
def parse(text: str) -> Any:
    """The rules of one CODEOWNERS file (cached: triage reads the same file for every issue)."""
    from codeowners import CodeOwners

    return CodeOwners(text[:MAX_CODEOWNERS_CHARS])


def owners_for(path: str, rules: Any) -> list[str]:
    """Every owner of `path` as written in the file (`@user`, `@org/team`, `user@example.org`)."""
    return [owner for _, owner in rules.of(path.lstrip("./"))]


def people_owning(path: str, rules: Any) -> list[str]:
    """The GitHub users among the owners of `path`, without the @: teams and e-mails cannot be assignees."""
    return [owner.lstrip("@") for kind, owner in rules.of(path.lstrip("./")) if kind == "USERNAME"]
