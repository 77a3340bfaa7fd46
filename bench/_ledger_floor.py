"""The ledger bench's floor: one entry per commit written by the bare driver with the product's
own statements on the product's tables, and the breakdown of one entry's time (``ledger.py
--breakdown``). Importing this module has no side effects (``make bench`` also runs it).

The floor is what one entry costs with this schema and these statements and nothing of
promodesk around them (no unit of work, pool, service or repository): raw row / floor is the
highest ratio the one-per-transaction mode could reach, product / floor is how far the
product's own Python stays from it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from statistics import median
from typing import Any, Protocol

from _common import Table

WALLETS, ESCROWS = 1000, 1000  # ledger.py's book
HOLD, CAPTURE = 100, 60

_ENTRY = (
    "INSERT INTO ledger_entries (workspace_id, kind, ref, memo, created_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, kind, ref) DO NOTHING RETURNING id"
)
_APPLY = (
    "UPDATE ledger_accounts SET balance = balance + ? WHERE id = ? AND workspace_id = ? "
    "AND (floor IS NULL OR balance + ? >= floor) RETURNING currency"
)
_LOCK = (
    "SELECT id, currency, floor, balance FROM ledger_accounts "
    "WHERE workspace_id = ? AND id IN (?, ?) ORDER BY id"
)
_LINES = (
    "INSERT INTO ledger_lines (entry_id, account_id, currency, amount) "
    "VALUES (?, ?, ?, ?), (?, ?, ?, ?)"
)


class BookLike(Protocol):
    ws: int
    revenue: int
    wallets: list[int]
    escrows: list[int]


class BareLedger:
    """The product's posting statements for hold, capture and release, one entry per
    transaction, on a bare driver connection (SQLite with the product's pragmas and
    ``BEGIN IMMEDIATE``; PostgreSQL with ``FOR UPDATE`` on the release's read)."""

    def __init__(self, dialect: str, conn: Any) -> None:
        self.pg = dialect == "postgresql"
        self.conn = conn
        self.cur = conn.cursor()

        def sql(text: str) -> str:
            return text.replace("?", "%s") if self.pg else text

        self.entry, self.apply, self.lines = sql(_ENTRY), sql(_APPLY), sql(_LINES)
        self.lock = sql(
            _LOCK.replace("IN (?, ?)", "= ANY(?)") + " FOR UPDATE" if self.pg else _LOCK
        )

    def _at(self) -> Any:
        at = datetime.now(UTC)
        return at if self.pg else at.replace(tzinfo=None).isoformat(" ")

    def post(self, book: BookLike, i: int, prefix: str) -> None:
        """Entry ``i``: step ``i % 3`` of order ``i // 3`` (as ``ledger.post_single``)."""
        order, step = divmod(i, 3)
        wallet, escrow = book.wallets[order % WALLETS], book.escrows[order % ESCROWS]
        cur, ws = self.cur, book.ws
        if not self.pg:
            cur.execute("BEGIN IMMEDIATE")
        kind = ("hold", "capture", "release")[step]
        cur.execute(self.entry, (ws, kind, f"{prefix}{order}", "", self._at()))
        (entry,) = cur.fetchone()
        if step == 0:
            moves = [(wallet, -HOLD), (escrow, HOLD)]
        elif step == 1:
            moves = [(escrow, -CAPTURE), (book.revenue, CAPTURE)]
        else:
            pair = [escrow, wallet]
            cur.execute(self.lock, (ws, pair) if self.pg else (ws, *pair))
            left = {r[0]: r[3] for r in cur.fetchall()}[escrow]
            moves = [(escrow, -left), (wallet, left)]
        currency = {}
        for account, delta in sorted(moves):
            cur.execute(self.apply, (delta, account, ws, delta))
            currency[account] = cur.fetchone()[0]
        (a, x), (b, y) = moves
        cur.execute(self.lines, (entry, a, currency[a], x, entry, b, currency[b], y))
        self.conn.commit() if self.pg else cur.execute("COMMIT")


def sqlite_connection(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def floor_run(
    dialect: str, connect: Callable[[], Any], book: BookLike, count: int
) -> Callable[[int], float]:
    """``count`` entries one per commit by ``BareLedger``; each round its own refs."""

    def run(round_: int) -> float:
        conn = connect()
        try:
            bare = BareLedger(dialect, conn)
            start = time.perf_counter()
            for i in range(count):
                bare.post(book, i, f"floor{round_}-")
            return time.perf_counter() - start
        finally:
            conn.close()

    return run


def breakdown(
    db: Any, book: BookLike, path: str, rounds: int, per_round: int, post: Callable[..., None]
) -> None:
    """Per operation, CPU and wall time (medians of ``rounds`` interleaved rounds): a raw row
    per commit (the reference), the floor (the product's statements by the bare driver), an
    empty unit of work that takes its connection through a ``Session`` and one on the driver
    path (what the posting path uses), and the product's entry (hold, capture, release in
    turn, through ``post(uow, book, i, prefix)``)."""
    raw = sqlite_connection(path)
    raw.execute("DROP TABLE IF EXISTS bench_raw_lines")
    raw.execute(
        "CREATE TABLE bench_raw_lines (id INTEGER PRIMARY KEY, entry_id BIGINT NOT NULL, "
        "account_id BIGINT NOT NULL, currency VARCHAR(8) NOT NULL, amount BIGINT NOT NULL)"
    )
    raw.execute("CREATE INDEX ix_bench_raw_entry ON bench_raw_lines (entry_id)")
    raw.execute("CREATE INDEX ix_bench_raw_account ON bench_raw_lines (account_id, id)")
    row_sql = (
        "INSERT INTO bench_raw_lines (entry_id, account_id, currency, amount) VALUES (?, ?, ?, ?)"
    )
    bare = BareLedger("sqlite", raw)

    def raw_row(i: int) -> None:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(row_sql, (i // 2 + 1, 1 + i % 2000, "COIN", 100))
        raw.execute("COMMIT")

    def empty_uow(_i: int) -> None:
        with db.transaction() as uow:
            uow.session.connection()

    def driver_uow(_i: int) -> None:
        with db.transaction() as uow:
            uow.driver_connection()

    def product(i: int) -> None:
        with db.transaction() as uow:
            post(uow, book, i, "k")

    ops: dict[str, Callable[[int], None]] = {
        "raw row + commit": raw_row,
        "floor (entry SQL, bare driver)": lambda i: bare.post(book, i, "x"),
        "empty unit of work": empty_uow,
        "empty, driver path": driver_uow,
        "product entry": product,
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in ops}
    start = 0
    for _ in range(rounds):
        for name, op in ops.items():
            wall, cpu = time.perf_counter(), time.process_time()
            for i in range(start, start + per_round):
                op(i)
            samples[name].append(
                (
                    (time.perf_counter() - wall) / per_round * 1e6,
                    (time.process_time() - cpu) / per_round * 1e6,
                )
            )
        start += per_round
    raw.close()
    med = {
        name: (median([w for w, _ in v]), median([c for _, c in v])) for name, v in samples.items()
    }
    ref_wall, ref_cpu = med["raw row + commit"]
    t = Table(f"SQLite: one entry, where the time goes (medians of {rounds} interleaved rounds)")
    for name, (wall, cpu) in med.items():
        t.add(
            name,
            f"{wall:,.0f} us wall",
            f"{cpu:,.0f} us CPU; 2 raw rows / this = {2 * ref_wall / wall:.0%} wall, "
            f"{2 * ref_cpu / cpu:.0%} CPU",
        )
    floor_wall, floor_cpu = med["floor (entry SQL, bare driver)"]
    prod_wall, prod_cpu = med["product entry"]
    t.add(
        "product - floor",
        f"{prod_wall - floor_wall:,.0f} us wall",
        f"{prod_cpu - floor_cpu:,.0f} us CPU: the unit of work, pool and the ledger's Python",
    )
    t.print()
