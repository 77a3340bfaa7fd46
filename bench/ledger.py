"""Ledger posting speed on SQLite and PostgreSQL, against raw inserts by the bare driver.

Posts entries in the shapes the features use, one order after another: hold (wallet -> escrow),
capture (escrow -> revenue), release (escrow -> wallet); each entry has two lines.

- batched: ``post_entries`` with ``--batch`` entries per transaction, ``--entries`` in all.
  Reference: the same number of line rows (2 per entry) inserted by the bare driver
  (``sqlite3`` / ``psycopg``) with ``executemany`` in one transaction. Aim: >= 20%.
- one entry per transaction: ``hold`` / ``capture`` / ``release``, each in its own unit of work,
  ``--single`` entries. Reference: the same number of line rows inserted one row per commit by
  the bare driver. Aim: >= 50%.

The ratio is reference time / product time for the same number of line rows. The raw
references go into a table shaped like ``ledger_lines`` (same columns and indexes) in the same
database, with the product's SQLite pragmas; they are cheap, so they report the median of
``--repeats`` runs. Each backend gets its own database: a temporary SQLite file, and a
PostgreSQL database created for the run and dropped after it.

    python bench/ledger.py [--entries 200000] [--single 20000] [--quick] [--no-postgres]
                           [--breakdown ROUNDS]

``--breakdown`` adds, on SQLite, where one entry's time goes (see ``breakdown``).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _common import Table, fmt_rate, median_of, peak_rss_mib, rate, timed, verdict
from _ledger_floor import breakdown, floor_run, sqlite_connection
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.migrate import upgrade
from promodesk.ledger import service as ledger
from promodesk.ledger.check import check_ledger
from promodesk.ledger.domain import NewEntry, transfer
from promodesk.models import Workspace

PG_ADMIN = os.environ.get(
    "PROMODESK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
WALLETS, ESCROWS = 1000, 1000
HOLD, CAPTURE = 100, 60  # per order: hold 100, capture 60, release the 40 left

RAW_TABLE = {
    "sqlite": [
        "CREATE TABLE bench_raw_lines (id INTEGER PRIMARY KEY, entry_id BIGINT NOT NULL, "
        "account_id BIGINT NOT NULL, currency VARCHAR(8) NOT NULL, amount BIGINT NOT NULL)",
    ],
    "postgresql": [
        "CREATE TABLE bench_raw_lines (id BIGSERIAL PRIMARY KEY, entry_id BIGINT NOT NULL, "
        "account_id BIGINT NOT NULL, currency VARCHAR(8) NOT NULL, amount BIGINT NOT NULL)",
    ],
}
RAW_INDEXES = [
    "CREATE INDEX ix_bench_raw_entry ON bench_raw_lines (entry_id)",
    "CREATE INDEX ix_bench_raw_account ON bench_raw_lines (account_id, id)",
]


@dataclass
class Book:
    ws: int
    source: int
    revenue: int
    wallets: list[int]
    escrows: list[int]


def setup(db: Database) -> Book:
    with db.transaction() as uow:
        ws = Workspace(slug=f"bench-{uuid.uuid4().hex[:8]}", name="Bench")
        uow.session.add(ws)
        uow.flush()
        acct = ledger.open_account
        source = acct(uow, ws.id, "sold", kind="system", currency="COIN").id
        revenue = acct(uow, ws.id, "revenue", kind="revenue", currency="COIN").id
        wallets = [
            acct(uow, ws.id, f"wallet:{i}", kind="wallet", currency="COIN").id
            for i in range(WALLETS)
        ]
        escrows = [ledger.open_escrow(uow, ws.id, f"escrow:{i}", "COIN").id for i in range(ESCROWS)]
        ledger.post_entries(
            uow,
            ws.id,
            [NewEntry("fund", str(w), transfer(source, w, 10**12)) for w in wallets],
        )
    return Book(ws.id, source, revenue, wallets, escrows)


def shaped(book: Book, i: int, prefix: str) -> NewEntry:
    """Entry ``i``: step ``i % 3`` of order ``i // 3``."""
    order, step = divmod(i, 3)
    wallet, escrow = book.wallets[order % WALLETS], book.escrows[order % ESCROWS]
    ref = f"{prefix}{order}"
    if step == 0:
        return NewEntry("hold", ref, transfer(wallet, escrow, HOLD))
    if step == 1:
        return NewEntry("capture", ref, transfer(escrow, book.revenue, CAPTURE))
    return NewEntry("release", ref, transfer(escrow, wallet, HOLD - CAPTURE))


