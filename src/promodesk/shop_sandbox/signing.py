"""Request and webhook signatures of the TikTok Shop Partner API (spec §1.8, §1.11).

A request's ``sign`` is the lowercase hex HMAC-SHA256, keyed with the app secret, of::

    app_secret + path + key1 + value1 + key2 + value2 + … + body + app_secret

where the query pairs are every parameter except ``sign`` and ``access_token``, sorted by key,
with their decoded values; ``path`` is the API path (``/promotion/202309/activities``) and
``body`` the raw body exactly as sent (left out for multipart uploads). A webhook's
``Authorization`` header is the lowercase hex HMAC-SHA256, keyed with the app secret, of
``app_key`` followed by the raw body.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

UNSIGNED = frozenset({"sign", "access_token"})


def string_to_sign(
    app_secret: str, path: str, query: Iterable[tuple[str, str]], body: bytes | str = b""
) -> str:
    pairs = sorted((pair for pair in query if pair[0] not in UNSIGNED), key=lambda p: p[0])
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return app_secret + path + "".join(k + v for k, v in pairs) + text + app_secret


def sign(
    app_secret: str, path: str, query: Iterable[tuple[str, str]], body: bytes | str = b""
) -> str:
    message = string_to_sign(app_secret, path, query, body)
    return hmac.new(app_secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def webhook_signature(app_key: str, app_secret: str, raw_body: bytes) -> str:
    return hmac.new(app_secret.encode(), app_key.encode() + raw_body, hashlib.sha256).hexdigest()


def same(expected: str, given: str) -> bool:
    """Constant-time comparison of two signatures."""
    return hmac.compare_digest(expected.encode(), given.encode())
