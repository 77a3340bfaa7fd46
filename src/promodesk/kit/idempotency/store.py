"""The key rows: claiming a key in a transaction of its own, completing it with the work by
compare-and-set, releasing, forgetting and purging it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from promodesk.kit import clock
from promodesk.kit.db import Database, IntegrityViolation, UnitOfWork
from promodesk.kit.errors import IdempotencyConflict
from promodesk.kit.idempotency.rules import IN_PROGRESS, JSON, MISMATCH, Decision
from promodesk.models import IdempotencyKey


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
