"""All SQL of the ledger. Core statements: the posting path is the hottest in the product."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from promodesk.kit.clock import now
from promodesk.kit.db import UnitOfWork
from promodesk.models import LedgerAccount, LedgerEntry, LedgerLine

_accounts = cast(Table, LedgerAccount.__table__)
_entries = cast(Table, LedgerEntry.__table__)
_lines = cast(Table, LedgerLine.__table__)


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    workspace_id: int
    code: str
    kind: str
    currency: str
    floor: int | None
    balance: int
    name: str


def _row(r: object) -> AccountRow:
    m = r._mapping  # type: ignore[attr-defined]
    return AccountRow(
        m["id"],
        m["workspace_id"],
        m["code"],
        m["kind"],
        m["currency"],
        m["floor"],
        m["balance"],
        m["name"],
    )


_COLS = (
    _accounts.c.id,
    _accounts.c.workspace_id,
    _accounts.c.code,
    _accounts.c.kind,
    _accounts.c.currency,
    _accounts.c.floor,
    _accounts.c.balance,
    _accounts.c.name,
)


class LedgerRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s = uow.session

    # accounts -------------------------------------------------------------------------------
    def get_account(self, workspace_id: int, account_id: int) -> AccountRow | None:
        r = self.s.execute(
            select(*_COLS).where(
                _accounts.c.id == account_id, _accounts.c.workspace_id == workspace_id
            )
        ).first()
        return _row(r) if r else None

    def get_account_by_code(self, workspace_id: int, code: str) -> AccountRow | None:
        r = self.s.execute(
            select(*_COLS).where(_accounts.c.code == code, _accounts.c.workspace_id == workspace_id)
        ).first()
        return _row(r) if r else None

    def insert_account(
        self, workspace_id: int, code: str, kind: str, currency: str, floor: int | None, name: str
    ) -> AccountRow | None:
        """Insert, or return None when the code exists already (raced or not)."""
        try:
            with self.s.begin_nested():
                new_id = self.s.execute(
                    insert(_accounts)
                    .values(
                        workspace_id=workspace_id,
                        code=code,
                        kind=kind,
                        currency=currency,
                        floor=floor,
                        balance=0,
                        name=name,
                        created_at=now(),
                    )
                    .returning(_accounts.c.id)
                ).scalar_one()
        except IntegrityError:
            return None
        return AccountRow(new_id, workspace_id, code, kind, currency, floor, 0, name)

    def currencies(self, workspace_id: int, ids: Sequence[int]) -> dict[int, str]:
        rows = self.s.execute(
            select(_accounts.c.id, _accounts.c.currency).where(
                _accounts.c.id.in_(ids), _accounts.c.workspace_id == workspace_id
            )
        ).all()
        return {r[0]: r[1] for r in rows}

    def list_accounts(
        self, workspace_id: int, *, after_id: int = 0, limit: int = 50, kind: str | None = None
    ) -> list[AccountRow]:
        q = select(*_COLS).where(
            _accounts.c.workspace_id == workspace_id, _accounts.c.id > after_id
        )
        if kind:
            q = q.where(_accounts.c.kind == kind)
        return [_row(r) for r in self.s.execute(q.order_by(_accounts.c.id).limit(limit))]

    # entries --------------------------------------------------------------------------------
    def find_entry(self, workspace_id: int, kind: str, ref: str) -> int | None:
        return self.s.execute(
            select(_entries.c.id).where(
                _entries.c.workspace_id == workspace_id,
                _entries.c.kind == kind,
                _entries.c.ref == ref,
            )
        ).scalar()

    def insert_entry(self, workspace_id: int, kind: str, ref: str, memo: str) -> int:
        return int(
            self.s.execute(
                insert(_entries)
                .values(workspace_id=workspace_id, kind=kind, ref=ref, memo=memo, created_at=now())
                .returning(_entries.c.id)
            ).scalar_one()
        )

    def apply_delta(self, workspace_id: int, account_id: int, delta: int) -> bool:
        """Add ``delta`` unless it would cross the floor; False means refused (nothing changed)."""
        result = self.s.execute(
            update(_accounts)
            .where(
                _accounts.c.id == account_id,
                _accounts.c.workspace_id == workspace_id,
                or_(_accounts.c.floor.is_(None), _accounts.c.balance + delta >= _accounts.c.floor),
            )
            .values(balance=_accounts.c.balance + delta)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def insert_lines(self, entry_id: int, lines: Sequence[tuple[int, str, int]]) -> None:
        self.s.execute(
            insert(_lines),
            [
                {"entry_id": entry_id, "account_id": a, "currency": c, "amount": amt}
                for a, c, amt in lines
            ],
        )

    def entry_lines(self, workspace_id: int, entry_id: int) -> list[tuple[int, str, int]]:
        rows = self.s.execute(
            select(_lines.c.account_id, _lines.c.currency, _lines.c.amount)
            .join(_entries, _entries.c.id == _lines.c.entry_id)
            .where(_lines.c.entry_id == entry_id, _entries.c.workspace_id == workspace_id)
            .order_by(_lines.c.id)
        ).all()
        return [(r[0], r[1], r[2]) for r in rows]

    def get_entry(self, workspace_id: int, entry_id: int) -> LedgerEntry | None:
        return self.s.execute(
            select(LedgerEntry).where(
                LedgerEntry.id == entry_id, LedgerEntry.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def account_lines(
        self, workspace_id: int, account_id: int, *, after_id: int = 0, limit: int = 50
    ) -> list[tuple[int, int, str, str, int, object]]:
        rows = self.s.execute(
            select(
                _lines.c.id,
                _lines.c.entry_id,
                _entries.c.kind,
                _entries.c.ref,
                _lines.c.amount,
                _entries.c.created_at,
            )
            .join(_entries, _entries.c.id == _lines.c.entry_id)
            .where(
                _lines.c.account_id == account_id,
                _entries.c.workspace_id == workspace_id,
                _lines.c.id > after_id,
            )
            .order_by(_lines.c.id)
            .limit(limit)
        ).all()
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    # invariants -----------------------------------------------------------------------------
    def unbalanced_entries(self, limit: int = 100) -> list[tuple[int, str, int]]:
        rows = self.s.execute(
            select(_lines.c.entry_id, _lines.c.currency, func.sum(_lines.c.amount))
            .group_by(_lines.c.entry_id, _lines.c.currency)
            .having(func.sum(_lines.c.amount) != 0)
            .limit(limit)
        ).all()
        return [(r[0], r[1], int(r[2])) for r in rows]

    def entries_without_lines(self, limit: int = 100) -> list[int]:
        rows = self.s.execute(
            select(_entries.c.id)
            .outerjoin(_lines, _lines.c.entry_id == _entries.c.id)
            .where(_lines.c.id.is_(None))
            .limit(limit)
        ).all()
        return [r[0] for r in rows]

    def balance_mismatches(self, limit: int = 100) -> list[tuple[int, str, int, int]]:
        sums = (
            select(_lines.c.account_id, func.sum(_lines.c.amount).label("total"))
            .group_by(_lines.c.account_id)
            .subquery()
        )
        total = func.coalesce(sums.c.total, 0)
        rows = self.s.execute(
            select(_accounts.c.id, _accounts.c.code, _accounts.c.balance, total)
            .outerjoin(sums, sums.c.account_id == _accounts.c.id)
            .where(_accounts.c.balance != total)
            .limit(limit)
        ).all()
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def below_floor(self, limit: int = 100) -> list[tuple[int, str, int, int]]:
        rows = self.s.execute(
            select(_accounts.c.id, _accounts.c.code, _accounts.c.balance, _accounts.c.floor)
            .where(and_(_accounts.c.floor.is_not(None), _accounts.c.balance < _accounts.c.floor))
            .limit(limit)
        ).all()
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def counts(self) -> tuple[int, int, int]:
        a = self.s.execute(select(func.count()).select_from(_accounts)).scalar_one()
        e = self.s.execute(select(func.count()).select_from(_entries)).scalar_one()
        n = self.s.execute(select(func.count()).select_from(_lines)).scalar_one()
        return int(a), int(e), int(n)
