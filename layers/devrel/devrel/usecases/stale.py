"""The stale sweep: the one mechanism that reminds, marks `stale`, optionally closes, and undoes all
of it when people come back. Run daily over every open issue and pull request of each repository.

Only items waiting on their author are candidates: the last word came from a maintainer (or the
`needs-info` label says so). An item someone is working on (assignees, a milestone, an open pull
request that references it), one with community interest (reactions), or one with an exempt label
is never touched. Every decision is recorded in the activity log; in dry-run nothing else happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from devrel.activity import Action, ActivityLog
from devrel.ports import IssueTracker, Item, OpenItem, Store, TimelineEntry
from devrel.usecases.assignees import AssigneeLoad

log = logging.getLogger(__name__)

DAY = 86400.0
MAINTAINERS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


class StaleConfig(BaseModel):
    """`stale:` in the repository's `.github/devrel.yml`."""

    enabled: bool = True
    dry_run: bool = False
    remind_after_days: float = Field(default=30, gt=0)
    mark_after_days: float = Field(default=7, gt=0)
    # Closing is opt-in; the message says how to reopen.
    close: bool = False
    close_after_days: float = Field(default=14, gt=0)
    label: str = "stale"
    needs_info_label: str = "needs-info"
    exempt_labels: list[str] = Field(default_factory=lambda: ["pinned", "security", "good first issue",
                                                              "help wanted", "roadmap"])
    # This many reactions mean the community cares, whoever owes the next word.
    exempt_reactions: int = Field(default=5, ge=1)
    include_pull_requests: bool = True


Decision = Literal["none", "remind", "mark", "close", "unmark", "reopen"]


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reason: str


REMINDER = ("Hi @{author}, a friendly reminder: this is waiting for a reply from you. "
            "If it is still relevant, a comment keeps it open; without one it will be marked stale.")
CLOSING = ("Closing this as stale after no activity for a while. It is not forgotten: comment here with "
           "the missing details, @{author}, and it reopens.")


def _key(repository: str, number: int) -> tuple[str, str]:
    return f"stale#{repository}", f"{number:010d}"


def waiting_on_author(item: OpenItem, timeline: list[TimelineEntry], config: StaleConfig) -> bool:
    comments = [entry for entry in timeline if entry.kind == "comment"]
    if not comments:
        return config.needs_info_label in item.labels
    last = comments[-1]
    if last.actor == item.author:
        return False  # the author spoke last: maintainers owe the answer
    return last.association in MAINTAINERS or config.needs_info_label in item.labels


def decide(item: OpenItem, timeline: list[TimelineEntry], config: StaleConfig, now: float,
           reminded_at: float | None, bot_login: str | None) -> Verdict:
    """What the sweep does with one open item."""
    humans = [entry for entry in timeline if entry.actor and entry.actor != bot_login
              and not entry.actor.endswith("[bot]")]
    spoke = [entry.at for entry in humans if entry.kind in ("comment", "reopened")]
    last_human = max(spoke) if spoke else item.updated_at
    is_stale = config.label in item.labels
    marked_at = max([entry.at for entry in timeline if entry.kind == "labeled" and entry.label == config.label],
                    default=0.0)
    if is_stale and last_human > marked_at > 0:
        return Verdict("unmark", "new activity since it was marked stale")
    exempt = set(item.labels) & set(config.exempt_labels)
    if exempt or item.assignees or item.milestone or item.reactions >= config.exempt_reactions:
        reason = (f"exempt label {sorted(exempt)[0]}" if exempt else "assigned" if item.assignees
                  else "in a milestone" if item.milestone else f"{item.reactions} reactions")
        return Verdict("unmark" if is_stale else "none", reason)
    if any(entry.kind == "cross-referenced" and entry.open_pull_request for entry in timeline):
        return Verdict("unmark" if is_stale else "none", "an open pull request references it")
    if not waiting_on_author(item, timeline, config):
        return Verdict("none", "waiting on the maintainers, not the author")
    idle_days = (now - last_human) / DAY
    if is_stale:
        if config.close and marked_at and (now - marked_at) / DAY >= config.close_after_days:
            return Verdict("close", f"stale for {(now - marked_at) / DAY:.0f} days")
        return Verdict("none", "already marked stale")
    if reminded_at is not None and reminded_at >= last_human:
        if (now - reminded_at) / DAY >= config.mark_after_days:
            return Verdict("mark", f"no reply {(now - reminded_at) / DAY:.0f} days after the reminder")
        return Verdict("none", "reminded; waiting")
    if idle_days >= config.remind_after_days:
        return Verdict("remind", f"waiting on the author for {idle_days:.0f} days")
    return Verdict("none", f"quiet for {idle_days:.0f} days")


@dataclass(frozen=True)
class SweepReport:
    repository: str
    items: int
    candidates: int
    decisions: dict[str, int]


