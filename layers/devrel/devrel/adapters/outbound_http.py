"""A small JSON-over-HTTP client (requests) for the REST platforms: Discord and Discourse."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import requests

from devrel.logs import redact
from devrel.platforms.outbound import PlatformError, is_retryable_status

log = logging.getLogger(__name__)

# A rate limit shorter than this is waited out in place; a longer one goes back to the queue.
MAX_INLINE_WAIT_SECONDS = 5.0


class JsonApi:
    def __init__(
        self,
        platform: str,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        self._session.headers.update({"user-agent": "devrel-assistant", **(headers or {})})

    def request(
        self, method: str, path: str, payload: Any = None, params: Mapping[str, str] | None = None
    ) -> Any:
        url = f"{self.base_url}/{path.lstrip('/')}"
        # A path may carry a capability (Discord's interaction token): errors name the call without it.
        call = redact(f"{method} {path}")
        for attempt in (1, 2):
            try:
                response = self._session.request(
                    method, url, json=payload, params=params, timeout=self.timeout
                )
            except requests.RequestException as error:
                # Not chained: requests' message and its cause quote the full URL.
                raise PlatformError(self.platform, f"{call}: {redact(str(error))}", retryable=True) from None
            if response.status_code == 429 and attempt == 1:
                wait = _retry_after(response)
                if wait is not None and wait <= MAX_INLINE_WAIT_SECONDS:
                    log.info("%s rate limited; waiting %.2fs", self.platform, wait)
                    time.sleep(wait)
                    continue
            if response.status_code >= 400:
                raise PlatformError(
                    self.platform,
                    f"{call} -> {response.status_code}: {redact(response.text[:300])}",
                    retryable=is_retryable_status(response.status_code),
                    status=response.status_code,
                )
            if not response.content:
                return {}
            try:
                return response.json()
            except ValueError as error:
                raise PlatformError(
                    self.platform,
                    f"{call}: response is not JSON",
                    retryable=False,
                    status=response.status_code,
                ) from error
        raise PlatformError(self.platform, f"{call}: still rate limited", retryable=True, status=429)


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait, from the Retry-After header or Discord's JSON `retry_after`."""
    header = response.headers.get("retry-after")
    try:
        if header is not None:
            return float(header)
        body = response.json()
        return float(body["retry_after"]) if isinstance(body, dict) and "retry_after" in body else None
    except (ValueError, TypeError, KeyError):
        return None
