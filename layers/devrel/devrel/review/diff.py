"""Unified diffs as the review reads them: files, hunks, and the lines a change added, numbered as in
the new file (the only lines an inline comment may point at).

Two inputs: `git diff` output for a local clone (`parse_unified`) and GitHub's per-file `patch`
field, which is the hunks alone (`file_diff`). Big diffs are capped (`cap`) and the cap is reported,
never silently applied.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Literal

FileStatus = Literal["added", "modified", "deleted", "renamed", "copied"]

_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")
_OCTAL = re.compile(rb"\\([0-7]{3})")
_ESCAPES = {b"\\n": b"\n", b"\\t": b"\t", b'\\"': b'"', b"\\\\": b"\\"}


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    # The text after the closing @@ (git puts the enclosing function or class there).
    section: str
    # Raw lines with their prefix: " " context, "+" added, "-" removed.
    lines: tuple[str, ...]


@dataclass
class FileDiff:
    path: str
    status: FileStatus = "modified"
    old_path: str | None = None
    binary: bool = False
    hunks: list[Hunk] = field(default_factory=list)
    # New-file line number -> text of each line the change added.
    added: dict[int, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    # What the host reports; may exceed the parsed lines when the patch was cut or withheld.
    additions: int = 0
    deletions: int = 0
    # Why the patch is not (fully) here: "binary", "too large to show", "capped", "skipped".
    omitted: str | None = None

    @property
    def changed_lines(self) -> int:
        return self.additions + self.deletions

    def is_added(self, line: int) -> bool:
        return line in self.added


def _parse_hunks(lines: list[str]) -> tuple[list[Hunk], dict[int, str], list[str]]:
    """The hunks of one file's patch; lines outside a hunk's counted range are ignored."""
    hunks: list[Hunk] = []
    added: dict[int, str] = {}
    removed: list[str] = []
    index = 0
    while index < len(lines):
        header = _HUNK_HEADER.match(lines[index])
        index += 1
        if header is None:
            continue
        old_start, new_start = int(header.group(1)), int(header.group(3))
        old_count = int(header.group(2)) if header.group(2) is not None else 1
        new_count = int(header.group(4)) if header.group(4) is not None else 1
        old_left, new_left, new_line = old_count, new_count, new_start
        body: list[str] = []
        while index < len(lines) and (old_left > 0 or new_left > 0):
            line = lines[index]
            if line.startswith("\\"):  # "\ No newline at end of file"
                index += 1
                continue
            if _HUNK_HEADER.match(line):
                break  # a count that lied: the next hunk starts here
            kind = line[:1] or " "  # some tools strip the space of an empty context line
            if kind == "+":
                added[new_line] = line[1:]
                new_line += 1
                new_left -= 1
            elif kind == "-":
                removed.append(line[1:])
                old_left -= 1
            elif kind == " ":
                new_line += 1
                new_left -= 1
                old_left -= 1
            else:
                break
            body.append(line if line else " ")
            index += 1
        while index < len(lines) and lines[index].startswith("\\"):
            index += 1
        hunks.append(Hunk(old_start, old_count, new_start, new_count, header.group(5), tuple(body)))
    return hunks, added, removed


def file_diff(path: str, status: FileStatus, patch: str | None, old_path: str | None = None,
              additions: int | None = None, deletions: int | None = None, binary: bool = False) -> FileDiff:
    """One file from a host that sends its hunks alone (GitHub's `patch`; None when withheld)."""
    hunks, added, removed = _parse_hunks(patch.split("\n")) if patch else ([], {}, [])
    omitted = "binary" if binary else ("too large to show" if patch is None and (additions or deletions) else None)
    return FileDiff(path=path, status=status, old_path=old_path, binary=binary, hunks=hunks, added=added,
                    removed=removed, additions=len(added) if additions is None else additions,
                    deletions=len(removed) if deletions is None else deletions, omitted=omitted)


def diff_texts(path: str, old: str | None, new: str | None, old_path: str | None = None) -> FileDiff:
    """The diff of two versions of one file (None: the file does not exist), three lines of context."""
    before, after = (old or "").splitlines(), (new or "").splitlines()
    lines = list(difflib.unified_diff(before, after, n=3, lineterm=""))[2:]
    status: FileStatus = "added" if old is None else "deleted" if new is None else \
        "renamed" if old_path and old_path != path else "modified"
    return file_diff(path, status, "\n".join(lines), old_path=old_path if status == "renamed" else None)


def _unquote(path: str) -> str:
    """A path as git prints it: C-quoted (with octal UTF-8 bytes) when it has unusual characters."""
    if not (len(path) >= 2 and path[0] == path[-1] == '"'):
        return path
    raw = path[1:-1].encode("utf-8")
    for escape, value in _ESCAPES.items():
        raw = raw.replace(escape, value)
    return _OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), raw).decode("utf-8", errors="replace")


