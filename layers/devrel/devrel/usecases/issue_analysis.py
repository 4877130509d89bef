"""Deterministic reading of an issue: what it contains, what is missing, how urgent it looks.

No model is involved, so nothing written in an issue can steer these results beyond the facts the
rules look for (a version string, a traceback, a repro section).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

IssueType = Literal["bug", "feature", "question", "docs"]
Priority = Literal["critical", "high", "normal", "low"]

_VERSION = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+)?(?:[-.]?(?:rc|a|b|dev|post)\d*)?)(?!\w|\.\d)", re.I)
_VERSION_CONTEXT = re.compile(r"\b(version|release|python|node|os|platform|using|installed|upgrade)\b", re.I)
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+at [\w.$]+\(.*\)$|\b\w+(Error|Exception)\b:",
                        re.M)
_CODE_BLOCK = re.compile(r"```|^( {4}|\t)\S", re.M)
_REPRO = re.compile(r"(steps to reproduce|to reproduce|reproduc(e|tion|ible)|minimal example|mcve|"
                    r"^\s*1[.)]\s+\S.*\n\s*2[.)]\s+\S)", re.I | re.M)
_EXPECTED = re.compile(r"\bexpected( behaviou?r| result)?\b|\bshould (have|be|return)\b", re.I)
_ACTUAL = re.compile(r"\bactual( behaviou?r| result)?\b|\binstead\b|\bbut (it|I get|got)\b", re.I)
# Source paths mentioned in the report (tracebacks, backticks): what CODEOWNERS can route on.
_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.(?:py|pyi|js|jsx|ts|tsx|go|rs|java|kt|rb|c|h|cpp|cs|md|rst|"
                   r"ya?ml|toml|json|cfg|ini|sh))\b")
_URGENT = {
    "critical": re.compile(r"\b(security|vulnerab\w*|cve-\d+|data loss|corrupt\w*|exploit\w*)\b", re.I),
    "high": re.compile(r"\b(crash\w*|segfault|regression|broken|hangs?|deadlock|cannot (start|install))\b",
                       re.I),
}

# A report that may describe a vulnerability: kept out of public discussion (see `security_signal`).
_SECURITY = re.compile(
    r"\b(vulnerabilit(y|ies)|vulnerable to( [\w-]+){0,2}|cve-\d{4}-\d{3,}|exploit(s|able|ed|ing)?"
    r"|security (issue|hole|flaw|bug|problem|vulnerability|report|advisory)"
    r"|remote code execution|\brce\b|arbitrary (code|command|file)"
    r"|(sql|command|code|ldap|xml|template) injection|cross[- ]site (scripting|request forgery)|\bxss\b|\bcsrf\b"
    r"|\bssrf\b|(path|directory) traversal|privilege escalation|(authentication|auth|login) bypass"
    r"|bypass(es|ing)? (the )?(authentication|authorization|login)|insecure deserialization"
    r"|(leaks?|exposes?|exposed) (the )?(secrets?|credentials|passwords?|tokens?|private keys?))\b", re.I)
# "Me too" comments: someone else has the same problem (short, so a real report is not counted).
_ME_TOO = re.compile(r"^\W*(\+1|me too|same here|same (issue|problem|bug|error)( here)?|i have the same"
                     r"|i('m| am) (also )?(seeing|having|hitting) (the same|this)|also (seeing|happening|affected))\b",
                     re.I)

# What a report of each type needs before a maintainer can act on it.
CHECKLISTS: dict[str, tuple[str, ...]] = {
    "bug": ("version", "reproduction", "expected_vs_actual", "logs"),
    "feature": ("use_case",),
    "question": (),
    "docs": (),
}
CHECKLIST_PROMPTS = {
    "version": "the version you are running (and your OS / Python version)",
    "reproduction": "the exact steps or a minimal code example that reproduces it",
    "expected_vs_actual": "what you expected to happen and what happened instead",
    "logs": "the full error message or traceback, if there is one",
    "use_case": "the problem this would solve for you (your use case)",
}


class Analysis(BaseModel):
    versions: list[str] = Field(default_factory=list, max_length=10)
    error_lines: list[str] = Field(default_factory=list, max_length=5)
    has_traceback: bool = False
    has_code: bool = False
    has_reproduction: bool = False
    has_expected_vs_actual: bool = False
    word_count: int = 0
    paths: list[str] = Field(default_factory=list, max_length=20)
    # Looks like a vulnerability report, and the words that made it look so.
    security: bool = False
    security_signal: str = ""


def analyze(title: str, body: str) -> Analysis:
    text = f"{title}\n{body}"
    versions = []
    for line in text.splitlines():
        if _VERSION_CONTEXT.search(line):
            versions.extend(match.group(1) for match in _VERSION.finditer(line))
    security = _SECURITY.search(text)
    errors = [line.strip()[:200] for line in body.splitlines() if re.search(r"(Error|Exception)\b:", line)]
    return Analysis(
        versions=list(dict.fromkeys(versions))[:10],
        error_lines=errors[:5],
        has_traceback=bool(_TRACEBACK.search(body)),
        has_code=bool(_CODE_BLOCK.search(body)),
        has_reproduction=bool(_REPRO.search(body)) or bool(_CODE_BLOCK.search(body)),
        has_expected_vs_actual=bool(_EXPECTED.search(body)) and bool(_ACTUAL.search(body)),
        word_count=len(body.split()),
        paths=list(dict.fromkeys(match.group(1) for match in _PATH.finditer(body)))[:20],
        security=security is not None,
        security_signal=security.group(0).lower()[:60] if security else "",
    )


def is_me_too(comment: str) -> bool:
    """A short "+1" / "me too" / "same here": one more person affected, nothing more to read."""
    return len(comment) <= 200 and _ME_TOO.search(comment.strip()) is not None


def missing_information(issue_type: str, analysis: Analysis, body: str) -> list[str]:
    """The checklist items this report lacks (empty: complete enough to act on)."""
    present = {
        "version": bool(analysis.versions),
        "reproduction": analysis.has_reproduction,
        "expected_vs_actual": analysis.has_expected_vs_actual,
        # A report without an error message may simply have none: only ask when it mentions one.
        "logs": analysis.has_traceback or not re.search(r"\b(error|exception|fails?|crash\w*)\b", body, re.I),
        "use_case": analysis.word_count >= 25,
    }
    return [item for item in CHECKLISTS.get(issue_type, ()) if not present[item]]


def priority(issue_type: str | None, title: str, body: str, reactions: int = 0) -> tuple[Priority, str]:
    """A priority and the reason for it, from type, wording and community interest."""
    text = f"{title}\n{body}"
    if _URGENT["critical"].search(text):
        return "critical", "mentions a security or data-loss problem"
    if issue_type == "bug" and _URGENT["high"].search(text):
        return "high", "a bug report describing a crash, hang or regression"
    if reactions >= 10:
        return "high", f"{reactions} people reacted to it or said they have it too"
    if issue_type in ("question", "docs"):
        return "low", f"a {issue_type} issue"
    return "normal", "no urgency signals found"
