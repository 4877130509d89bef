"""The duplicate index over the repository's whole history, and keeping it current.

`devrel backfill --github` loads past issues, open and closed; each ended one is scored against the
issues opened before it (what triage would have seen), and how it ended (closed as a duplicate or
labelled so, or not) goes with it, so the repository's own marked duplicates calibrate the threshold
from the first day. Webhooks then keep it current: edits, closes and reopens, transfers and deletions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from devrel.ports import Item, PastIssue, Store
from devrel.usecases import issue_analysis
from devrel.usecases.triage_steps import (
    DUPLICATE_LABELS,
    IssueFacts,
    TriageConfig,
    duplicate_threshold,
    issues_partition,
)

# Each issue's best similarity to the issues before it in the list (0.0 for the first).
EarlierBestScores = Callable[[list[IssueFacts]], list[float]]


def _key(repository: str, number: int) -> tuple[str, str]:
    return issues_partition(repository), f"{number:010d}"


def ending(issue: PastIssue) -> str | None:
    if issue.state_reason == "duplicate" or DUPLICATE_LABELS & {label.lower() for label in issue.labels}:
        return "duplicate"
    return None if issue.is_open else "other"


@dataclass(frozen=True)
class HistoryReport:
    issues: int
    marked_duplicates: int
    skipped_security: int
    threshold: float
    threshold_basis: str


def load_history(store: Store, repository: str, past: Iterable[PastIssue], scores: EarlierBestScores
                 ) -> HistoryReport:
    """Put `past` into the repository's duplicate index, oldest first, with best earlier scores and endings."""
    ordered = sorted(past, key=lambda issue: (issue.created_at, issue.number))
    # A report that reads like a vulnerability is never a public duplicate candidate (as at triage).
    kept = [issue for issue in ordered if not issue_analysis.analyze(issue.title, issue.body).security]
    facts = [IssueFacts(repository=repository, number=issue.number, title=issue.title, body=issue.body,
                        author=issue.author, labels=list(issue.labels), html_url=issue.html_url,
                        created_at=issue.created_at, outcome=ending(issue))  # type: ignore[arg-type]
             for issue in kept]
    best = scores(facts) if facts else []
    # One read of the partition for the bot's closes, not one get per issue of a long history.
    closed_by_bot = {item.sk for item in store.query(issues_partition(repository), limit=100_000)
                     if item.data.get("closed_by_bot")}
    for fact, score in zip(facts, best, strict=True):
        key = _key(repository, fact.number)
        store.put(Item(*key, data={**fact.model_dump(), "top_score": round(float(score), 4),
                                   "closed_by_bot": key[1] in closed_by_bot}))
    indexed = [IssueFacts.model_validate(item.data)
               for item in store.query(issues_partition(repository), limit=100_000)]
    threshold, basis = duplicate_threshold(indexed, TriageConfig())
    return HistoryReport(issues=len(facts), marked_duplicates=sum(f.outcome == "duplicate" for f in facts),
                         skipped_security=len(ordered) - len(kept), threshold=threshold, threshold_basis=basis)


def keep_current(store: Store, repository: str, number: int, title: str | None, body: str | None,
                 removed: bool) -> str | None:
    """An issue edited, transferred away or deleted: the index follows. Returns what changed, if anything."""
    key = _key(repository, number)
    known = store.get(*key)
    if known is None:
        return None
    if removed:
        store.delete(*key)
        return "removed"
    if title is None and body is None:
        return None
    fact = IssueFacts.model_validate(known.data)
    fact = fact.model_copy(update={"title": fact.title if title is None else title,
                                   "body": fact.body if body is None else body})
    if issue_analysis.analyze(fact.title, fact.body).security:
        store.delete(*key)  # edited into a possible security report: out of public matching
        return "removed"
    store.put(Item(*key, data={**known.data, "title": fact.title, "body": fact.body}))
    return "updated"
