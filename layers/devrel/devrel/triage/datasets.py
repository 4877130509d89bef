"""Reading labelled issues and duplicate pairs from CSV files.

Issue files have `label,title,body` columns (NLBSE style; other columns are kept as extras).
A label cell may hold several labels separated by `|` or `;` (area labels). Report files have
`id,summary,description`-like columns (GitBugs style: `Issue id`, `Summary`, `Description`), and
optionally when each was opened (`Created`, `created_at`).
Pair files list one duplicate pair per row, the two ids in the first two columns.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from devrel.triage.text import Issue

# Issue bodies with logs exceed csv's default 128 KiB field limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_LABEL_SEPARATORS = re.compile(r"\s*[|;]\s*")
_CREATED_COLUMNS = ("created", "created at", "opened", "creation date")
# Jira's export ("30/Sep/21 17:20"); ISO 8601 (GitHub's) is tried first.
_TIME_FORMATS = ("%d/%b/%y %H:%M", "%d/%b/%Y %H:%M", "%d/%b/%y %I:%M %p")


def parse_time(cell: str) -> float | None:
    """Unix seconds of a date as trackers export it (UTC when no zone is given); None when unreadable."""
    cell = cell.strip()
    if not cell:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(cell.replace("Z", "+00:00"))
    except ValueError:
        for layout in _TIME_FORMATS:
            try:
                parsed = datetime.strptime(cell, layout)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


class DatasetError(ValueError):
    """A data file lacks the columns or values an evaluation needs."""


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        if not reader.fieldnames:
            raise DatasetError(f"{path}: empty file")
        yield from reader


def _column(fieldnames: Sequence[str], candidates: Sequence[str], path: Path) -> str:
    by_key = {name.strip().lower().replace("_", " "): name for name in fieldnames}
    for candidate in candidates:
        if candidate in by_key:
            return by_key[candidate]
    raise DatasetError(f"{path}: no column among {list(candidates)} (columns: {list(fieldnames)})")


def split_labels(cell: str) -> tuple[str, ...]:
    return tuple(label for label in _LABEL_SEPARATORS.split(cell.strip()) if label)


def read_issues(path: Path, require_labels: bool = True) -> list[Issue]:
    rows = list(_rows(path))
    if not rows:
        return []
    fieldnames = list(rows[0])
    title = _column(fieldnames, ("title", "summary"), path)
    body = _column(fieldnames, ("body", "description", "text"), path)
    label = _column(fieldnames, ("label", "labels"), path) if require_labels else None
    identifier = next((name for name in fieldnames if name.strip().lower() in ("id", "issue id", "number")), None)
    used = {title, body, label, identifier}
    issues = []
    for line, row in enumerate(rows, start=2):
        labels = split_labels(row[label] or "") if label else ()
        if require_labels and not labels:
            raise DatasetError(f"{path}:{line}: empty label")
        issues.append(Issue(
            title=row[title] or "",
            body=row[body] or "",
            labels=labels,
            issue_id=(row[identifier] or "") if identifier else str(line),
            extra={name: value for name, value in row.items() if name not in used and value is not None},
        ))
    return issues


def read_reports(path: Path) -> list[Issue]:
    """Past issue reports to search for duplicates (no labels needed)."""
    rows = list(_rows(path))
    if not rows:
        return []
    fieldnames = list(rows[0])
    identifier = _column(fieldnames, ("issue id", "id", "number", "bug id"), path)
    title = _column(fieldnames, ("summary", "title"), path)
    body = _column(fieldnames, ("description", "body", "text"), path)
    created = next((name for name in fieldnames if name.strip().lower().replace("_", " ") in _CREATED_COLUMNS), None)
    used = {identifier, title, body}
    return [
        Issue(title=row[title] or "", body=row[body] or "", issue_id=(row[identifier] or "").strip(),
              extra={name: value for name, value in row.items() if name not in used and value is not None},
              created=parse_time(row[created] or "") if created else None)
        for row in rows
    ]


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """(issue id, id of the issue it duplicates) per row."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    if not rows:
        return []
    header, *body = rows
    if len(header) < 2:
        raise DatasetError(f"{path}: need two id columns")
    return [(row[0].strip(), row[1].strip()) for row in body if len(row) >= 2 and row[0].strip()]
