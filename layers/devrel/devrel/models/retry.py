"""Retry policy shared by the OpenAI-compatible adapters."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import openai

from devrel.ports import PortError

T = TypeVar("T")

# Worth another try: the server was unreachable, throttled us or failed on its side.
TRANSIENT_ERRORS: tuple[type[openai.OpenAIError], ...] = (
    openai.APIConnectionError,  # includes APITimeoutError
    openai.RateLimitError,
    openai.InternalServerError,  # every 5xx
)
# A provider asking for a long pause is better answered by the caller's fallback than by waiting.
MAX_RETRY_AFTER_SECONDS = 30.0


def call_with_retries(
    call: Callable[[], T],
    attempts: int,
    backoff_seconds: float,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `call`, retrying transient API errors with exponential backoff.

    Any API failure that remains (a permanent one, or the last transient one) becomes a PortError
    so the domain can fall back without knowing the SDK.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except TRANSIENT_ERRORS as error:
            if attempt == attempts:
                raise PortError(f"{what} failed after {attempts} attempts: {error}") from error
            sleep(_delay(error, backoff_seconds * 2 ** (attempt - 1)))
        except openai.OpenAIError as error:
            raise PortError(f"{what} failed: {error}") from error
    raise AssertionError("unreachable: the last attempt returns or raises")


def _delay(error: openai.OpenAIError, backoff: float) -> float:
    """The backoff, or the server's Retry-After when it asks for longer (capped)."""
    if isinstance(error, openai.APIStatusError):
        retry_after = error.response.headers.get("retry-after", "")
        try:
            requested = float(retry_after)
        except ValueError:
            return backoff
        return max(backoff, min(requested, MAX_RETRY_AFTER_SECONDS))
    return backoff
