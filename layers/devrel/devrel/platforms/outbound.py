"""What the worker needs to know about posting to a platform, beyond the `ChatPlatform` port."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from devrel.ports import PortError


class PlatformError(PortError):
    """A platform API refused or failed a call. `retryable` when trying again may succeed
    (rate limits, 5xx, network trouble); otherwise (bad token, unknown channel) it will not."""

    def __init__(self, platform: str, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(f"{platform}: {message}")
        self.platform = platform
        self.retryable = retryable
        self.status = status


def is_retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


@runtime_checkable
class WorkingIndicator(Protocol):
    """Optional: show the user that an answer is on its way (a Slack reaction, a typing state)."""

    def mark_working(self, event: Any) -> None: ...
