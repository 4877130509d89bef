"""`sha256=<hex>` HMAC signatures over a raw body, as GitHub and Discourse send them."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="


def signature_for(secret: str, body: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of the header against the HMAC-SHA256 of the exact bytes received."""
    if not secret or not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(signature_for(secret, body), header)
