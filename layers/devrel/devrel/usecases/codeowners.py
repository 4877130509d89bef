"""GitHub CODEOWNERS: which owners a path has (the last matching rule wins, as on GitHub)."""

from __future__ import annotations

import re
from functools import lru_cache

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
MAX_CODEOWNERS_CHARS = 50_000


def parse(text: str) -> list[tuple[str, list[str]]]:
    rules = []
    for line in text[:MAX_CODEOWNERS_CHARS].splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        pattern, *owners = line.split()
        rules.append((pattern, [owner for owner in owners if owner.startswith("@") or "@" in owner]))
    return rules


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    regex = ""
    index = 0
    while index < len(body):
        if body.startswith("**", index):
            regex += ".*"
            index += 2
        elif body[index] == "*":
            regex += "[^/]*"
            index += 1
        elif body[index] == "?":
            regex += "[^/]"
            index += 1
        else:
            regex += re.escape(body[index])
            index += 1
    prefix = "" if anchored else "(?:.*/)?"
    # A rule for a directory (or a plain name) also owns everything below it.
    return re.compile(f"{prefix}{regex}(?:/.*)?")


def owners_for(path: str, rules: list[tuple[str, list[str]]]) -> list[str]:
    path = path.lstrip("./")
    owners: list[str] = []
    for pattern, rule_owners in rules:
        if _compile(pattern).fullmatch(path):
            owners = rule_owners
    return owners
