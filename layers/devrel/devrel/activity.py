"""The activity log: every action of the assistant, or in dry-run what it would have done, for
maintainers to review (the dashboard, `devrel activity`, the edge console).

Apart from devrel.records because `Action` is a pydantic model and the webhook functions, which
import the records but never log an action, start faster without pydantic (see devrel.structs).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel

from devrel.events import Platform
from devrel.ports import Item, Store


class Action(BaseModel):
    """One thing the assistant did, or in dry-run would have done, for a maintainer to review."""

    kind: Literal["answer", "comment", "label", "close", "reopen", "welcome", "nudge", "review", "release_draft",
                  "assign", "alert", "handoff", "release_approval", "release_decision", "release_edit",
                  "release_publish", "announce", "handoff_answer", "congratulate"]
    platform: Platform
    # Where it happened: a link a person can open (or the platform's own address of the thread).
    target: str
    status: Literal["posted", "dry-run", "failed"]
    reason: str = ""
    # The run it belongs to: a delivery id (answers) or a state machine execution (triage, onboarding).
    run: str = ""
    # What was (or would be) said or set: the comment text, the labels.
    detail: str = ""
    error: str | None = None
    at: float = 0.0


ActivityEcho = Callable[[Action], None]


class ActivityLog:
    """Every action of the assistant, newest first, one partition per day (so no partition grows
    without end). At the edge each one is also echoed on the console as it happens."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time, echo: ActivityEcho | None = None,
                 ttl_seconds: int = 400 * 24 * 3600) -> None:
        self._store = store
        self._clock = clock
        self._echo = echo
        self._ttl = ttl_seconds

    @staticmethod
    def _day(at: float) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(at))

    def record(self, action: Action) -> Action:
        now = self._clock()
        action = action.model_copy(update={"at": action.at or now, "detail": action.detail[:4000]})
        key = f"{action.at:017.6f}#{action.kind}#{uuid.uuid4().hex[:8]}"
        self._store.put(Item(pk=f"activity#{self._day(action.at)}", sk=key, data=action.model_dump(mode="json"),
                             expires_at=int(now) + self._ttl))
        if self._echo is not None:
            self._echo(action)
        return action

    def latest(self, days: int = 7, limit: int = 200, kind: str | None = None, status: str | None = None,
               platform: str | None = None) -> list[Action]:
        """The newest actions of the last `days` days, optionally of one kind, status or platform."""
        found: list[Action] = []
        today = self._clock()
        for back in range(days):
            items = self._store.query(f"activity#{self._day(today - back * 86400)}", limit=1000, newest_first=True)
            for item in items:
                action = Action.model_validate(item.data)
                if (kind and action.kind != kind) or (status and action.status != status) or \
                        (platform and action.platform != platform):
                    continue
                found.append(action)
                if len(found) >= limit:
                    return found
        return found


def console_line(action: Action) -> str:
    """One line per action for the edge console: what, where (a link), and how it went."""
    status = action.status if action.status != "failed" else f"FAILED ({action.error})"
    reason = f" - {action.reason}" if action.reason else ""
    return f"[activity] {action.kind} {status}: {action.target}{reason}"
