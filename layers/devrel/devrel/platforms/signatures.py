"""`sha256=<hex>` HMAC signatures over a raw body, as GitHub and Discourse send them, and the
timestamp parsing Slack's and Discord's signatures share."""

from __future__ import annotations

import hashlib
import hmac
import re

SIGNATURE_PREFIX = "sha256="
# Seconds since the epoch as the platforms send them: ASCII digits only. int() alone would also take
# spaces, signs, underscores and non-ASCII digits, and a 400-digit value overflows float arithmetic.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def parse_timestamp(value: str | None) -> int | None:
    """A request timestamp header as an integer, or None when it is not one the platforms send."""
    if value is None or not _TIMESTAMP.fullmatch(value):
        return None
    return int(value)


def is_fresh(timestamp: str | None, now: float, max_age: int) -> bool:
    """Whether a timestamp header is well formed and within `max_age` seconds of `now`."""
    sent_at = parse_timestamp(timestamp)
    return sent_at is not None and abs(now - sent_at) <= max_age


def signature_for(secret: str, body: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of the header against the HMAC-SHA256 of the exact bytes received."""
    # compare_digest raises TypeError on non-ASCII text: such a header is simply not a signature.
    if not secret or not header or not header.isascii() or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(signature_for(secret, body), header)
