"""The idempotency helper on the real SQLite Store: claim, finish, release, expiry."""

from __future__ import annotations

from pathlib import Path

import pytest

from devrel.adapters.store_sqlite import SqliteStore
from devrel.idempotency import ClaimHeldError, Idempotency
from support.fakes import FakeClock


def helper(tmp_path: Path, clock: FakeClock) -> Idempotency:
    return Idempotency(SqliteStore(tmp_path / "s.sqlite", now=clock), "reply", clock, in_progress_seconds=60,
                       ttl_seconds=600)


def test_one_owner_until_it_completes_then_the_outcome_is_kept(tmp_path: Path) -> None:
    clock = FakeClock()
    once = helper(tmp_path, clock)
    assert once.begin("slack", "m1") is None
    held = once.begin("slack", "m1")
    assert held is not None and held.status == "IN_PROGRESS"
    once.complete("slack", "m1", {"message_id": "42"})
    done = once.begin("slack", "m1")
    assert done is not None and done.status == "COMPLETE" and done.data == {"message_id": "42"}
    assert once.begin("discord", "m1") is None  # scopes are separate


def test_a_crashed_owner_frees_the_key_when_its_claim_expires(tmp_path: Path) -> None:
    clock = FakeClock()
    once = helper(tmp_path, clock)
    assert once.begin("slack", "m1") is None
    clock.now += 61
    assert once.begin("slack", "m1") is None


def test_release_lets_the_retry_start_afresh_and_outcomes_expire(tmp_path: Path) -> None:
    clock = FakeClock()
    once = helper(tmp_path, clock)
    once.begin("slack", "m1")
    once.release("slack", "m1")
    assert once.begin("slack", "m1") is None
    once.complete("slack", "m1")
    clock.now += 601
    assert once.get("slack", "m1") is None


def test_record_once_is_complete_in_one_write(tmp_path: Path) -> None:
    clock = FakeClock()
    once = helper(tmp_path, clock)
    assert once.record_once("github", "d1", {"kind": "k"}) is None
    again = once.record_once("github", "d1")
    assert again is not None and again.status == "COMPLETE" and again.data == {"kind": "k"}


def test_claim_or_done_owns_skips_done_work_and_sends_held_work_back_to_the_queue(tmp_path: Path) -> None:
    clock = FakeClock()
    once = helper(tmp_path, clock)
    assert once.claim_or_done("github", "p1") is True
    with pytest.raises(ClaimHeldError):  # another worker is at it: not done, so not dropped
        once.claim_or_done("github", "p1")
    once.complete("github", "p1")
    assert once.claim_or_done("github", "p1") is False
