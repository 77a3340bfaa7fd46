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
- A successful response marked ``Cache-Control: no-store`` (it carries a secret shown once, such
  as a new API key) is never written to the table: a replay gets 409 saying the request
  succeeded and its secret is not kept, and nothing runs twice.
- A claim still ``in_progress`` after ``stale_after`` (its process died between the claim and
  the store) may be taken over by a retry. The request's own changes are idempotent at the
  ledger and job level (``(kind, ref)``, ``dedupe_key``), so a takeover cannot double-count.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import anyio
from sqlalchemy import delete, select
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promodesk.kit import clock
from promodesk.kit.db import Database, IntegrityViolation, UnitOfWork
from promodesk.models import IdempotencyKey

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
        stale_after: timedelta = timedelta(minutes=10),
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
                    413, "PayloadTooLarge", f"a keyed request body is at most {MAX_BODY} bytes"
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
        decision = await run_in_threadpool(
            self._claim, scope_id, key, scope["method"], path, fingerprint
        )
        if decision is not None:
            await _send(send, *decision)
            return

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
                await run_in_threadpool(self._store, scope_id, key, captured)

    # database side (threads: the driver is synchronous) --------------------------------------
    def _claim(
        self, scope_id: str, key: str, method: str, path: str, fingerprint: str
    ) -> Decision | None:
        now = clock.now()
        with self.db.transaction() as uow:
            s = uow.session
            row = _find(uow, scope_id, key)
            if row is not None and (
                row.expires_at <= now
                or (row.state != "done" and row.created_at <= now - self.stale_after)
            ):
                s.delete(row)
                s.flush()
                row = None
            if row is None:
                try:
                    with uow.savepoint():
                        s.add(
                            IdempotencyKey(
                                scope=scope_id,
                                key=key,
                                method=method,
                                path=path,
                                request_hash=fingerprint,
                                state="in_progress",
                                created_at=now,
                                expires_at=now + self.ttl,
                            )
                        )
                        s.flush()
                except IntegrityViolation:
                    # Another request claimed this key between our read and our insert.
                    return IN_PROGRESS
                return None
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

    def _store(self, scope_id: str, key: str, captured: dict[str, Any]) -> None:
        with self.db.transaction() as uow:
            row = _find(uow, scope_id, key)
            if row is None or row.state == "done":
                return
            status = int(captured["status"])
            if status >= 500 or status in NOT_STORED or not captured["complete"]:
                uow.session.delete(row)
                return
            body, ctype = captured["body"], captured["type"]
            if captured["no_store"] and status < 300:
                status, body, ctype, _ = SECRET_NOT_KEPT
            row.state = "done"
            row.response_status = status
            row.response_body = body.decode("utf-8", "replace")
            row.response_type = ctype


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
    send: Send, status: int, body: bytes, ctype: str = JSON, replayed: bool = False
) -> None:
    headers = [
        (b"content-type", ctype.encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
