"""The ledger's SQL off the posting path, in SQLAlchemy Core: accounts, reads, the invariants
(the posting statements are ``posting``'s)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, func, insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from promodesk.kit.clock import now
from promodesk.kit.db import UnitOfWork
from promodesk.ledger.domain import AccountRow
from promodesk.ledger.repository.posting import ROWS_PER_STATEMENT
from promodesk.models import LedgerAccount, LedgerEntry, LedgerLine

_accounts = cast(Table, LedgerAccount.__table__)
_entries = cast(Table, LedgerEntry.__table__)
_lines = cast(Table, LedgerLine.__table__)
_a, _e, _l = _accounts.c, _entries.c, _lines.c


_COLS = (_a.id, _a.workspace_id, _a.code, _a.kind, _a.currency, _a.floor, _a.balance, _a.name)


def _row(r: Any) -> AccountRow:
    return AccountRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])


class Reading:
    uow: UnitOfWork
    _conn: Connection | None

    @property
    def s(self) -> Session:
        """The unit of work's ``Session`` (built on first use: the posting path needs none)."""
        return self.uow.session

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            self._conn = self.s.connection()
        return self._conn

    # accounts -------------------------------------------------------------------------------
    def get_account(self, workspace_id: int, account_id: int) -> AccountRow | None:
        r = self.conn.execute(
            select(*_COLS).where(_a.id == account_id, _a.workspace_id == workspace_id)
        ).first()
        return _row(r) if r else None

    def get_account_by_code(self, workspace_id: int, code: str) -> AccountRow | None:
        r = self.conn.execute(
            select(*_COLS).where(_a.code == code, _a.workspace_id == workspace_id)
        ).first()
        return _row(r) if r else None

    def insert_account(
        self, workspace_id: int, code: str, kind: str, currency: str, floor: int | None, name: str
    ) -> AccountRow | None:
        """Insert, or return None when the code exists already (raced or not)."""
        values = {
            "workspace_id": workspace_id,
            "code": code,
            "kind": kind,
            "currency": currency,
            "floor": floor,
            "balance": 0,
            "name": name,
            "created_at": now(),
        }
        try:
            with self.s.begin_nested():
                new_id = self.s.execute(
                    insert(_accounts).values(**values).returning(_a.id)
                ).scalar_one()
        except IntegrityError:
            return None
        return AccountRow(new_id, workspace_id, code, kind, currency, floor, 0, name)

    def list_accounts(
        self, workspace_id: int, *, after_id: int = 0, limit: int = 50, kind: str | None = None
    ) -> list[AccountRow]:
        q = select(*_COLS).where(_a.workspace_id == workspace_id, _a.id > after_id)
        if kind:
            q = q.where(_a.kind == kind)
        return [_row(r) for r in self.conn.execute(q.order_by(_a.id).limit(limit))]

    def accounts_by_prefix(self, workspace_id: int, prefix: str) -> list[AccountRow]:
        q = select(*_COLS).where(
            _a.workspace_id == workspace_id, _a.code.startswith(prefix, autoescape=True)
        )
        return [_row(r) for r in self.conn.execute(q.order_by(_a.id))]

    def find_entries(
        self, workspace_id: int, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for start in range(0, len(keys), ROWS_PER_STATEMENT):
            chunk = keys[start : start + ROWS_PER_STATEMENT]
            rows = self.conn.execute(
                select(_e.id, _e.kind, _e.ref).where(
                    _e.workspace_id == workspace_id, tuple_(_e.kind, _e.ref).in_(chunk)
                )
            )
            found.update({(r[1], r[2]): int(r[0]) for r in rows})
        return found

    # reading --------------------------------------------------------------------------------
    def entry_lines(self, workspace_id: int, entry_id: int) -> list[tuple[int, str, int]]:
        rows = self.conn.execute(
            select(_l.account_id, _l.currency, _l.amount)
            .join(_entries, _e.id == _l.entry_id)
            .where(_l.entry_id == entry_id, _e.workspace_id == workspace_id)
            .order_by(_l.id)
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
    ) -> list[tuple[int, int, str, str, int, datetime]]:
        rows = self.s.execute(
            select(_l.id, _l.entry_id, _e.kind, _e.ref, _l.amount, _e.created_at)
            .join(_entries, _e.id == _l.entry_id)
            .where(_l.account_id == account_id, _e.workspace_id == workspace_id, _l.id > after_id)
            .order_by(_l.id)
            .limit(limit)
        ).all()
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def workspace_balances(self, workspace_id: int) -> dict[int, int]:
        rows = self.conn.execute(
            select(_a.id, _a.balance).where(_a.workspace_id == workspace_id)
        ).all()
        return {r[0]: int(r[1]) for r in rows}

    # invariants -----------------------------------------------------------------------------
    def unbalanced_entries(self, limit: int = 100) -> list[tuple[int, str, int]]:
        rows = self.conn.execute(
            select(_l.entry_id, _l.currency, func.sum(_l.amount))
            .group_by(_l.entry_id, _l.currency)
            .having(func.sum(_l.amount) != 0)
            .limit(limit)
        ).all()
        return [(r[0], r[1], int(r[2])) for r in rows]

    def entries_without_lines(self, limit: int = 100) -> list[int]:
        rows = self.conn.execute(
            select(_e.id)
            .outerjoin(_lines, _l.entry_id == _e.id)
            .where(_l.id.is_(None))
            .limit(limit)
        ).all()
        return [r[0] for r in rows]

    def line_currency_mismatches(self, limit: int = 100) -> list[tuple[int, int, str, str]]:
        """Lines whose currency differs from their account's."""
        rows = self.conn.execute(
            select(_l.id, _l.account_id, _l.currency, _a.currency)
            .join(_accounts, _a.id == _l.account_id)
            .where(_l.currency != _a.currency)
            .limit(limit)
        ).all()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def balance_mismatches(self, limit: int = 100) -> list[tuple[int, str, int, int]]:
        sums = (
            select(_l.account_id, func.sum(_l.amount).label("total"))
            .group_by(_l.account_id)
            .subquery()
        )
        total = func.coalesce(sums.c.total, 0)
        rows = self.conn.execute(
            select(_a.id, _a.code, _a.balance, total)
            .outerjoin(sums, sums.c.account_id == _a.id)
            .where(_a.balance != total)
            .limit(limit)
        ).all()
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def below_floor(self, limit: int = 100) -> list[tuple[int, str, int, int]]:
        rows = self.conn.execute(
            select(_a.id, _a.code, _a.balance, _a.floor)
            .where(and_(_a.floor.is_not(None), _a.balance < _a.floor))
            .limit(limit)
        ).all()
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]

    def counts(self) -> tuple[int, int, int]:
        c = self.conn
        a = c.execute(select(func.count()).select_from(_accounts)).scalar_one()
        e = c.execute(select(func.count()).select_from(_entries)).scalar_one()
        n = c.execute(select(func.count()).select_from(_lines)).scalar_one()
        return int(a), int(e), int(n)

    # lines of entries by kind, on accounts of a code prefix (feature reports) ----------------
    def lines_by_kind(
        self,
        workspace_id: int,
        kinds: Sequence[str],
        code_prefix: str,
        *,
        refs: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[tuple[str, str, str, str, int, datetime]]:
        """``(kind, ref, account code, currency, amount, entry time)`` of every line of an
        entry of ``kinds`` on an account whose code starts with ``code_prefix``; optionally only
        the entries of ``refs`` and those made in ``since <= time < until``."""
        base = (
            select(_e.kind, _e.ref, _a.code, _l.currency, _l.amount, _e.created_at)
            .join(_entries, _e.id == _l.entry_id)
            .join(_accounts, _a.id == _l.account_id)
            .where(
                _e.workspace_id == workspace_id,
                _e.kind.in_(list(kinds)),
                _a.code.startswith(code_prefix, autoescape=True),
            )
        )
        if since is not None:
            base = base.where(_e.created_at >= since)
        if until is not None:
            base = base.where(_e.created_at < until)
        chunks: list[Sequence[str] | None] = [None]
        if refs is not None:
            ref_list = list(refs)
            chunks = [
                ref_list[i : i + ROWS_PER_STATEMENT]
                for i in range(0, len(ref_list), ROWS_PER_STATEMENT)
            ]
        out: list[tuple[str, str, str, str, int, datetime]] = []
        for chunk in chunks:
            q = base if chunk is None else base.where(_e.ref.in_(list(chunk)))
            for r in self.s.execute(q.order_by(_l.id)):
                out.append((r[0], r[1], r[2], r[3], int(r[4]), r[5]))
        return out
