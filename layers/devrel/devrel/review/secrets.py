"""Credentials in the lines a change adds, found with detect-secrets (see devrel.knowledge.credentials).

A review comment names the kind of credential, never its value. Detectors for provider formats
(AWS, GitHub, Slack, private keys, ...) count everywhere; the keyword detector (`password = "..."`)
only outside tests, docs and examples, where fixtures and placeholders are the rule; the
high-entropy detectors not at all: on code they mostly find hashes and test vectors.
"""

from __future__ import annotations

import re

from devrel.knowledge.credentials import find_credentials
from devrel.review.diff import FileDiff
from devrel.review.model import Finding
from devrel.review.paths import NOT_USER_FACING_DIRS, is_test, kind_of

NOISY_TYPES = frozenset({"Base64 High Entropy String", "Hex High Entropy String", "Public IP (ipv4)"})
KEYWORD_TYPES = frozenset({"Secret Keyword", "Basic Auth Credentials"})
# Values that are someone's placeholder, not a secret.
_PLACEHOLDER = re.compile(
    r"example|sample|dummy|fake|test|placeholder|changeme|change[-_]me|your[-_ ]|xxx|redacted|secret|password|"
    r"^dev$|^local|^\W|^none$|^null$|^todo|^<|^\{|^\$|\*\*\*",
    re.IGNORECASE,
)
MAX_LINE_CHARS = 2000


def _placeholder(value: str) -> bool:
    return len(value) < 8 or bool(_PLACEHOLDER.search(value)) or len(set(value)) < 5


def secret_findings(file: FileDiff) -> list[Finding]:
    """One high-severity finding per added line holding a credential."""
    if file.binary or not file.added:
        return []
    relaxed = is_test(file.path) or kind_of(file.path) == "docs" or \
        any(part in NOT_USER_FACING_DIRS for part in file.path.lower().split("/")[:-1])
    findings: list[Finding] = []
    for number, text in sorted(file.added.items()):
        if len(text) > MAX_LINE_CHARS:  # minified or generated: not a line anyone wrote
            continue
        kinds = sorted({kind for kind, value in find_credentials(file.path, text)
                        if kind not in NOISY_TYPES
                        and not (kind in KEYWORD_TYPES and (relaxed or _placeholder(value)))
                        and not (kind not in KEYWORD_TYPES and "example" in value.lower())})
        if not kinds:
            continue
        findings.append(Finding(
            check="secret", severity="high", path=file.path, line=number, line_text=text,
            message=f"This line looks like it adds a credential ({', '.join(kinds)}).",
            why="Anything committed stays in the history and in every fork, even after a later commit "
                "removes it: revoke this credential and read it from the environment or a secret store.",
        ))
    return findings
