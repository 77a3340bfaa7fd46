"""The ledger's posting SQL: the hottest path in the product.

Posting statements are fixed SQL strings, written once per dialect when this module loads, run
on the one DBAPI cursor the unit of work keeps for its transaction (``driver_cursor``):
SQLAlchemy's per-statement work (compile-cache lookup, parameter and result processing) cost
30-40 us per statement, more than SQLite takes to run one. They are portable SQL
(``ON CONFLICT``/``RETURNING``: SQLite >= 3.35, PostgreSQL); only the placeholder differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any, cast

from sqlalchemy import Dialect, Table

from promodesk.kit.clock import now
from promodesk.kit.db import UnitOfWork
from promodesk.ledger.domain import AccountState
from promodesk.models import LedgerEntry

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
_APPLY_ONE = (
    "UPDATE ledger_accounts SET balance = balance + ? WHERE id = ? AND workspace_id = ? "
    "AND (floor IS NULL OR balance + ? >= floor) RETURNING currency"
)
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
ROWS_PER_STATEMENT = 1000  # 5 000 parameters at most; SQLite allows 32 766

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
_SMALL = 8  # multi-row statements written ahead for up to this many rows (one entry's lines)


def _text(template: str, mark: str, rows: int = 0, row: str = "") -> str:
    text = template.format(rows=", ".join([row] * rows)) if rows else template
    return text.replace("?", mark)


class _Statements:
    """One dialect's posting SQL, written once."""

    def __init__(self, mark: str) -> None:
        self.mark = mark
        self.new_entry = _text(_NEW_ENTRY, mark, 1, _ENTRY_ROW)
        self.find_entry = _text(_FIND_ENTRY, mark)
        self.delete_entry = _text(_DELETE_ENTRY, mark)
        self.apply_one = _text(_APPLY_ONE, mark)
        self.unapply = _text(_UNAPPLY, mark)
        self.lines = [_text(_NEW_LINES, mark, n, _LINE_ROW) for n in range(_SMALL + 1)]
        self.lock = [_text(_LOCK_SQLITE, mark, n, "?") for n in range(_SMALL + 1)]

    def sized(self, template: str, rows: int, row: str) -> str:
        """A multi-row statement for ``rows`` rows (a batch's chunks)."""
        return _sized(template, self.mark, rows, row)


@lru_cache(maxsize=64)  # bounded: a 1000-row statement is ~20 kB, and sizes vary
def _sized(template: str, mark: str, rows: int, row: str) -> str:
    return _text(template, mark, rows, row)


_STATEMENTS = {dialect: _Statements(mark) for dialect, mark in _PLACEHOLDER.items()}
_STAMPS: dict[str, Callable[[Any], Any]] = {}


def _stamp_for(dialect: Dialect) -> Callable[[Any], Any]:
    """How the entry's ``created_at`` goes to the driver (as SQLAlchemy would bind it)."""
    stamp = _STAMPS.get(dialect.name)
    if stamp is None:
        column = cast(Table, LedgerEntry.__table__).c.created_at
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        stamp = _STAMPS[dialect.name] = processor or (lambda value: value)
    return stamp


