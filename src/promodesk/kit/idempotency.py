"""Idempotency-Key for every state-changing POST (an ASGI middleware).

Rules:
- A replay (same key, same method, path and body) returns the stored status and body, with
  ``Idempotent-Replayed: true``.
- The same key with a different request is refused with 422 ``IdempotencyConflict``.
- A duplicate arriving while the first is still being processed gets 409.
- Keys are scoped to the caller's credential and expire after ``ttl_hours`` (a periodic job
  deletes them). Responses of 5xx are not stored: the client may retry with the same key.
- The key row is claimed in its own transaction before the request runs, so two processes can
  never both run the same keyed request.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promodesk.kit import clock
from promodesk.kit.db import Database, IntegrityViolation
from promodesk.models import IdempotencyKey

HEADER = b"idempotency-key"
MAX_KEY = 255


def _error(status: int, error: str, detail: str) -> tuple[int, bytes]:
    return status, json.dumps(
        {"error": error, "detail": detail, "field": "Idempotency-Key"}
    ).encode()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, db: Database, ttl_hours: int = 24) -> None:
        self.app = app
        self.db = db
        self.ttl = timedelta(hours=ttl_hours)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY:
            await _send(
                send,
                *_error(422, "ValidationFailed", f"Idempotency-Key must be 1-{MAX_KEY} characters"),
            )
            return
        body = await _read_body(receive)
        credential = headers.get(b"authorization", b"") or headers.get(b"cookie", b"")
        scope_id = hashlib.sha256(credential).hexdigest()[:32]
        fingerprint = hashlib.sha256(
            scope["method"].encode() + b" " + scope["path"].encode() + b"\n" + body
        ).hexdigest()
        decision = await _run_sync(self._claim, scope_id, key, scope["path"], fingerprint)
        if decision is not None:
            status, payload, ctype, replayed = decision
            await _send(send, status, payload, ctype, replayed=replayed)
            return

        captured: dict[str, Any] = {"status": 500, "body": b"", "type": "application/json"}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        captured["type"] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, _replay(body), capture)
        finally:
            await _run_sync(self._store, scope_id, key, captured)

    # database side (threads: the driver is synchronous) --------------------------------------
    def _claim(
        self, scope_id: str, key: str, path: str, fingerprint: str
    ) -> tuple[int, bytes, str, bool] | None:
        now = clock.now()
        with self.db.transaction() as uow:
            s = uow.session
            row = s.execute(
                select(IdempotencyKey).where(
                    IdempotencyKey.scope == scope_id, IdempotencyKey.key == key
                )
            ).scalar_one_or_none()
            if row is not None and row.expires_at <= now:
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
                                method="POST",
                                path=path,
                                request_hash=fingerprint,
                                state="in_progress",
                                created_at=now,
                                expires_at=now + self.ttl,
                            )
                        )
                        s.flush()
                    return None
                except IntegrityViolation:
                    return (
                        *_error(
                            409,
                            "IdempotencyConflict",
                            "a request with this Idempotency-Key is in progress",
                        ),
                        "application/json",
                        False,
                    )
            if row.request_hash != fingerprint:
                return (
                    *_error(
                        422,
                        "IdempotencyConflict",
                        "this Idempotency-Key was used with a different request; "
                        "use a new key for a new request",
                    ),
                    "application/json",
                    False,
                )
            if row.state != "done":
                return (
                    *_error(
                        409,
                        "IdempotencyConflict",
                        "a request with this Idempotency-Key is in progress",
                    ),
                    "application/json",
                    False,
                )
            return (
                int(row.response_status or 200),
                (row.response_body or "").encode(),
                row.response_type or "application/json",
                True,
            )

    def _store(self, scope_id: str, key: str, captured: dict[str, Any]) -> None:
        with self.db.transaction() as uow:
            s = uow.session
            row = s.execute(
                select(IdempotencyKey).where(
                    IdempotencyKey.scope == scope_id, IdempotencyKey.key == key
                )
            ).scalar_one_or_none()
            if row is None:
                return
            if captured["status"] >= 500:
                s.delete(row)
                return
            row.state = "done"
            row.response_status = captured["status"]
            row.response_body = captured["body"].decode("utf-8", "replace")
            row.response_type = captured["type"]


def purge_expired(db_uow: Any) -> int:
    """Delete keys past their expiry (run by the periodic ``idempotency.purge`` job)."""
    result = db_uow.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at <= clock.now())
    )
    return int(result.rowcount)


async def _run_sync(fn: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)


async def _read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.request":
            body += message.get("body", b"")
            if not message.get("more_body", False):
                return bytes(body)
        elif message["type"] == "http.disconnect":
            return body


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _send(
    send: Send, status: int, body: bytes, ctype: str = "application/json", *, replayed: bool = False
) -> None:
    headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
