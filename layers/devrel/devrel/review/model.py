"""The value types of a review: what it reads (`ChangeSet`), what it finds (`Finding`), what it says
(`Review`), and the maintainers' switches (`ReviewConfig`, the `review:` section of
`.github/devrel.yml`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from devrel.review.diff import FileDiff

Severity = Literal["high", "medium", "low", "info"]
Source = Literal["check", "lint", "model"]
CheckStatus = Literal["ok", "warn", "info", "skipped"]

SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2, "info": 3}
SOURCE_ORDER: dict[str, int] = {"check": 0, "model": 1, "lint": 2}


class ReviewConfig(BaseModel):
    """Per-repository review policy: the `review:` section of `.github/devrel.yml`."""

    enabled: bool = True
    # Compute the review and record it in the activity log; post nothing.
    dry_run: bool = False
    max_comments: int = Field(default=5, ge=0, le=20)
    # Globs of paths left out of the review entirely (`vendor/`, `docs/**`, `*.lock`).
    skip_paths: list[str] = Field(default_factory=list)
    review_drafts: bool = False
    # GitHub's "request changes" instead of a comment, only when a high-severity finding (a
    # credential) is posted. Never an approval: the assistant has no event that approves.
    request_changes: bool = False
    model_comments: bool = True
    # A regular expression every pull request title must match (None: from CONTRIBUTING, if it names one).
    title_pattern: str | None = Field(default=None, max_length=500)
    # Whether commits must carry `Signed-off-by:` (None: when CONTRIBUTING asks for it).
    require_signoff: bool | None = None
    max_changed_lines: int = Field(default=5000, ge=100, le=50_000)
    max_files: int = Field(default=300, ge=1, le=3000)


@dataclass
class ChangeSet:
    """A change under review: its diff, the text around it, and the few files checks need whole."""

    repository: str
    files: list[FileDiff]
    title: str = ""
    body: str = ""
    author: str = ""
    first_time: bool = False
    number: int | None = None
    head_sha: str = ""
    base_sha: str = ""
    draft: bool = False
    # The head branch lives in another repository: its code is read, never run, and the
    # configuration comes from the base repository only.
    fork: bool = False
    # Commit messages, oldest first (sign-off).
    commits: list[str] = field(default_factory=list)
    # Whole files at the head (Python sources, manifests) and at the base (signature changes).
    new_contents: dict[str, str] = field(default_factory=dict)
    old_contents: dict[str, str] = field(default_factory=dict)
    # The contributing guide and linter configuration, from the base: (path, text).
    contributing: tuple[str, str] | None = None
    lint_config: dict[str, str] = field(default_factory=dict)
    # The repository's top-level packages and modules (`pkg/`, `src/pkg/`, `tool.py`): first-party code.
    layout: list[str] = field(default_factory=list)
    # Changed lines and files of the repository's recent changes (the size norm).
    size_history: list[tuple[int, int]] = field(default_factory=list)
    # Where a contributor reads the guide (a link), when known.
    contributing_url: str | None = None
    # What the host said it could not give (a file list capped by the API, ...).
    notes: list[str] = field(default_factory=list)

    def file(self, path: str) -> FileDiff | None:
        return next((f for f in self.files if f.path == path), None)


@dataclass(frozen=True)
class Finding:
    """One observation. With `path` and `line` (a line the change added) it can go inline; without,
    it belongs to the summary's checklist."""

    check: str
    severity: Severity
    message: str
    why: str = ""
    path: str | None = None
    line: int | None = None
    source: Source = "check"
    # The text of the anchored line: what keeps a finding recognisable after a later push moves it.
    line_text: str = ""

    @property
    def inline(self) -> bool:
        return self.path is not None and self.line is not None

    @property
    def fingerprint(self) -> str:
        """Stable across pushes that only move the line: the check, the file and the line's text."""
        text = re.sub(r"\s+", " ", self.line_text).strip()
        raw = f"{self.check}|{self.path}|{text}|{'' if self.line_text else self.line}"
        return hashlib.sha256(raw.encode()).hexdigest()[:20]

    def rank(self) -> tuple[int, int, str, int]:
        return (SEVERITY_ORDER[self.severity], SOURCE_ORDER[self.source], self.path or "", self.line or 0)

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "severity": self.severity, "source": self.source, "path": self.path,
                "line": self.line, "message": self.message, "why": self.why, "fingerprint": self.fingerprint}


@dataclass(frozen=True)
class CheckItem:
    """One line of the summary's checklist."""

    name: str
    status: CheckStatus
    text: str


@dataclass
class Review:
    summary: str
    checklist: list[CheckItem]
    risk: Literal["low", "medium", "high"]
    risk_reasons: list[str]
    # Every finding, ranked; `comments` are the inline ones chosen to post (at most max_comments).
    findings: list[Finding]
    comments: list[Finding]
    notes: list[str]
    changes: str
    additions: int
    deletions: int
    files: int
    # What the model proposed and why proposals were dropped (for the evaluation and the log).
    model: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "risk": self.risk, "risk_reasons": self.risk_reasons,
                "checklist": [{"name": c.name, "status": c.status, "text": c.text} for c in self.checklist],
                "comments": [f.as_dict() for f in self.comments], "findings": [f.as_dict() for f in self.findings],
                "notes": self.notes, "changes": self.changes, "additions": self.additions,
                "deletions": self.deletions, "files": self.files, "model": self.model}
