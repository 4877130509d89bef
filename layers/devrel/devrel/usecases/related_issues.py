"""A question asked on Slack, Discord, Discourse or Telegram that matches an issue of the project's
repository gets that issue's link and status in its answer, so people find the existing report (and
its workaround or fix) instead of opening a new one. The match is the duplicate search of triage, at
the repository's duplicate threshold: said only when it is as sure as triage would be."""

from __future__ import annotations

import logging

from devrel.platforms.text import break_mentions
from devrel.ports import Store
from devrel.usecases.triage_steps import DuplicateScorer, IssueFacts, TriageConfig, duplicate_threshold

log = logging.getLogger(__name__)

STATUS = {"duplicate": "closed as a duplicate", "other": "closed"}


class RelatedIssues:
    def __init__(self, store: Store, repository: str, scorer: DuplicateScorer) -> None:
        self._store = store
        self._repository = repository
        self._scorer = scorer

    def line(self, question: str) -> str | None:
        """One sentence naming the best matching issue and its status, or None when none matches well."""
        if not question.strip():
            return None
        past = [IssueFacts.model_validate(item.data)
                for item in self._store.query(f"issues#{self._repository}", limit=5000)]
        if not past:
            return None
        threshold, _ = duplicate_threshold(past, TriageConfig())
        probe = IssueFacts(repository=self._repository, number=0, title=question[:200], body=question)
        matches = [c for c in self._scorer(probe, past) if c.score >= threshold]
        if not matches:
            return None
        best = matches[0]
        issue = next((p for p in past if p.number == best.number), None)
        status = STATUS.get(issue.outcome or "", "open") if issue else "open"
        url = best.url or f"https://github.com/{self._repository}/issues/{best.number}"
        # The title is someone else's words: no mention in it may notify anybody.
        title = break_mentions(best.title)[:120]
        return f"This looks like {url} ('{title}', {status}; similarity {best.score:.2f})."
