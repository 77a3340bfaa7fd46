"""The web side: the ASGI middleware that claims a key before a keyed request runs and
stores its outcome after, and the glue a route's unit of work uses to commit the outcome with
the work (``record_response``, ``complete``)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promodesk.kit.db import BUSY_ERRORS, Database, UnitOfWork
from promodesk.kit.idempotency.rules import (
    BUSY,
    HEADER,
    IN_PROGRESS,
    JSON,
    MAX_BODY,
    MAX_KEY,
    METHODS,
    PATH_COLUMN,
    Decision,
    _error,
    credential_scope,
    request_fingerprint,
    stored_outcome,
    valid_key,
)
from promodesk.kit.idempotency.store import Claim, claim_key, mark_done
from promodesk.models import IdempotencyKey

log = logging.getLogger("promodesk.idempotency")
CLAIM = "promodesk.idempotency_claim"  # key of the claim in the ASGI scope's ``state``


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