def post_batched(db: Database, book: Book, chunks: list[list[NewEntry]]) -> None:
    for chunk in chunks:
        with db.transaction() as uow:
            ledger.post_entries(uow, book.ws, chunk)


def batches(book: Book, entries: int, batch: int) -> list[list[NewEntry]]:
    """The entries, built before the clock starts (as the raw side builds its rows)."""
    return [
        [shaped(book, i, "b") for i in range(start, min(entries, start + batch))]
        for start in range(0, entries, batch)
    ]


def post_one(uow: UnitOfWork, book: Book, i: int, prefix: str) -> None:
    """Entry ``i`` of the one-per-transaction mode: step ``i % 3`` of order ``i // 3``."""
    order, step = divmod(i, 3)
    wallet, escrow = book.wallets[order % WALLETS], book.escrows[order % ESCROWS]
    ref = f"{prefix}{order}"
    if step == 0:
        ledger.hold(uow, book.ws, ref, escrow, [(wallet, HOLD)])
    elif step == 1:
        ledger.capture(uow, book.ws, ref, escrow, book.revenue, CAPTURE)
    else:
        ledger.release(uow, book.ws, ref, escrow, [(wallet, None)])


def post_single(db: Database, book: Book, entries: int) -> None:
    """One entry per unit of work, through the escrow helpers the features call."""
    for i in range(entries):
        with db.transaction() as uow:
            post_one(uow, book, i, "s")


# raw references -------------------------------------------------------------------------------


