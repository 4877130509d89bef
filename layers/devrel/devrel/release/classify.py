"""The kind of each change: breaking, feature, fix, performance, docs or internal.

What the authors said wins: a conventional-commit prefix (`feat:`, `fix(scope)!:`), a
`BREAKING CHANGE:` footer, the pull request's labels. Then what the files say (only docs, only
tests or CI). Only then a model guesses, from the words: a classifier trained on release notes when
one is given, else keyword cues. A public API break found in the diff makes a change breaking
whatever it was labelled, so an unlabelled break still reaches the upgrade notes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Protocol

from devrel.release.changes import Change, Kind

_CONVENTIONAL = re.compile(r"^(?P<type>[a-zA-Z]+)(?:\((?P<scope>[^)]*)\))?(?P<bang>!)?:\s*(?P<text>.+)$")
_PREFIX_KINDS: dict[str, Kind] = {
    "feat": "feature", "feature": "feature", "add": "feature", "new": "feature",
    "fix": "fix", "bugfix": "fix", "hotfix": "fix", "bug": "fix", "security": "fix",
    "perf": "performance", "performance": "performance", "speed": "performance",
    "docs": "docs", "doc": "docs", "documentation": "docs",
    "refactor": "internal", "chore": "internal", "ci": "internal", "build": "internal", "test": "internal",
    "tests": "internal", "style": "internal", "deps": "internal", "dev": "internal", "lint": "internal",
    "release": "internal", "revert": "fix", "internal": "internal", "infra": "internal", "tooling": "internal",
}
_LABEL_KINDS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"breaking|semver[:/ -]?major|backwards?[- ]incompatible|api[- ]change", re.I), "breaking"),
    (re.compile(r"\b(perf|performance|speed|optimi[sz]ation)\b", re.I), "performance"),
    (re.compile(r"\b(bug|bugfix|fix|defect|regression|security|crash)\b", re.I), "fix"),
    (re.compile(r"\b(feature|enhancement|new|improvement|feat)\b", re.I), "feature"),
    (re.compile(r"\b(docs?|documentation)\b", re.I), "docs"),
    (re.compile(r"\b(dependencies|deps|chore|ci|internal|refactor(ing)?|tests?|testing|infra(structure)?|"
                r"maintenance|build|tooling|skip[- ]changelog|no[- ]changelog|github[_ ]actions)\b", re.I),
     "internal"),
)
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGES?:\s*(.*(?:\n(?!\s*\n).*)*)", re.M)
_UPGRADE_SECTION = re.compile(
    r"^#{1,4}\s*(upgrad\w*|migrat\w*|breaking changes?|how to upgrade|backwards? (in)?compatib\w*)[^\n]*\n"
    r"(?P<text>(?:(?!#{1,4}\s).*\n?)+)", re.I | re.M)
_DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc", ".ipynb")
_INTERNAL_PARTS = ("test", "tests", "testing", ".github", ".ci", "ci", "benchmarks", "bench", ".circleci")
_INTERNAL_NAMES = ("tox.ini", "noxfile.py", ".pre-commit-config.yaml", "setup.cfg", "Makefile", "Dockerfile",
                   ".gitignore", "requirements-dev.txt", "codecov.yml", ".readthedocs.yaml", "CHANGELOG.md",
                   "CHANGES.md", "CHANGES.rst", "CHANGELOG.rst", "HISTORY.md", "HISTORY.rst")


@dataclass(frozen=True)
class Guess:
    kind: Kind
    confidence: float


class KindModel(Protocol):
    """Guesses the kind of a change from its words (a trained classifier or keyword cues)."""

    def guess(self, title: str, body: str) -> Guess: ...


def conventional(title: str) -> tuple[Kind | None, bool, str]:
    """(kind by the prefix, breaking by `!`, the title without its prefix); (None, False, title) without one."""
    match = _CONVENTIONAL.match(title.strip())
    if not match:
        return None, False, title.strip()
    kind = _PREFIX_KINDS.get(match.group("type").lower())
    if kind is None:
        return None, False, title.strip()
    return kind, bool(match.group("bang")), match.group("text").strip()


def label_kind(labels: Sequence[str]) -> Kind | None:
    """The kind the labels say; breaking first, then the most specific."""
    for pattern, kind in _LABEL_KINDS:
        if any(pattern.search(label) for label in labels):
            return kind
    return None


def is_docs_file(path: str) -> bool:
    pure = PurePosixPath(path)
    if pure.name.startswith(("requirements", "constraints")) or "requirements" in pure.parts[:-1]:
        return False  # pinned dependencies are .txt files too
    return (pure.suffix.lower() in _DOC_SUFFIXES and pure.name not in _INTERNAL_NAMES) \
        or "docs" in pure.parts[:-1] or "doc" in pure.parts[:-1]


def is_internal_file(path: str) -> bool:
    pure = PurePosixPath(path)
    return pure.name in _INTERNAL_NAMES or any(part in _INTERNAL_PARTS for part in pure.parts[:-1]) \
        or pure.name.startswith("test_") or pure.name.endswith(("_test.py", "_test.go", ".test.js", ".test.ts"))


def files_kind(files: Sequence[str]) -> Kind | None:
    if not files:
        return None
    if all(is_docs_file(f) for f in files):
        return "docs"
    if all(is_internal_file(f) for f in files):
        return "internal"
    return None


def upgrade_text(text: str) -> str:
    """What the author wrote for people upgrading: a BREAKING CHANGE footer or an upgrade section."""
    footer = _BREAKING_FOOTER.search(text)
    if footer and footer.group(1).strip():
        return " ".join(footer.group(1).split())
    section = _UPGRADE_SECTION.search(text + "\n")
    if section and section.group("text").strip():
        return " ".join(section.group("text").split())[:600]
    return ""


def classify(change: Change, model: KindModel) -> Change:
    """The change with its kind, the reason for it, and the upgrade steps of a breaking change."""
    prefix_kind, bang, _ = conventional(change.title)
    upgrade = upgrade_text(change.body)
    kind: Kind
    if bang or _BREAKING_FOOTER.search(change.body):
        kind, because = "breaking", "prefix"
    elif (labelled := label_kind(change.labels)) is not None:
        kind, because = labelled, "label"
    elif prefix_kind is not None:
        kind, because = prefix_kind, "prefix"
    elif change.routine:
        kind, because = "internal", "routine"
    elif (by_files := files_kind(change.files)) is not None:
        kind, because = by_files, "files"
    else:
        guess = model.guess(change.title, change.body)
        kind, because = guess.kind, "model"
    if change.api_breaks and kind != "breaking":
        kind, because = "breaking", "api"
    if kind == "breaking" and not upgrade and change.api_breaks:
        upgrade = "; ".join(f"`{b.name}` {b.what}" for b in change.api_breaks)
    return change.with_(kind=kind, because=because, upgrade=upgrade)


# --- the zero-shot fallback ------------------------------------------------------------------------

_CUES: dict[Kind, tuple[tuple[str, float], ...]] = {
    # Dropping support for a platform is the breaking change nobody labels.
    "breaking": ((r"\b(drop(s|ped|ping)?|remov(e|es|ed|ing)|end(s|ed)?) (the )?support for\b|"
                  r"\bno longer support(s|ed)?\b|\bbackwards?[- ]incompatible\b", 3.0),),
    "fix": ((r"\b(fix(es|ed|ing)?|bug|crash(es|ed)?|error|exception|broken|regression|wrong|incorrect|issue|"
             r"prevent|avoid|handle|correct(ly|ed)?|leak|npe|fail(s|ed|ing|ure)?|resolve[sd]?)\b", 1.0),),
    "feature": ((r"\b(add(s|ed|ing)?|new|support(s|ed)?|introduc(e|es|ed|ing)|implement(s|ed)?|allow(s|ed)?|"
                 r"enable[sd]?|expose[sd]?|provide[sd]?|option|ability)\b", 1.0),
                # A deprecation is news for users though nothing breaks yet.
                (r"\bdeprecat(e|es|ed|ing|ion)\b", 1.5)),
    "performance": ((r"\b(perf(ormance)?|faster|speed(s|ed)? ?up|optimi[sz](e|es|ed|ation)|cach(e|ing)|"
                     r"memory usage|latency|throughput|slow)\b", 1.5),),
    "docs": ((r"\b(docs?|documentation|readme|typos?|docstrings?|examples?|tutorial|changelog|guide)\b", 1.2),),
    "internal": ((r"\b(refactor(ed|ing)?|tests?|format(ting)?|cleanup|clean ?up|chore|bump|deps|"
                  r"dependenc(y|ies)|version|release|merge|typing|rename[sd]?|move[sd]?|update[sd]?)\b", 0.8),
                 # The project's own tooling: "Fix CI" or "Fix linting issues" fixes nothing users run.
                 (r"\b(ci|lint(ing|er)?|workflows?|pre-commit|mypy|flake8|ruff|black|isort|coverage|"
                  r"github actions)\b", 2.5)),
}


class KeywordKinds:
    """Kind by weighted keyword cues in the title (double) and the start of the body."""

    def guess(self, title: str, body: str) -> Guess:
        scores: dict[Kind, float] = {}
        for kind, cues in _CUES.items():
            total = 0.0
            for pattern, weight in cues:
                total += 2 * weight * len(re.findall(pattern, title, re.I))
                total += 0.5 * weight * min(3, len(re.findall(pattern, body[:500], re.I)))
            scores[kind] = total
        best = max(scores, key=lambda k: scores[k])
        if scores[best] == 0:
            return Guess("internal", 0.0)
        return Guess(best, scores[best] / (sum(scores.values()) or 1.0))
