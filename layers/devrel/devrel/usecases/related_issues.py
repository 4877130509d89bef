"""A question asked on Slack, Discord, Discourse or Telegram that matches an issue of the project's
repository, or a conversation the assistant already answered, gets that link and its status in its
answer, so people find the existing report (and its workaround or fix) or the earlier answer instead
of asking again. The match is the duplicate search of triage, at the repository's duplicate
threshold: said only when it is as sure as triage would be.

The search index is built once per process and then kept current from the store: at most once per
`refresh_seconds` the partition is read again and only the issues that changed are scored anew
(triage.duplicates.LiveIndex), instead of fitting the whole history for every question.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from devrel.events import DiscordAddress, DiscourseAddress, InboundEvent, SlackAddress, TelegramAddress
from devrel.platforms.text import break_mentions
from devrel.ports import Embedder, Store
from devrel.records import AnsweredThreads, conversation_key
from devrel.triage.duplicates import Candidate, LiveIndex
from devrel.triage.text import Issue
from devrel.usecases.triage_steps import (
    GLOBAL_DUPLICATE_THRESHOLD,
    IssueFacts,
    TriageConfig,
    duplicate_threshold,
    issues_partition,
)

log = logging.getLogger(__name__)

STATUS = {"duplicate": "closed as a duplicate", "other": "closed"}
# How stale a process's copy of the index may be: a hint in a chat answer can lag a minute behind.
REFRESH_SECONDS = 60.0
HISTORY_LIMIT = 100_000


def answer_place(event: InboundEvent) -> str | None:
    """Where a conversation is visible: an earlier answer is offered only to askers in the same place
    (a channel, a chat, the forum), so no one is pointed to (or shown the question of) a conversation
    they cannot read. None where the assistant keeps no answered threads (GitHub, the console)."""
    address = event.reply_to
    if isinstance(address, SlackAddress) and address.channel:
        return f"{address.team}/{address.channel}"
    if isinstance(address, DiscordAddress) and address.channel:
        return f"{address.guild}/{address.channel}"
    if isinstance(address, DiscourseAddress):
        return "forum"
    if isinstance(address, TelegramAddress):
        return str(address.chat_id)
    return None


def linkable(event: InboundEvent) -> bool:
    """Whether a later asker can open this conversation from a link: a Slack slash command's answer
    has no thread (and its question was never shown to the channel), so it is never pointed to."""
    address = event.reply_to
    return not isinstance(address, SlackAddress) or bool(address.thread_ts)


class _Corpus:
    """One store partition as a LiveIndex, read again at most every `refresh_seconds`."""

    def __init__(self, read: Callable[[], dict[str, tuple[Issue, dict[str, Any]]]],
                 embedder: Callable[[], Embedder | None], clock: Callable[[], float], refresh_seconds: float
                 ) -> None:
        self._read = read
        self._embedder = embedder
        self._clock = clock
        self._refresh = refresh_seconds
        self._index: LiveIndex | None = None
        self._checked = float("-inf")
        self.data: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def search(self, probe: Issue, k: int = 5) -> list[tuple[Candidate, dict[str, Any]]]:
        """The best matches with what is kept about each, from one snapshot of the partition."""
        with self._lock:  # one refresh at a time; worker threads share the process's index
            now = self._clock()
            if self._index is None or now - self._checked >= self._refresh:
                current = self._read()
                issues = {key: issue for key, (issue, _) in current.items()}
                self.data = {key: data for key, (_, data) in current.items()}
                if self._index is None:
                    self._index = LiveIndex(list(issues.values()), self._embedder())
                else:
                    self._index.update(issues)
                self._checked = now
            index, data = self._index, self.data
        return [(found, data.get(found.issue_id) or {}) for found in index.find(probe, k)] if len(index) else []


def _vectors(embedder: Callable[[], Embedder]) -> Callable[[], Embedder | None]:
    def vectors() -> Embedder | None:
        try:
            return embedder()
        except Exception as error:  # the lexical half still finds most matches
            log.warning("related search without embeddings: %s", error)
            return None

    return vectors


class RelatedIssues:
    """The project's issues and the assistant's answered threads, searchable by a chat question."""

    def __init__(self, store: Store, repository: str, embedder: Callable[[], Embedder],
                 clock: Callable[[], float] = time.time, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._store = store
        self._repository = repository
        self._clock = clock
        self._embedder = _vectors(embedder)
        self._refresh = refresh_seconds
        self._issues = _Corpus(self._read_issues, self._embedder, clock, refresh_seconds)
        self._threads: dict[str, _Corpus] = {}
        self._threshold = GLOBAL_DUPLICATE_THRESHOLD
        self._answered = AnsweredThreads(store, clock)

    def _read_issues(self) -> dict[str, tuple[Issue, dict[str, Any]]]:
        if not self._repository:
            return {}
        facts = [IssueFacts.model_validate(item.data)
                 for item in self._store.query(issues_partition(self._repository), limit=HISTORY_LIMIT)]
        # The threshold moves with the marked duplicates: worked out again whenever the history is read.
        self._threshold, _ = duplicate_threshold(facts, TriageConfig())
        return {str(fact.number): (Issue(fact.title, fact.body, issue_id=str(fact.number)),
                                   {"url": fact.html_url, "outcome": fact.outcome}) for fact in facts}

    def _reader(self, platform: str) -> Callable[[], dict[str, tuple[Issue, dict[str, Any]]]]:
        def read() -> dict[str, tuple[Issue, dict[str, Any]]]:
            return {item.sk: (Issue(str(item.data.get("question") or ""), issue_id=item.sk), item.data)
                    for item in self._answered.all(platform, limit=HISTORY_LIMIT)}

        return read

    def line(self, question: str) -> str | None:
        """One sentence naming the best matching issue and its status, or None when none matches well."""
        if not question.strip() or not self._repository:
            return None
        candidates = self._issues.search(Issue(question[:200], question, issue_id="question"))
        matches = [(c, data) for c, data in candidates if c.score >= self._threshold]
        if not matches:
            return None
        best, data = matches[0]
        status = STATUS.get(str(data.get("outcome") or ""), "open")
        url = data.get("url") or f"https://github.com/{self._repository}/issues/{best.issue_id}"
        # The title is someone else's words: no mention in it may notify anybody.
        title = break_mentions(best.title)[:120]
        return f"This looks like {url} ('{title}', {status}; similarity {best.score:.2f})."

    def thread_line(self, event: InboundEvent) -> str | None:
        """One sentence pointing to an answered conversation in the same place that asked the same."""
        place = answer_place(event)
        if place is None or not event.text.strip():
            return None
        corpus = self._threads.get(event.platform)
        if corpus is None:
            corpus = self._threads.setdefault(event.platform, _Corpus(
                self._reader(event.platform), self._embedder, self._clock, self._refresh))
        own = AnsweredThreads.key(conversation_key(event))
        for candidate, data in corpus.search(Issue(event.text[:1000], issue_id=own), k=20):
            if candidate.score < self._threshold:
                break
            if data.get("place") != place or int(data.get("down") or 0) > int(data.get("up") or 0):
                continue  # another place's conversation, or one its readers found unhelpful
            up = int(data.get("up") or 0)
            status = f"answered, {up} found it helpful" if up else "answered"
            # The earlier question is someone else's words, shown only where it was asked.
            quoted = break_mentions(str(data.get("question") or ""))[:120]
            return (f"This was answered before here: {data.get('link')} ('{quoted}', {status}; "
                    f"similarity {candidate.score:.2f}).")
        return None

    def lines(self, event: InboundEvent) -> str | None:
        """The matching issue and the matching answered thread, one line each, or None."""
        found = [line for line in (self.line(event.text), self.thread_line(event)) if line]
        return "\n".join(found) or None
