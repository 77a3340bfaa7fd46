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

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
from sqlalchemy import delete, select, update
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promodesk.kit import clock
from promodesk.kit.db import BUSY_ERRORS, Database, IntegrityViolation, UnitOfWork
from promodesk.kit.errors import IdempotencyConflict
from promodesk.models import IdempotencyKey

log = logging.getLogger("promodesk.idempotency")

HEADER = b"idempotency-key"
MAX_KEY = 255
MAX_BODY = 10 * 1024 * 1024
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_STORED = frozenset({401, 408, 429})
PATH_COLUMN = 500
JSON = "application/json"
CLAIM = "promodesk.idempotency_claim"  # key of the claim in the ASGI scope's ``state``

Decision = tuple[int, bytes, str, bool]


@dataclass
class Claim:
    """The key row a request holds (its id: a takeover replaces the row, so the id names this
    request's claim only) and, once the route returned, the response to store with the work."""

    row_id: int
    status: int | None = None
    body: bytes = b""
    content_type: str = JSON
    no_store: bool = False
    stored: bool = False


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


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        db: Database,
        ttl_hours: int = 24,
        stale_after: timedelta = timedelta(minutes=2),
    ) -> None:
        self.app = app
        self.db = db
        self.ttl = timedelta(hours=ttl_hours)
        self.stale_after = stale_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not valid_key(key):
            await _send(
                send,
                *_error(
                    422,
                    "ValidationFailed",
                    f"Idempotency-Key must be 1-{MAX_KEY} printable ASCII characters",
                ),
            )
            return
        try:
            body = await _read_body(receive)
        except _TooLarge:
            await _send(
                send,
                *_error(
                    413, "PayloadTooLarge", f"a keyed request body is at most {MAX_BODY:,} bytes"
                ),
            )
            return
        if body is None:  # the client went away before sending its body: nothing to run
            return
        scope_id = credential_scope(headers)
        path = scope["path"][:PATH_COLUMN]
        fingerprint = request_fingerprint(
            scope["method"], scope["path"], scope.get("query_string", b""), body
        )
        try:
            decision = await run_in_threadpool(
                self._claim, scope_id, key, scope["method"], path, fingerprint
            )
        except BUSY_ERRORS:
            await _send(send, *BUSY, retry_after=1)
            return
        if not isinstance(decision, Claim):
            await _send(send, *decision, retry_after=1 if decision is IN_PROGRESS else None)
            return
        claim = decision
        scope.setdefault("state", {})[CLAIM] = claim

        captured: dict[str, Any] = {
            "status": 500,
            "body": b"",
            "type": JSON,
            "complete": False,
            "client_gone": False,
            "no_store": False,
        }

        async def capture(message: Message) -> None:
            # Record first, then send: what the client misses is what a retry must get.
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        captured["type"] = value.decode("latin-1")[:100]
                    elif name.lower() == b"cache-control" and b"no-store" in value.lower():
                        captured["no_store"] = True
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
                captured["complete"] = not message.get("more_body", False)
            if captured["client_gone"]:
                return
            try:
                await send(message)
            except OSError:
                # The client went away (some servers raise instead of dropping the bytes): let
                # the app finish so its response is stored for the client's retry.
                captured["client_gone"] = True

        try:
            await self.app(scope, _replay(body, receive), capture)
        finally:
            # Shielded: a cancelled request (client gone, server stopping) must still release
            # or complete its claim, or the key would answer 409 until it goes stale.
            with anyio.CancelScope(shield=True):
                if not claim.stored:
                    await run_in_threadpool(self._store_quietly, claim, captured)

    # database side (threads: the driver is synchronous) --------------------------------------
    def _claim(
        self, scope_id: str, key: str, method: str, path: str, fingerprint: str
    ) -> Decision | Claim:
        return claim_key(
            self.db, scope_id, key, method, path, fingerprint, self.ttl, self.stale_after
        )

    def _store_quietly(self, claim: Claim, captured: dict[str, Any]) -> None:
        try:
            self._store(claim, captured)
        except BUSY_ERRORS:
            # The claim stays in progress until it goes stale; the work (if any) committed
            # with its outcome already, so nothing can run twice.
            log.warning("idempotency: could not release or store a key; it will go stale")

    def _store(self, claim: Claim, captured: dict[str, Any]) -> None:
        with self.db.transaction() as uow:
            row = uow.session.get(IdempotencyKey, claim.row_id)
            if row is None or row.state == "done":
                return
            kept = stored_outcome(
                int(captured["status"]), captured["body"], captured["type"], captured["no_store"]
            )
            if kept is None or not captured["complete"]:
                uow.session.delete(row)
                return
            status, body, ctype = kept
            row.state = "done"
            row.response_status = status
            row.response_body = body.decode("utf-8", "replace")
            row.response_type = ctype


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


