"""The rules of a key: what a valid key is, whose it is (the credential scope), what a request's
fingerprint is, and what a key keeps of a response; the answers given instead of running."""

from __future__ import annotations

import hashlib
import json

HEADER = b"idempotency-key"
MAX_KEY = 255
MAX_BODY = 10 * 1024 * 1024
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_STORED = frozenset({401, 408, 429})
PATH_COLUMN = 500
JSON = "application/json"

Decision = tuple[int, bytes, str, bool]


def _error(status: int, error: str, detail: str) -> Decision:
    body = json.dumps({"error": error, "detail": detail, "field": "Idempotency-Key"}).encode()
    return status, body, JSON, False


IN_PROGRESS = _error(
    409,
    "IdempotencyConflict",
    "a request with this Idempotency-Key is still being processed; retry in a moment",
)
SECRET_NOT_KEPT = _error(
    409,
    "IdempotencyConflict",
    "a request with this Idempotency-Key succeeded; its response held a secret that is shown "
    "once and was not kept (list the objects to find the one it created)",
)
BUSY = _error(
    503,
    "ServiceUnavailable",
    "the database is busy or unreachable; nothing was changed, send the request again",
)
MISMATCH = _error(
    422,
    "IdempotencyConflict",
    "this Idempotency-Key was used with a different request (method, path or body); "
    "use a new key for a new request",
)


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY and all(" " <= ch <= "~" for ch in key)


def stored_outcome(
    status: int, body: bytes, ctype: str, no_store: bool
) -> tuple[int, bytes, str] | None:
    """What a key keeps of a response: None for "nothing happened, try again" (5xx, 401, 408,
    429); a success carrying a secret shown once is kept as ``SECRET_NOT_KEPT``."""
    if status >= 500 or status in NOT_STORED:
        return None
    if no_store and status < 300:
        kept_status, kept_body, kept_type, _ = SECRET_NOT_KEPT
        return kept_status, kept_body, kept_type
    return status, body, ctype


def credential_scope(headers: dict[bytes, bytes]) -> str:
    """Keys belong to the credential that sent them: one API key never replays another's."""
    credential = headers.get(b"authorization") or headers.get(b"cookie") or b""
    return hashlib.sha256(b"credential\n" + credential).hexdigest()[:64]


def request_fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
