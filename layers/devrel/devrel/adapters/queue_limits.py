"""SQS's argument limits, enforced by both queue adapters so they reject the same calls alike."""

from __future__ import annotations

MAX_DELAY_SECONDS = 900
MAX_BATCH = 10
MAX_VISIBILITY_SECONDS = 12 * 3600
# Longer waits are cut to this (SQS long polling tops out at 20 s).
MAX_WAIT_SECONDS = 20


def check_send(delay_seconds: int) -> None:
    if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise ValueError(f"delay_seconds must be within 0..{MAX_DELAY_SECONDS}, got {delay_seconds}")


def check_receive(max_messages: int, wait_seconds: float) -> None:
    if not 1 <= max_messages <= MAX_BATCH:
        raise ValueError(f"max_messages must be within 1..{MAX_BATCH}, got {max_messages}")
    if wait_seconds < 0:
        raise ValueError(f"wait_seconds must not be negative, got {wait_seconds}")


def check_visibility(timeout_seconds: int) -> None:
    if not 0 <= timeout_seconds <= MAX_VISIBILITY_SECONDS:
        raise ValueError(f"timeout_seconds must be within 0..{MAX_VISIBILITY_SECONDS}, got {timeout_seconds}")