def claim_key(
    db: Database,
    scope_id: str,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    ttl: timedelta,
    stale_after: timedelta,
) -> Decision | Claim:
    """Claim ``key`` in a transaction of its own: a ``Claim`` to run the request, or the
    decision to answer instead (the stored response, in progress, or a mismatch)."""
    now = clock.now()
    with db.transaction() as uow:
        s = uow.session
        row = _find(uow, scope_id, key)
        if row is not None and (
            row.expires_at <= now or (row.state != "done" and row.created_at <= now - stale_after)
        ):
            s.delete(row)
            s.flush()
            row = None
        if row is None:
            claimed = IdempotencyKey(
                scope=scope_id,
                key=key,
                method=method,
                path=path,
                request_hash=fingerprint,
                state="in_progress",
                created_at=now,
                expires_at=now + ttl,
            )
            try:
                with uow.savepoint():
                    s.add(claimed)
                    s.flush()
            except IntegrityViolation:
                # Another request claimed this key between our read and our insert.
                return IN_PROGRESS
            return Claim(row_id=claimed.id)
        if row.request_hash != fingerprint:
            return MISMATCH
        if row.state != "done":
            return IN_PROGRESS
        return (
            int(row.response_status or 200),
            (row.response_body or "").encode(),
            row.response_type or JSON,
            True,
        )


def mark_done(uow: UnitOfWork, claim: Claim, status: int, body: str, ctype: str) -> None:
    """Compare-and-set the claim to done with its response, inside ``uow`` (the transaction of
    the work). ``IdempotencyConflict`` if a retry took the key over meanwhile."""
    result = uow.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claim.row_id, IdempotencyKey.state == "in_progress")
        .values(state="done", response_status=status, response_body=body, response_type=ctype)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise IdempotencyConflict(
            "this request took too long and a retry with the same key took it over; nothing "
            "was changed here",
            field="Idempotency-Key",
        )


def release(db: Database, claim: Claim) -> None:
    """Forget a claim whose request did nothing (an error rolled its work back)."""
    with db.transaction() as uow:
        uow.session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.id == claim.row_id, IdempotencyKey.state == "in_progress"
            )
        )


def forget(db: Database, claim: Claim) -> None:
    """Forget a claim whatever its state (its request was answered without changing anything)."""
    with db.transaction() as uow:
        uow.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim.row_id))


def set_response(db: Database, claim: Claim, body: str) -> None:
    """Replace a done claim's stored body (what rebuilds the answer, known after the commit)."""
    with db.transaction() as uow:
        uow.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == claim.row_id, IdempotencyKey.state == "done")
            .values(response_body=body)
        )


def claim_of(scope: Scope) -> Claim | None:
    claim: Claim | None = scope.get("state", {}).get(CLAIM)
    return claim


def record_response(scope: Scope, status: int, body: bytes, headers: dict[str, str]) -> None:
    """Keep the response a route returned, for ``complete`` (called before the route's
    unit of work commits)."""
    claim = claim_of(scope)
    if claim is None:
        return
    claim.status = status
    claim.body = body
    claim.content_type = headers.get("content-type", JSON)[:100]
    claim.no_store = "no-store" in headers.get("cache-control", "").lower()


def complete(uow: UnitOfWork, scope: Scope) -> None:
    """Write the request's response to its key row in ``uow``, the transaction that holds the
    request's work, so that the two commit together or not at all. Compare-and-set on the
    claim: if a retry took the key over (this request was thought dead), raise
    ``IdempotencyConflict`` so the work rolls back instead of happening twice."""
    claim = claim_of(scope)
    if claim is None or claim.status is None or claim.stored:
        return
    kept = stored_outcome(claim.status, claim.body, claim.content_type, claim.no_store)
    if kept is None:
        return
    status, body, ctype = kept
    mark_done(uow, claim, status, body.decode("utf-8", "replace"), ctype)
    # Marked only after the commit: if the commit fails, the middleware stores the error.
    uow.on_commit(lambda: setattr(claim, "stored", True))


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


def _find(uow: UnitOfWork, scope_id: str, key: str) -> IdempotencyKey | None:
    return uow.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope_id, IdempotencyKey.key == key)
    ).scalar_one_or_none()


def purge_expired(uow: UnitOfWork) -> int:
    """Delete keys past their expiry (run by the periodic ``idempotency.purge`` job)."""
    result = uow.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at <= clock.now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


class _TooLarge(Exception):
    pass


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None if the client disconnected first; ``_TooLarge`` past the cap."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
        elif message["type"] == "http.disconnect":
            return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the buffered body to the app once, then pass through (e.g. a real disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send(
    send: Send,
    status: int,
    body: bytes,
    ctype: str = JSON,
    replayed: bool = False,
    retry_after: int | None = None,
) -> None:
    headers = [
        (b"content-type", ctype.encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