class StaleSweep:
    def __init__(self, tracker: IssueTracker, store: Store, activity: ActivityLog, clock: Callable[[], float],
                 bot_login: str | None = None, load: AssigneeLoad | None = None) -> None:
        self._tracker = tracker
        self._load = load
        self._store = store
        self._activity = activity
        self._clock = clock
        self._bot = bot_login

    def sweep(self, repository: str) -> SweepReport:
        config = StaleConfig.model_validate(self._tracker.repository_config(repository).get("stale") or {})
        if not config.enabled:
            return SweepReport(repository, 0, 0, {})
        now = self._clock()
        counts: dict[str, int] = {}
        listed = self._tracker.open_items(repository)
        if self._load is not None:
            # The same listing tells who holds every open issue: it corrects what a missed webhook left.
            self._load.reconcile(repository, listed)
        items = [item for item in listed if config.include_pull_requests or not item.is_pull_request]
        candidates = 0
        for item in items:
            record = self._store.get(*_key(repository, item.number))
            reminded = float(record.data["reminded_at"]) if record and "reminded_at" in record.data else None
            if reminded is None and self._quiet_enough_to_skip(item, config, now):
                continue  # recently active, not reminded, not stale: no timeline call needed
            candidates += 1
            verdict = decide(item, self._tracker.timeline(repository, item.number), config, now, reminded, self._bot)
            counts[verdict.decision] = counts.get(verdict.decision, 0) + 1
            if verdict.decision != "none":
                self._act(repository, item, verdict, config, now)
        self._reopen_returning_authors(repository, config, counts)
        return SweepReport(repository, len(items), candidates, counts)

    @staticmethod
    def _quiet_enough_to_skip(item: OpenItem, config: StaleConfig, now: float) -> bool:
        return config.label not in item.labels and (now - item.updated_at) / DAY < config.remind_after_days

    def _act(self, repository: str, item: OpenItem, verdict: Verdict, config: StaleConfig, now: float) -> None:
        tracker, number = self._tracker, item.number
        target = item.html_url or f"https://github.com/{repository}/issues/{number}"
        kinds = {"remind": "nudge", "mark": "label", "unmark": "label", "close": "close"}
        details = {"remind": REMINDER.format(author=item.author), "mark": f"+{config.label}",
                   "unmark": f"-{config.label}", "close": CLOSING.format(author=item.author)}
        entry = Action(kind=kinds[verdict.decision], platform="github", target=target,  # type: ignore[arg-type]
                       status="dry-run" if config.dry_run else "posted", reason=f"stale sweep: {verdict.reason}",
                       run=f"stale-sweep-{int(now)}", detail=details.get(verdict.decision, ""))
        if config.dry_run:
            self._activity.record(entry)
            return
        try:
            if verdict.decision == "remind":
                tracker.comment(repository, number, details["remind"])
                self._store.put(Item(*_key(repository, number), {"reminded_at": now}))
            elif verdict.decision == "mark":
                tracker.add_labels(repository, number, [config.label])
            elif verdict.decision == "unmark":
                tracker.remove_label(repository, number, config.label)
                self._store.delete(*_key(repository, number))
            elif verdict.decision == "close":
                tracker.comment(repository, number, details["close"])
                tracker.close(repository, number, "not_planned")
                self._store.put(Item(f"stale-closed#{repository}", f"{number:010d}",
                                     {"closed_at": now, "author": item.author}))
        except Exception as error:
            self._activity.record(entry.model_copy(update={"status": "failed", "error": str(error)[:300]}))
            log.warning("stale sweep: %s on %s#%s failed: %s", verdict.decision, repository, number, error)
            return
        self._activity.record(entry)

    def _reopen_returning_authors(self, repository: str, config: StaleConfig, counts: dict[str, int]) -> None:
        """An issue the sweep closed reopens when its author comments after the close."""
        for record in self._store.query(f"stale-closed#{repository}", limit=1000):
            number, closed_at, author = int(record.sk), float(record.data["closed_at"]), record.data.get("author")
            came_back = any(entry.kind == "comment" and entry.actor == author and entry.at > closed_at
                            for entry in self._tracker.timeline(repository, number))
            if not came_back:
                continue
            counts["reopen"] = counts.get("reopen", 0) + 1
            target = f"https://github.com/{repository}/issues/{number}"
            entry = Action(kind="reopen", platform="github", target=target, status="dry-run" if config.dry_run
                           else "posted", reason="stale sweep: the author came back", detail=f"-{config.label}")
            if not config.dry_run:
                self._tracker.reopen(repository, number)
                self._tracker.remove_label(repository, number, config.label)
                self._store.delete(record.pk, record.sk)
                self._store.delete(*_key(repository, number))
            self._activity.record(entry)
