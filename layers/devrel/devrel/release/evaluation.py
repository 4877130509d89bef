"""Scoring generated notes against published ones (ReleaseEval's commit2sum rows: `commits`, the
messages of a release's commits one after another, and `release`, its published notes).

The rows carry no commit ids, authors or files: each message becomes a commit of its own, the
notes are drafted exactly as for a repository, and compared without their references and thanks
(the published notes have neither). The baseline copies the commit messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from devrel.ports import LLM
from devrel.release.changes import USER_FACING, ReleaseRange, SourceCommit
from devrel.release.classify import KindModel
from devrel.release.drafting import classified_changes
from devrel.release.notes import RenderOptions, render
from devrel.release.phrasing import rephrase

_TRAILER_LINE = re.compile(r"^(co-authored-by|signed-off-by|reviewed-by|this reverts commit|closes|fixes|refs?|"
                           r"resolves|see|change-id|cc)\b", re.I)
_BULLET = re.compile(r"^\s*([*\-+•]|\d+[.)])\s")
# A hard-wrapped paragraph line is long; a subject after a body follows a short or finished line.
WRAP_WIDTH = 60


@dataclass(frozen=True)
class Row:
    commits: str
    release: str


def split_messages(text: str) -> list[tuple[str, str]]:
    """(subject, body) of each commit in a row's concatenated messages.

    Messages follow each other without a separator: a subject line, optionally a blank line and a
    body. A line right after a body line starts a new message when that body line ended a paragraph
    (a trailer, a list item, a finished sentence, a short line) rather than wrapping into it."""
    messages: list[tuple[str, list[str]]] = []
    in_body = False
    previous = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            if messages:
                in_body = True
            previous = ""
            continue
        if not messages or not in_body:
            if (messages and not in_body and previous) or not messages:
                messages.append((line.strip(), []))
            else:
                messages[-1][1].append(line)
            previous = line
            continue
        starts_new = bool(previous) and not _BULLET.match(line) and not line.startswith((" ", "\t")) and (
            _TRAILER_LINE.match(previous.strip()) is not None or _BULLET.match(previous) is not None
            or len(previous) < WRAP_WIDTH or previous.rstrip().endswith((".", ")", "!", ":")))
        if starts_new:
            messages.append((line.strip(), []))
            in_body = False
        else:
            messages[-1][1].append(line)
        previous = line
    return [(subject, "\n".join(body).strip()) for subject, body in messages]


def row_range(commits: str) -> ReleaseRange:
    """A row's messages as a range of commits, oldest first (the order the rows list them)."""
    found = [SourceCommit(sha=f"{index:040x}", subject=subject, body=body, at=float(index))
             for index, (subject, body) in enumerate(split_messages(commits), 1)]
    return ReleaseRange(repository="row", from_ref="", to_ref="", commits=found)


EVAL_OPTIONS = RenderOptions(refs=False, contributors=False)


def generated_notes(commits: str, model: KindModel | None = None, llm: LLM | None = None) -> str:
    changes = classified_changes(row_range(commits), model)
    user_facing = [i for i, c in enumerate(changes) if c.kind in USER_FACING and not c.routine]
    return render(changes, "external", EVAL_OPTIONS, rephrase(changes, user_facing, llm))


def copy_baseline(commits: str) -> str:
    return commits


Scorer = Callable[[str, str], dict[str, float]]


def score_rows(rows: Sequence[Row], generate: Callable[[str], str], scorer: Scorer) -> dict[str, float]:
    """Mean F1 (in %) of each ROUGE variant the scorer reports, over the rows."""
    totals: dict[str, float] = {}
    for row in rows:
        for name, value in scorer(row.release, generate(row.commits)).items():
            totals[name] = totals.get(name, 0.0) + value
    return {name: round(100 * total / max(1, len(rows)), 2) for name, total in totals.items()}
