"""Idempotency-Key for every state-changing request (an ASGI middleware).

Rules:
- Applies to POST, PUT, PATCH and DELETE carrying an ``Idempotency-Key`` header (1-255
  printable ASCII characters; anything else is 422 before the request runs).
- A replay (same key, same method, path, query and body) returns the stored status and body,
  with ``Idempotent-Replayed: true``.
- The same key with a different request is refused with 422 ``IdempotencyConflict``.
- A duplicate arriving while the first is still being processed gets 409.
- Keys are scoped to the caller's credential (the ``Authorization`` header, else the cookies),
  so two tenants can never see each other's stored responses, and expire after ``ttl_hours``
  (the periodic ``idempotency.purge`` job deletes them).
- Responses that say "nothing happened, try again" are not stored: 5xx, 401, 408 and 429. The
  key is released and the client may retry with it.
- The key row is claimed in its own transaction before the request runs, so two processes can
  never both run the same keyed request. If the client disconnects, the request still finishes
  and its response is stored; the release/store step is shielded from cancellation.
- **The outcome commits with the work.** A route that uses the request's unit of work (every
  state-changing API route) has its response written to the key row inside that same
  transaction, by compare-and-set on the claim (``complete``). After any crash either both the
  work and the stored response exist (a retry gets the first answer) or neither does (the
  claim is still ``in_progress`` and a retry runs the request, once). Other responses (errors,
  whose transaction rolled back, and routes without a unit of work) are stored afterwards.
- A successful response marked ``Cache-Control: no-store`` (it carries a secret shown once, such
  as a new API key) is never written to the table: a replay gets 409 saying the request
  succeeded and its secret is not kept, and nothing runs twice.
- A claim still ``in_progress`` after ``stale_after`` belonged to a request whose process died
  before committing (its work and its outcome commit together), so a retry may take it over and
  run the request. If the first request was only slow, its commit finds its claim gone and
  rolls back (409): a takeover never re-runs committed work.
- Routes that commit early to call a remote API (a campaign change on TikTok) store their
  outcome in a transaction of its own after the call; such calls are idempotent at the remote.
"""

from promodesk.kit.idempotency.middleware import (
    CLAIM,
    IdempotencyMiddleware,
    claim_of,
    complete,
    record_response,
)
from promodesk.kit.idempotency.rules import (
    BUSY,
    HEADER,
    IN_PROGRESS,
    JSON,
    MAX_BODY,
    MAX_KEY,
    METHODS,
    MISMATCH,
    NOT_STORED,
    PATH_COLUMN,
    SECRET_NOT_KEPT,
    Decision,
    credential_scope,
    request_fingerprint,
    stored_outcome,
    valid_key,
)
from promodesk.kit.idempotency.store import (
    Claim,
    claim_key,
    forget,
    mark_done,
    purge_expired,
    release,
    set_response,
)

__all__ = [
    "BUSY",
    "CLAIM",
    "HEADER",
    "IN_PROGRESS",
    "JSON",
    "MAX_BODY",
    "MAX_KEY",
    "METHODS",
    "MISMATCH",
    "NOT_STORED",
    "PATH_COLUMN",
    "SECRET_NOT_KEPT",
    "Claim",
    "Decision",
    "IdempotencyMiddleware",
    "claim_key",
    "claim_of",
    "complete",
    "credential_scope",
    "forget",
    "mark_done",
    "purge_expired",
    "record_response",
    "release",
    "request_fingerprint",
    "set_response",
    "stored_outcome",
    "valid_key",
]
