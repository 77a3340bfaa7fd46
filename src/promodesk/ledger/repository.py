"""All SQL of the ledger. The posting path is the hottest in the product.

Posting statements are fixed SQL strings run on the DBAPI cursor of the unit of work's
connection (same transaction): SQLAlchemy's per-statement work (compile-cache lookup, parameter
and result processing) cost 30-40 us per statement, more than SQLite takes to run one. They
are portable SQL (``ON CONFLICT``/``RETURNING``: SQLite >= 3.35, PostgreSQL); only the
placeholder differs. Everything else uses SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, func, insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from promodesk.kit.clock import now
from promodesk.kit.db import UnitOfWork
from promodesk.ledger.domain import AccountRow, AccountState
from promodesk.models import LedgerAccount, LedgerEntry, LedgerLine

_accounts = cast(Table, LedgerAccount.__table__)
_entries = cast(Table, LedgerEntry.__table__)
_lines = cast(Table, LedgerLine.__table__)
_a, _e, _l = _accounts.c, _entries.c, _lines.c


_COLS = (_a.id, _a.workspace_id, _a.code, _a.kind, _a.currency, _a.floor, _a.balance, _a.name)


def _identity(value: Any) -> Any:
    return value


def _row(r: Any) -> AccountRow:
    return AccountRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])


# Posting SQL, written with "?" placeholders; PostgreSQL (psycopg) gets "%s".
_NEW_ENTRY = (
    "INSERT INTO ledger_entries (workspace_id, kind, ref, memo, created_at) VALUES {rows} "
    "ON CONFLICT (workspace_id, kind, ref) DO NOTHING RETURNING id, kind, ref"
)
_ENTRY_ROW = "(?, ?, ?, ?, ?)"
_NEW_LINES = "INSERT INTO ledger_lines (entry_id, account_id, currency, amount) VALUES {rows}"
_LINE_ROW = "(?, ?, ?, ?)"
_FIND_ENTRY = "SELECT id FROM ledger_entries WHERE workspace_id = ? AND kind = ? AND ref = ?"
_DELETE_ENTRY = "DELETE FROM ledger_entries WHERE id = ?"
# The floor guard: the row changes only if the new balance stays at or above the floor. On
# PostgreSQL a concurrent writer's row lock makes this wait, then re-check the new balance.
_APPLY = (
    "UPDATE ledger_accounts SET balance = balance + ? WHERE id = ? AND workspace_id = ? "
    "AND (floor IS NULL OR balance + ? >= floor)"
)
_APPLY_ONE = _APPLY + " RETURNING currency"
# A batch's aggregated deltas, one statement per chunk: (account, delta) rows joined in. The
# rows are locked already (``lock_accounts``), so this statement's own order does not matter.
_APPLY_MANY = (
    "UPDATE ledger_accounts SET balance = balance + v.column2 FROM (VALUES {rows}) AS v "
    "WHERE ledger_accounts.id = v.column1 AND ledger_accounts.workspace_id = ? "
    "AND (ledger_accounts.floor IS NULL OR ledger_accounts.balance + v.column2 >= "
    "ledger_accounts.floor)"
)
_UNAPPLY = "UPDATE ledger_accounts SET balance = balance - ? WHERE id = ?"

# PostgreSQL takes a batch as arrays: psycopg parses a query's placeholders in Python and does
# not cache long queries, so a 1000-row VALUES list would be re-parsed every time.
_PG_NEW_ENTRIES = (
    "INSERT INTO ledger_entries (workspace_id, kind, ref, memo, created_at) "
    "SELECT %s, t.kind, t.ref, t.memo, %s "
    "FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(kind, ref, memo) "
    "ON CONFLICT (workspace_id, kind, ref) DO NOTHING RETURNING id, kind, ref"
)
_PG_NEW_LINES = (
    "INSERT INTO ledger_lines (entry_id, account_id, currency, amount) "
    "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::bigint[])"
)
_PG_APPLY_MANY = (
    "UPDATE ledger_accounts SET balance = ledger_accounts.balance + v.delta "
    "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, delta) "
    "WHERE ledger_accounts.id = v.id AND ledger_accounts.workspace_id = %s "
    "AND (ledger_accounts.floor IS NULL OR ledger_accounts.balance + v.delta >= "
    "ledger_accounts.floor)"
)
_ROWS_PER_INSERT = 1000  # rows per statement: 5 000 parameters at most; SQLite allows 32 766

# Accounts of a posting, read and locked in ascending id order (PostgreSQL ``FOR UPDATE``;
# SQLite's ``BEGIN IMMEDIATE`` already holds the database write lock).
_LOCK_SQLITE = (
    "SELECT id, currency, floor, balance FROM ledger_accounts "
    "WHERE workspace_id = ? AND id IN ({rows}) ORDER BY id"
)
_LOCK_PG = (
    "SELECT id, currency, floor, balance FROM ledger_accounts "
    "WHERE workspace_id = %s AND id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE"
)

_PLACEHOLDER = {"sqlite": "?", "postgresql": "%s"}


@lru_cache(maxsize=64)
def _sql(template: str, dialect: str, rows: int = 0, row: str = "") -> str:
    text = template.format(rows=", ".join([row] * rows)) if rows else template
    return text.replace("?", _PLACEHOLDER[dialect])


class LedgerRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._conn: Connection | None = None
        self._cursor: Any = None
        self._raw: Any = None
        self._dialect = ""
        self._stamp: Callable[[Any], Any] = _identity

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

    def lock_accounts(self, workspace_id: int, ids: Iterable[int]) -> dict[int, AccountState]:
        """Read accounts for a posting, locking them in ascending id order."""
        ordered = sorted(set(ids))
        if self._pg:
            rows = self._run(_LOCK_PG, (workspace_id, ordered)).fetchall()
        else:
            rows = []
            for start in range(0, len(ordered), _ROWS_PER_INSERT):
                chunk = ordered[start : start + _ROWS_PER_INSERT]
                found = self._run(_LOCK_SQLITE, [workspace_id, *chunk], len(chunk), "?")
                rows += found.fetchall()
        return {r[0]: AccountState(r[0], r[1], r[2], r[3]) for r in rows}

    # posting --------------------------------------------------------------------------------
    def _cursor_(self) -> Any:
        """A DBAPI cursor of this unit of work's transaction (hot path, see module doc): the
        driver path of ``UnitOfWork.driver_connection``, which builds no ``Session``."""
        raw = self.uow.driver_connection()
        if self._cursor is None or raw is not self._raw:
            dialect = self.uow.engine.dialect
            self._dialect = dialect.name
            at = _e.created_at.type.dialect_impl(dialect).bind_processor(dialect)
            self._stamp = at if at is not None else _identity
            self._cursor, self._raw = raw.cursor(), raw
        return self._cursor

    @property
    def _pg(self) -> bool:
        self._cursor_()
        return self._dialect == "postgresql"

    def _run(self, template: str, params: Sequence[Any], rows: int = 0, row: str = "") -> Any:
        cursor = self._cursor_()
        cursor.execute(_sql(template, self._dialect, rows, row), params)
        return cursor

    def new_entry(self, workspace_id: int, kind: str, ref: str, memo: str) -> int | None:
        """Insert the entry row; None if ``(kind, ref)`` exists already (a replay)."""
        self._cursor_()
        params = (workspace_id, kind, ref, memo, self._stamp(now()))
        found = self._run(_NEW_ENTRY, params, 1, _ENTRY_ROW).fetchone()
        return None if found is None else int(found[0])

    def new_entries(
        self, workspace_id: int, headers: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str], int]:
        """Insert ``(kind, ref, memo)`` entry rows in the order given; returns the ids of those
        inserted, by ``(kind, ref)`` (pairs that exist already are skipped)."""
        if not headers:
            return {}
        pg = self._pg
        at = self._stamp(now())
        if pg:
            kinds, refs, memos = (list(column) for column in zip(*headers, strict=True))
            found = self._run(_PG_NEW_ENTRIES, (workspace_id, at, kinds, refs, memos))
            return {(k, r): int(i) for i, k, r in found.fetchall()}
        ids: dict[tuple[str, str], int] = {}
        for start in range(0, len(headers), _ROWS_PER_INSERT):
            chunk = headers[start : start + _ROWS_PER_INSERT]
            params = [v for k, r, m in chunk for v in (workspace_id, k, r, m, at)]
            found = self._run(_NEW_ENTRY, params, len(chunk), _ENTRY_ROW).fetchall()
            ids.update({(k, r): int(i) for i, k, r in found})
        return ids

    def find_entry(self, workspace_id: int, kind: str, ref: str) -> int | None:
        found = self._run(_FIND_ENTRY, (workspace_id, kind, ref)).fetchone()
        return None if found is None else int(found[0])

    def find_entries(
        self, workspace_id: int, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for start in range(0, len(keys), _ROWS_PER_INSERT):
            chunk = keys[start : start + _ROWS_PER_INSERT]
            rows = self.conn.execute(
                select(_e.id, _e.kind, _e.ref).where(
                    _e.workspace_id == workspace_id, tuple_(_e.kind, _e.ref).in_(chunk)
                )
            )
            found.update({(r[1], r[2]): int(r[0]) for r in rows})
        return found

    def delete_entry(self, entry_id: int) -> None:
        """Delete an entry row this transaction inserted a moment ago (a refused posting)."""
        self._run(_DELETE_ENTRY, (entry_id,))

    def apply_delta(self, workspace_id: int, account_id: int, delta: int) -> str | None:
        """Add ``delta`` unless it would cross the floor; returns the account's currency, or
        None when refused or not found in the workspace (nothing changed)."""
        found = self._run(_APPLY_ONE, (delta, account_id, workspace_id, delta)).fetchone()
        return None if found is None else str(found[0])

    def apply_deltas(self, workspace_id: int, deltas: Sequence[tuple[int, int]]) -> bool:
        """Apply ``(account, delta)`` pairs (ascending id) with the floor guard; False if any
        row refused (rows are expected locked and checked already)."""
        if not deltas:
            return True
        if self._pg:
            ids, amounts = (list(column) for column in zip(*deltas, strict=True))
            return bool(
                self._run(_PG_APPLY_MANY, (ids, amounts, workspace_id)).rowcount == len(ids)
            )
        for start in range(0, len(deltas), _ROWS_PER_INSERT):
            chunk = deltas[start : start + _ROWS_PER_INSERT]
            params = [v for pair in chunk for v in pair]
            params.append(workspace_id)
            if self._run(_APPLY_MANY, params, len(chunk), "(?, ?)").rowcount != len(chunk):
                return False
        return True

    def unapply(self, applied: Sequence[tuple[int, int]]) -> None:
        """Undo deltas this transaction applied a moment ago (a refused posting's first rows)."""
        for account_id, delta in applied:
            self._run(_UNAPPLY, (delta, account_id))

    def insert_lines(self, rows: Sequence[tuple[int, int, str, int]]) -> None:
        """Insert ``(entry_id, account_id, currency, amount)`` rows, many per statement."""
        if not rows:
            return
        if self._pg:
            self._run(_PG_NEW_LINES, [list(column) for column in zip(*rows, strict=True)])
            return
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[start : start + _ROWS_PER_INSERT]
            params = [v for row in chunk for v in row]
            self._run(_NEW_LINES, params, len(chunk), _LINE_ROW)

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
                ref_list[i : i + _ROWS_PER_INSERT]
                for i in range(0, len(ref_list), _ROWS_PER_INSERT)
            ]
        out: list[tuple[str, str, str, str, int, datetime]] = []
        for chunk in chunks:
            q = base if chunk is None else base.where(_e.ref.in_(list(chunk)))
            for r in self.s.execute(q.order_by(_l.id)):
                out.append((r[0], r[1], r[2], r[3], int(r[4]), r[5]))
        return out