def raw_rows(count: int) -> list[tuple[int, int, str, int]]:
    return [(i // 2 + 1, 1 + i % 2000, "COIN", -100 if i % 2 else 100) for i in range(count)]


class Raw:
    """Bare-driver inserts of line rows into a fresh ``bench_raw_lines`` table."""

    def __init__(self, dialect: str, target: str) -> None:
        self.dialect, self.target = dialect, target

    @contextmanager
    def connect(self) -> Iterator[object]:
        if self.dialect == "sqlite":
            conn = sqlite3.connect(self.target)
            # The product's pragmas (kit/db.py), so both sides write the same way.
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
                conn.execute(f"PRAGMA {pragma}")
            try:
                yield conn
            finally:
                conn.close()
        else:
            import psycopg

            with psycopg.connect(self.target) as pg:
                yield pg

    def bare(self) -> object:
        """A connection for the floor (``_ledger_floor``): SQLite begins explicitly."""
        if self.dialect == "sqlite":
            return sqlite_connection(self.target)
        import psycopg

        return psycopg.connect(self.target)

    def reset(self, conn: object) -> None:
        c = conn  # sqlite3.Connection and psycopg.Connection share execute/commit
        c.execute("DROP TABLE IF EXISTS bench_raw_lines")  # type: ignore[attr-defined]
        for sql in RAW_TABLE[self.dialect] + RAW_INDEXES:
            c.execute(sql)  # type: ignore[attr-defined]
        c.commit()  # type: ignore[attr-defined]

    def sql(self) -> str:
        marks = "?, ?, ?, ?" if self.dialect == "sqlite" else "%s, %s, %s, %s"
        return (
            f"INSERT INTO bench_raw_lines (entry_id, account_id, currency, amount) VALUES ({marks})"
        )

    def batched(self, count: int) -> Callable[[int], float]:
        """One transaction, one ``executemany`` of ``count`` rows."""
        rows = raw_rows(count)

        def run(_round: int) -> float:
            with self.connect() as conn:
                self.reset(conn)
                with timed() as t:
                    if self.dialect == "sqlite":
                        conn.executemany(self.sql(), rows)  # type: ignore[attr-defined]
                    else:
                        with conn.cursor() as cur:  # type: ignore[attr-defined]
                            cur.executemany(self.sql(), rows)
                    conn.commit()  # type: ignore[attr-defined]
            return t.seconds

        return run

    def one_per_commit(self, count: int) -> Callable[[int], float]:
        """``count`` transactions of one INSERT each."""
        rows = raw_rows(count)

        def run(_round: int) -> float:
            with self.connect() as conn:
                self.reset(conn)
                with timed() as t:
                    for row in rows:
                        conn.execute(self.sql(), row)  # type: ignore[attr-defined]
                        conn.commit()  # type: ignore[attr-defined]
            return t.seconds

        return run


# one backend ----------------------------------------------------------------------------------


def run_backend(name: str, url: str, raw: Raw, args: argparse.Namespace) -> None:
    upgrade(url)
    db = Database(url)
    try:
        book = setup(db)
        table = Table(
            f"{name}: {args.entries:,} entries batched ({args.batch}/tx), "
            f"{args.single:,} entries one per transaction"
        )
        chunks = batches(book, args.entries, args.batch)
        with timed() as t_batch:
            post_batched(db, book, chunks)
        del chunks
        with timed() as t_single:
            post_single(db, book, args.single)
        floor = median_of(floor_run(raw.dialect, raw.bare, book, args.single), args.repeats)
        with db.transaction() as uow:  # the floor's entries are checked too
            report = check_ledger(uow)
        raw_batch = median_of(raw.batched(2 * args.entries), args.repeats)
        raw_single = median_of(raw.one_per_commit(2 * args.single), args.repeats)

        batch_ratio = raw_batch / t_batch.seconds
        single_ratio = raw_single / t_single.seconds
        median = f"median of {args.repeats}"
        rows_b, rows_s = 2 * args.entries, 2 * args.single
        table.add(
            "batched posting",
            fmt_rate(rate(args.entries, t_batch.seconds), "entries"),
            f"{t_batch.seconds:.2f} s",
        )
        table.add(
            "raw executemany, 1 tx",
            fmt_rate(rate(rows_b, raw_batch), "rows"),
            f"{raw_batch:.2f} s for {rows_b:,} rows, {median}",
        )
        table.add("  ratio", f"{batch_ratio:.0%}", verdict(batch_ratio, 0.20))
        table.add(
            "one entry per tx",
            fmt_rate(rate(args.single, t_single.seconds), "entries"),
            f"{t_single.seconds:.2f} s",
        )
        table.add(
            "raw one row per commit",
            fmt_rate(rate(rows_s, raw_single), "rows"),
            f"{raw_single:.2f} s for {rows_s:,} rows, {median}",
        )
        table.add("  ratio", f"{single_ratio:.0%}", verdict(single_ratio, 0.50))
        table.add(
            "floor: same SQL, bare driver",
            fmt_rate(rate(args.single, floor), "entries"),
            f"{floor:.2f} s, {median}; the product's statements per entry, one per commit",
        )
        table.add(
            "  raw / floor",
            f"{raw_single / floor:.0%}",
            "the highest ratio this schema and these statements allow",
        )
        table.add(
            "  floor / product",
            f"{floor / t_single.seconds:.0%}",
            f"the product's distance to it: {(t_single.seconds - floor) / args.single * 1e6:,.0f} "
            "us per entry above the floor",
        )
        table.add(
            "ledger check",
            "ok" if report.ok else "FAILED",
            f"{report.entries:,} entries, {report.lines:,} lines",
        )
        table.add("peak RSS", f"{peak_rss_mib():.0f} MiB")
        table.print()
        if not report.ok:
            raise SystemExit("ledger check failed: " + "; ".join(report.problems()[:5]))
    finally:
        db.dispose()


def bench_sqlite(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp:
        path = Path(tmp) / "ledger.db"
        run_backend("SQLite", f"sqlite:///{path}", Raw("sqlite", str(path)), args)
    if args.breakdown:
        with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp:
            path = Path(tmp) / "ledger.db"
            upgrade(f"sqlite:///{path}")
            db = Database(f"sqlite:///{path}")
            try:
                breakdown(db, setup(db), str(path), args.breakdown, 300, post_one)
            finally:
                db.dispose()


def bench_postgres(args: argparse.Namespace) -> None:
    import psycopg

    name = f"pd_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"\nPostgreSQL: skipped, {PG_ADMIN} unreachable ({exc})")
        return
    target = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        url = target.replace("postgresql://", "postgresql+psycopg://", 1)
        run_backend("PostgreSQL", url, Raw("postgresql", target), args)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200_000, help="batched entries")
    parser.add_argument("--single", type=int, default=20_000, help="one-per-transaction entries")
    parser.add_argument("--batch", type=int, default=1000, help="entries per transaction")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each raw reference")
    parser.add_argument("--quick", action="store_true", help="a short run (20k / 3k entries)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--breakdown",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also time one SQLite entry's parts in ROUNDS interleaved rounds of 300",
    )
    args = parser.parse_args()
    if args.quick:
        args.entries, args.single = min(args.entries, 20_000), min(args.single, 3_000)
    print(
        f"ledger bench: {args.entries:,} batched + {args.single:,} single entries "
        f"(hold / capture / release, 2 lines each) over {WALLETS} wallets and {ESCROWS} escrows"
    )
    bench_sqlite(args)
    if not args.no_postgres:
        bench_postgres(args)


if __name__ == "__main__":
    main()
