"""Credentials never reach the knowledge index: whatever is indexed can be quoted to anyone who asks.

Files that hold secrets by their nature (.env, keys, credential stores) are not indexed at all, nor
is any file holding a private key. In every other file, what detect-secrets (Yelp's maintained
secret scanner: provider token formats, secret-named keys in config files, high-entropy strings)
recognises as a credential is replaced before chunking.
"""

from __future__ import annotations

import re
import threading
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

REDACTED = "[redacted]"

# Names (lower-cased) of files that exist to hold secrets.
SECRETS_FILE_PATTERNS = (
    ".env", ".env.*", "*.env", ".envrc", ".netrc", "_netrc", ".npmrc", ".pypirc", ".pgpass", ".git-credentials",
    ".htpasswd", ".dockercfg", "credentials", "credentials.*", "*-credentials.*", "*_credentials.*",
    "secret", "secrets", "secret.*", "secrets.*", "*.secret", "*.secrets", "client_secret*.json",
    "service-account*.json", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "*.pem", "*.key", "*.p12", "*.pfx",
    "*.jks", "*.keystore", "*.kdbx", "*.ppk", "*.gpg", "*.tfvars", "*.tfstate", "*.tfstate.backup",
)
# Templates that document the variables with placeholder values: indexed (and redacted like any file).
TEMPLATE_PATTERNS = (".env.example", ".env.sample", ".env.template", ".env.dist", "*.example", "*.sample")

# detect-secrets' plugins that point at the whole file rather than a value in a line.
_PRIVATE_KEY = "Private Key"
# Characters a token is made of, to widen a match to the whole token (GitHub's plugin matches only
# the prefix); `=` only on the right, where base64 padding is, so `NAME=value` keeps its name.
_TOKEN_LEFT = re.compile(r"[A-Za-z0-9_\-+/.~]*$")
_TOKEN_RIGHT = re.compile(r"^[A-Za-z0-9_\-+/.~=]*")
_lock = threading.Lock()


def is_secrets_file(path: str) -> bool:
    """Whether a file, by its name, holds secrets (and so is never indexed)."""
    name = PurePosixPath(path).name.lower()
    if any(fnmatch(name, pattern) for pattern in TEMPLATE_PATTERNS):
        return False
    return any(fnmatch(name, pattern) for pattern in SECRETS_FILE_PATTERNS)


@lru_cache(maxsize=1)
def _scanner() -> tuple[Any, ...]:
    """detect-secrets' plugins with its default configuration (imported on first use: only ingestion needs it)."""
    from detect_secrets.settings import default_settings, get_plugins

    with default_settings():
        return tuple(get_plugins())


def _ignored(secret: str, line: str) -> bool:
    """detect-secrets' heuristics for values that are not secrets: templates, variables, references."""
    from detect_secrets.filters import heuristic

    return (heuristic.is_templated_secret(secret) or heuristic.is_prefixed_with_dollar_sign(secret)
            or heuristic.is_indirect_reference(line) or heuristic.is_potential_uuid(secret))


def find_credentials(path: str, line: str) -> list[tuple[str, str]]:
    """(detect-secrets' type, value) of each credential in one line of the file at `path`, less the
    values its heuristics call templates, variables or references."""
    plugins = _scanner()
    name = PurePosixPath(path).name
    found: list[tuple[str, str]] = []
    with _lock:
        for plugin in plugins:
            for secret in plugin.analyze_line(filename=name, line=line, line_number=1):
                value = secret.secret_value or ""
                if secret.type == _PRIVATE_KEY or (value and not _ignored(value, line)):
                    found.append((secret.type, value))
    return found


def _widen(line: str, start: int, end: int) -> tuple[int, int]:
    left = _TOKEN_LEFT.search(line[:start])
    right = _TOKEN_RIGHT.match(line[end:])
    return start - (len(left.group(0)) if left else 0), end + (len(right.group(0)) if right else 0)


def redact_credentials(path: str, text: str) -> str | None:
    """`text` with every credential detect-secrets finds replaced by [redacted]; None when the file
    holds a private key, or is a secrets file by name, and must not be indexed at all."""
    if is_secrets_file(path):
        return None
    plugins = _scanner()
    name = PurePosixPath(path).name
    lines = text.split("\n")
    changed = False
    with _lock:  # plugins are shared; detect-secrets does not promise they are thread-safe
        for number, line in enumerate(lines):
            found: list[str] = []
            for plugin in plugins:
                for secret in plugin.analyze_line(filename=name, line=line, line_number=number + 1):
                    value = secret.secret_value or ""
                    if secret.type == _PRIVATE_KEY:
                        return None
                    if value and not _ignored(value, line):
                        found.append(value)
            for value in sorted(set(found), key=len, reverse=True):
                line = _redact_value(line, value)
            if found and line != lines[number]:
                lines[number], changed = line, True
    return "\n".join(lines) if changed else text


def _redact_value(line: str, value: str) -> str:
    """Every occurrence of `value` in `line`, widened to its whole token, replaced."""
    out, position = [], 0
    while (start := line.find(value, position)) != -1:
        begin, end = _widen(line, start, start + len(value))
        begin = max(begin, position)
        out += [line[position:begin], REDACTED]
        position = end
    out.append(line[position:])
    return "".join(out)
