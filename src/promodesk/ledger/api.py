"""Read the ledger over HTTP: accounts, their lines, entries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter

from promodesk.kit.errors import NotFound
from promodesk.kit.money import Money
from promodesk.kit.pagination import Page, after, fetch, page
from promodesk.ledger import service
from promodesk.ledger.domain import AccountRow
from promodesk.ledger.repository import LedgerRepository
from promodesk.ledger.schemas import (
    AccountRead,
    EntryLineRead,
    EntryRead,
    LineRead,
)
from promodesk.web import ApiRoute, Caller, Cursor, Limit, Uow

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/ledger", tags=["ledger"])


def _account(a: AccountRow) -> AccountRead:
    return AccountRead(
        id=a.id,
        code=a.code,
        kind=a.kind,
        currency=a.currency,
        floor=a.floor,
        balance=a.balance,
        balance_display=Money(a.balance, a.currency).format(),
        name=a.name,
    )


@router.get("/accounts", response_model=Page[AccountRead])
def list_accounts(
    uow: Uow,
    caller: Caller,
    limit: Limit = 50,
    cursor: Cursor = None,
    kind: Literal["wallet", "escrow", "system", "revenue"] | None = None,
) -> Page[AccountRead]:
    rows = LedgerRepository(uow).list_accounts(
        caller.workspace_id, after_id=after(cursor) or 0, limit=fetch(limit), kind=kind
    )
    return Page[AccountRead](**page([_account(a) for a in rows], limit))


@router.get("/accounts/{account_id}", response_model=AccountRead)
def get_account(account_id: int, uow: Uow, caller: Caller) -> AccountRead:
    return _account(service.get_account(uow, caller.workspace_id, account_id))


@router.get("/accounts/{account_id}/lines", response_model=Page[LineRead])
def account_lines(
    account_id: int, uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None
) -> Page[LineRead]:
    service.get_account(uow, caller.workspace_id, account_id)
    rows = LedgerRepository(uow).account_lines(
        caller.workspace_id, account_id, after_id=after(cursor) or 0, limit=fetch(limit)
    )
    items = [
        LineRead(
            line_id=r[0],
            entry_id=r[1],
            kind=r[2],
            ref=r[3],
            amount=r[4],
            created_at=r[5] if isinstance(r[5], datetime) else datetime.fromisoformat(str(r[5])),
        )
        for r in rows
    ]
    return Page[LineRead](**page(items, limit, key=lambda line: line.line_id))


@router.get("/entries/{entry_id}", response_model=EntryRead)
def get_entry(entry_id: int, uow: Uow, caller: Caller) -> EntryRead:
    repo = LedgerRepository(uow)
    entry = repo.get_entry(caller.workspace_id, entry_id)
    if entry is None:
        raise NotFound(f"ledger entry {entry_id} not found")
    lines = [
        EntryLineRead(account_id=a, currency=c, amount=m)
        for a, c, m in repo.entry_lines(caller.workspace_id, entry_id)
    ]
    return EntryRead(
        id=entry.id,
        kind=entry.kind,
        ref=entry.ref,
        memo=entry.memo,
        created_at=entry.created_at,
        lines=lines,
    )