def _strip_prefix(path: str) -> str | None:
    path = _unquote(path.strip())
    if path == "/dev/null":
        return None
    return path[2:] if path[:2] in ("a/", "b/") else path


def _git_header_paths(line: str) -> tuple[str, str]:
    """Old and new path from `diff --git a/X b/Y` (used when no ---/+++ lines follow: binary, renames)."""
    rest = line[len("diff --git "):]
    if rest.startswith('"'):
        end = rest.index('"', 1)
        while rest[end - 1] == "\\":
            end = rest.index('"', end + 1)
        old, new = rest[: end + 1], rest[end + 2:]
    else:
        # Unquoted: the two halves are the same path when it did not change (it may contain " b/").
        half = (len(rest) - 1) // 2
        middle = rest.find(" b/")
        if len(rest) % 2 == 1 and rest[half] == " " and rest[2:half] == rest[half + 3:]:
            middle = half
        old, new = (rest[:middle], rest[middle + 1:]) if middle != -1 else (rest, rest)
    return _strip_prefix(old) or "", _strip_prefix(new) or ""


def parse_unified(text: str) -> list[FileDiff]:
    """Every file of `git diff` output (with the a/ b/ prefixes), in order."""
    files: list[FileDiff] = []
    blocks = re.split(r"^(?=diff --git )", text, flags=re.MULTILINE)
    for block in blocks:
        if not block.startswith("diff --git "):
            continue
        lines = block.split("\n")
        old_path, new_path = _git_header_paths(lines[0])
        status: FileStatus = "modified"
        binary = False
        body_start = len(lines)
        for index, line in enumerate(lines[1:], start=1):
            if line.startswith("@@"):
                body_start = index
                break
            if line.startswith("new file mode"):
                status = "added"
            elif line.startswith("deleted file mode"):
                status = "deleted"
            elif line.startswith("rename from "):
                status, old_path = "renamed", _unquote(line[len("rename from "):])
            elif line.startswith("rename to "):
                new_path = _unquote(line[len("rename to "):])
            elif line.startswith("copy from "):
                status, old_path = "copied", _unquote(line[len("copy from "):])
            elif line.startswith("copy to "):
                new_path = _unquote(line[len("copy to "):])
            elif line.startswith("Binary files ") or line.startswith("GIT binary patch"):
                binary = True
            elif line.startswith("--- "):
                old_path = _strip_prefix(line[4:]) or old_path
            elif line.startswith("+++ "):
                new_path = _strip_prefix(line[4:]) or new_path
        hunks, added, removed = _parse_hunks(lines[body_start:])
        path = old_path if status == "deleted" else new_path
        files.append(FileDiff(path=path, status=status, old_path=old_path if status in ("renamed", "copied") else None,
                              binary=binary, hunks=hunks, added=added, removed=removed, additions=len(added),
                              deletions=len(removed), omitted="binary" if binary else None))
    return files


@dataclass(frozen=True)
class DiffLimits:
    """How much of a change one review reads; the rest is named in the summary, not reviewed."""

    max_files: int = 300
    max_changed_lines: int = 5000


def cap(files: list[FileDiff], limits: DiffLimits) -> tuple[list[FileDiff], list[str]]:
    """`files` cut to `limits` (whole hunks, in order), and what was left out, said in words."""
    kept: list[FileDiff] = []
    budget = limits.max_changed_lines
    capped_files = 0
    for index, file in enumerate(files):
        if index >= limits.max_files or budget <= 0:
            if file.hunks:
                capped_files += 1
                file = replace(file, hunks=[], added={}, removed=[], omitted="capped")
            kept.append(file)
            continue
        parsed = len(file.added) + len(file.removed)
        if parsed <= budget:
            budget -= parsed
            kept.append(file)
            continue
        hunks: list[Hunk] = []
        for hunk in file.hunks:
            size = sum(1 for line in hunk.lines if line[:1] in "+-")
            if size > budget:
                break
            hunks.append(hunk)
            budget -= size
        budget = 0
        capped_files += 1
        kept.append(_only_hunks(file, hunks))
    notes: list[str] = []
    total = sum(file.changed_lines for file in files)
    if capped_files:
        reviewed = sum(len(f.added) + len(f.removed) for f in kept)
        notes.append(f"The diff is large ({total:,} changed lines in {len(files):,} files): the first "
                     f"{reviewed:,} changed lines were reviewed; {capped_files:,} files were cut or left out.")
    return kept, notes


def _only_hunks(file: FileDiff, hunks: list[Hunk]) -> FileDiff:
    """`file` reduced to `hunks`, its added and removed lines recomputed from them."""
    _, added, removed = _parse_hunks([line for hunk in hunks for line in (_header(hunk), *hunk.lines)])
    return replace(file, hunks=hunks, added=added, removed=removed, omitted="capped")


def _header(hunk: Hunk) -> str:
    return f"@@ -{hunk.old_start},{hunk.old_count} +{hunk.new_start},{hunk.new_count} @@ {hunk.section}".rstrip()
