"""One idempotency helper for every "do this once" in the assistant: accepting a platform delivery,
posting a reply, starting a newcomer's onboarding.

A record is IN_PROGRESS while its owner works (it expires, so a crashed owner does not block the
retry forever), then COMPLETE with the outcome until its time to live ends; `release` forgets it
after a failure, so the retry starts afresh. The conditional write of the Store makes concurrent
attempts race safely: exactly one `begin` wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from devrel.ports import Item, PortError, Store

Status = Literal["IN_PROGRESS", "COMPLETE"]


class ClaimHeldError(PortError):
    """Another worker holds the claim (or crashed holding it, until it lapses): the queue should try again."""


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    status: Status
    data: dict[str, Any] = field(default_factory=dict)


def record_key(namespace: str, scope: str, key: str) -> tuple[str, str]:
    """The Store key of one record."""
    return f"{namespace}#{scope}", key


class Idempotency:
    """Records live under `<namespace>#<scope>` (e.g. `delivery#slack`) keyed by the caller's id."""

    def __init__(self, store: Store, namespace: str, clock: Callable[[], float], in_progress_seconds: int,
                 ttl_seconds: int | None) -> None:
        self._store = store
        self._namespace = namespace
        self._clock = clock
        self._in_progress = in_progress_seconds
        self._ttl = ttl_seconds

    def key(self, scope: str, key: str) -> tuple[str, str]:
        return record_key(self._namespace, scope, key)

    def begin(self, scope: str, key: str, data: dict[str, Any] | None = None) -> IdempotencyRecord | None:
        """Claim `key`. None when this caller now owns it; otherwise the record that is already there."""
        now = self._clock()
        claim = Item(*self.key(scope, key), {"status": "IN_PROGRESS", **(data or {})}, int(now) + self._in_progress)
        if self._store.put_if_absent(claim):
            return None
        return self.get(scope, key) or IdempotencyRecord(key, "IN_PROGRESS")  # expired meanwhile: someone's

    def record_once(self, scope: str, key: str, data: dict[str, Any] | None = None) -> IdempotencyRecord | None:
        """Claim `key` as already COMPLETE, in one conditional write: for work that cannot half-happen
        once claimed (an enqueue, which `release` undoes on failure). None when newly recorded."""
        now = self._clock()
        expires = int(now) + self._ttl if self._ttl is not None else None
        if self._store.put_if_absent(Item(*self.key(scope, key), {"status": "COMPLETE", **(data or {})}, expires)):
            return None
        return self.get(scope, key) or IdempotencyRecord(key, "COMPLETE")

    def complete(self, scope: str, key: str, data: dict[str, Any] | None = None) -> None:
        now = self._clock()
        expires = int(now) + self._ttl if self._ttl is not None else None
        self._store.put(Item(*self.key(scope, key), {"status": "COMPLETE", **(data or {})}, expires))

    def release(self, scope: str, key: str) -> None:
        self._store.delete(*self.key(scope, key))

    def claim_or_done(self, scope: str, key: str) -> bool:
        """True when this caller now owns `key`; False when it was done already. Raises ClaimHeldError while
        someone else holds it, so a queue delivers the work again later instead of dropping it."""
        held = self.begin(scope, key)
        if held is None:
            return True
        if held.status == "COMPLETE":
            return False
        raise ClaimHeldError(f"{self._namespace} {scope}/{key} is held by another worker")

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        item = self._store.get(*self.key(scope, key))
        if item is None:
            return None
        status: Status = "COMPLETE" if item.data.get("status") == "COMPLETE" else "IN_PROGRESS"
        return IdempotencyRecord(key, status, {k: v for k, v in item.data.items() if k != "status"})