class Posting:
    """The posting statements on the unit of work's driver cursor (see the module doc)."""

    uow: UnitOfWork
    # The cursor and the dialect's statements, taken once: a repository lives inside one
    # unit of work, whose transaction keeps one driver connection and cursor.
    _posting: tuple[Any, _Statements] | None = None

    def _cur(self) -> tuple[Any, _Statements]:
        if self._posting is None:
            cursor = self.uow.driver_cursor()
            self._posting = cursor, _STATEMENTS[self.uow.engine.dialect.name]
        return self._posting

    @property
    def _pg(self) -> bool:
        return self.uow.engine.dialect.name == "postgresql"

    def new_entry(self, workspace_id: int, kind: str, ref: str, memo: str) -> int | None:
        """Insert the entry row; None if ``(kind, ref)`` exists already (a replay)."""
        cursor, sql = self._cur()
        at = _stamp_for(self.uow.engine.dialect)(now())
        cursor.execute(sql.new_entry, (workspace_id, kind, ref, memo, at))
        found = cursor.fetchone()
        return None if found is None else int(found[0])

    def new_entries(
        self, workspace_id: int, headers: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str], int]:
        """Insert ``(kind, ref, memo)`` entry rows in the order given; returns the ids of those
        inserted, by ``(kind, ref)`` (pairs that exist already are skipped)."""
        if not headers:
            return {}
        cursor, sql = self._cur()
        at = _stamp_for(self.uow.engine.dialect)(now())
        if self._pg:
            kinds, refs, memos = (list(column) for column in zip(*headers, strict=True))
            cursor.execute(_PG_NEW_ENTRIES, (workspace_id, at, kinds, refs, memos))
            return {(k, r): int(i) for i, k, r in cursor.fetchall()}
        ids: dict[tuple[str, str], int] = {}
        for start in range(0, len(headers), ROWS_PER_STATEMENT):
            chunk = headers[start : start + ROWS_PER_STATEMENT]
            params = [v for k, r, m in chunk for v in (workspace_id, k, r, m, at)]
            cursor.execute(sql.sized(_NEW_ENTRY, len(chunk), _ENTRY_ROW), params)
            ids.update({(k, r): int(i) for i, k, r in cursor.fetchall()})
        return ids

    def find_entry(self, workspace_id: int, kind: str, ref: str) -> int | None:
        cursor, sql = self._cur()
        cursor.execute(sql.find_entry, (workspace_id, kind, ref))
        found = cursor.fetchone()
        return None if found is None else int(found[0])

    def delete_entry(self, entry_id: int) -> None:
        """Delete an entry row this transaction inserted a moment ago (a refused posting)."""
        cursor, sql = self._cur()
        cursor.execute(sql.delete_entry, (entry_id,))

    def lock_accounts(self, workspace_id: int, ids: Iterable[int]) -> dict[int, AccountState]:
        """Read accounts for a posting, locking them in ascending id order."""
        ordered = sorted(set(ids))
        cursor, sql = self._cur()
        if self._pg:
            cursor.execute(_LOCK_PG, (workspace_id, ordered))
            rows = cursor.fetchall()
        else:
            rows = []
            for start in range(0, len(ordered), ROWS_PER_STATEMENT):
                chunk = ordered[start : start + ROWS_PER_STATEMENT]
                n = len(chunk)
                text = sql.lock[n] if n <= _SMALL else sql.sized(_LOCK_SQLITE, n, "?")
                cursor.execute(text, [workspace_id, *chunk])
                rows += cursor.fetchall()
        return {r[0]: AccountState(r[0], r[1], r[2], r[3]) for r in rows}

    def apply_each(
        self, workspace_id: int, deltas: Sequence[tuple[int, int]]
    ) -> tuple[dict[int, str], int | None]:
        """Add each ``(account, delta)`` in the order given, each unless it would cross the
        account's floor, stopping at the first refusal. Returns the currency of each account
        changed, and the refused account (None: all applied). One guarded UPDATE per account:
        on PostgreSQL each takes its row lock, so ascending ids are the lock order."""
        cursor, sql = self._cur()
        apply = sql.apply_one
        currency_of: dict[int, str] = {}
        for account_id, delta in deltas:
            cursor.execute(apply, (delta, account_id, workspace_id, delta))
            found = cursor.fetchone()
            if found is None:
                return currency_of, account_id
            currency_of[account_id] = found[0]
        return currency_of, None

    def apply_deltas(self, workspace_id: int, deltas: Sequence[tuple[int, int]]) -> bool:
        """Apply ``(account, delta)`` pairs (ascending id) with the floor guard; False if any
        row refused (rows are expected locked and checked already)."""
        if not deltas:
            return True
        cursor, sql = self._cur()
        if self._pg:
            ids, amounts = (list(column) for column in zip(*deltas, strict=True))
            cursor.execute(_PG_APPLY_MANY, (ids, amounts, workspace_id))
            return bool(cursor.rowcount == len(ids))
        for start in range(0, len(deltas), ROWS_PER_STATEMENT):
            chunk = deltas[start : start + ROWS_PER_STATEMENT]
            params = list(chain.from_iterable(chunk))
            params.append(workspace_id)
            cursor.execute(sql.sized(_APPLY_MANY, len(chunk), "(?, ?)"), params)
            if cursor.rowcount != len(chunk):
                return False
        return True

    def unapply(self, applied: Iterable[tuple[int, int]]) -> None:
        """Undo deltas this transaction applied a moment ago (a refused posting's first rows)."""
        cursor, sql = self._cur()
        for account_id, delta in applied:
            cursor.execute(sql.unapply, (delta, account_id))

    def insert_lines(self, rows: Sequence[tuple[int, int, str, int]]) -> None:
        """Insert ``(entry_id, account_id, currency, amount)`` rows, many per statement."""
        if not rows:
            return
        cursor, sql = self._cur()
        if self._pg:
            cursor.execute(_PG_NEW_LINES, [list(column) for column in zip(*rows, strict=True)])
            return
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            n = len(chunk)
            text = sql.lines[n] if n <= _SMALL else sql.sized(_NEW_LINES, n, _LINE_ROW)
            cursor.execute(text, list(chain.from_iterable(chunk)))
