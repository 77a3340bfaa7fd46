"""Request and webhook signatures (spec §1.8 and §1.11).

Request: HMAC-SHA256, keyed with the app secret, hex, over
``secret + path + k1v1k2v2… (query sorted by key, without sign and access_token) + body +
secret``. The body is the exact bytes sent, so the client serializes once and signs and sends
that one string.

Webhook: lowercase hex HMAC-SHA256, keyed with the app secret, over ``app_key + raw body``
exactly as received (never re-serialized), compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def string_to_sign(path: str, query: Mapping[str, str], body: bytes = b"") -> bytes:
    """The signed text between the two copies of the secret."""
    pairs = "".join(f"{key}{query[key]}" for key in sorted(query) if key not in UNSIGNED_PARAMS)
    return path.encode() + pairs.encode() + body


def sign_request(secret: str, path: str, query: Mapping[str, str], body: bytes = b"") -> str:
    key = secret.encode()
    message = key + string_to_sign(path, query, body) + key
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_webhook(secret: str, app_key: str, raw_body: bytes) -> str:
    return hmac.new(secret.encode(), app_key.encode() + raw_body, hashlib.sha256).hexdigest()


def webhook_signature_ok(secret: str, app_key: str, raw_body: bytes, signature: str) -> bool:
    """Whether ``signature`` (the ``Authorization`` header) signs ``raw_body``; constant time."""
    if not secret or not signature:
        return False
    expected = sign_webhook(secret, app_key, raw_body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
