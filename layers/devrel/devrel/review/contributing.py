"""The rules of a contributing guide that a program can check: the pull request title's convention
and commit sign-off (the Developer Certificate of Origin). Rules are read from the guide or set in
`.github/devrel.yml`; a guide that asks for neither gets neither check."""

from __future__ import annotations

import re
from dataclasses import dataclass

CONVENTIONAL = (r"^(feat|fix|docs|style|refactor|perf|test|tests|build|ci|chore|revert)(\([^)]+\))?!?: \S")
_MENTIONS_CONVENTIONAL = re.compile(r"conventional[ -]?commits?", re.IGNORECASE)
_MENTIONS_SIGNOFF = re.compile(r"signed-off-by|developer certificate of origin|\bDCO\b|sign[- ]off|git commit -s\b",
                               re.IGNORECASE)
_SIGNED = re.compile(r"^Signed-off-by: .+<[^>]+>\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Rules:
    title_pattern: str | None
    title_convention: str
    signoff: bool


def rules(contributing: str | None, title_pattern: str | None, require_signoff: bool | None) -> Rules:
    text = contributing or ""
    if title_pattern:
        pattern, convention = title_pattern, f"the pattern `{title_pattern}`"
    elif _MENTIONS_CONVENTIONAL.search(text):
        pattern, convention = CONVENTIONAL, "Conventional Commits (`type(scope): summary`)"
    else:
        pattern, convention = None, ""
    signoff = require_signoff if require_signoff is not None else bool(_MENTIONS_SIGNOFF.search(text))
    return Rules(pattern, convention, signoff)


def title_ok(title: str, pattern: str) -> bool:
    try:
        return re.search(pattern, title) is not None
    except re.error:
        return True  # a broken pattern in the config is the maintainers' to fix, not the contributor's


def unsigned(commits: list[str]) -> int:
    """How many commit messages lack a `Signed-off-by: Name <email>` trailer."""
    return sum(1 for message in commits if not _SIGNED.search(message))
