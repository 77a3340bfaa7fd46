"""The delivery bench's floor and in-process figures (SQLite). Importing this module has no side
effects (``make bench`` also runs it).

- ``product_in_process``: the product's ``ingest_batch`` on a copy of the database, each batch
  in its own unit of work, no HTTP: CPU per batch of parsing the body and of ingesting it.
- ``floor``: the same batches' rows written by the bare driver (``sqlite3``) on another copy,
  with the statements the product runs (the orders and their escrows read, the batch row, the
  event ids, the entry, its lines, the escrow and revenue balances, the order counters, the
  hourly upserts, the batch's totals) and parameters built before the clock starts. Left
  out: ending the orders a batch empties and the audit row. What the product spends above it
  is its own Python (dedupe, aggregation, checks, the unit of work).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

from promodesk.kit.db import Database
from promodesk.promote.domain.delivery_parse import parse_batch
from promodesk.promote.service.delivery import ingest_batch


@dataclass
class Figures:
    batches: int
    wall: float  # seconds, all batches
    cpu: float  # seconds, all batches (this process)
    parse_cpu: float = 0.0  # product only: of which parsing the bodies


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy (SQLite's backup API), so each side starts from the same state."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def product_in_process(url: str, workspace_id: int, bodies: Sequence[bytes]) -> Figures:
    db = Database(url)
    parse_cpu = 0.0
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for body in bodies:
            start = time.process_time()
            events = parse_batch(body)
            parse_cpu += time.process_time() - start
            with db.transaction() as uow:
                ingest_batch(uow, workspace_id, events)
        return Figures(
            len(bodies), time.perf_counter() - wall, time.process_time() - cpu, parse_cpu
        )
    finally:
        db.dispose()


_ORDERS = (
    "SELECT o.id, o.status, o.escrow_account_id, a.balance FROM promote_orders o "
    "LEFT JOIN ledger_accounts a ON a.id = o.escrow_account_id WHERE o.workspace_id = ?"
)
_READ = (
    "SELECT o.id, o.status, o.escrow_account_id, a.balance FROM promote_orders o "
    "LEFT JOIN ledger_accounts a ON a.id = o.escrow_account_id "
    "WHERE o.workspace_id = ? AND o.id IN ({marks})"
)
_BATCH = (
    "INSERT INTO promote_delivery_batches (workspace_id, received, accepted, duplicates, "
    "unknown, spend_coins, charged_coins, over_delivered_coins, created_at) "
    "VALUES (?, ?, 0, 0, 0, 0, 0, 0, ?) RETURNING id"
)
_FINISH = (
    "UPDATE promote_delivery_batches SET accepted = ?, spend_coins = ?, charged_coins = ? "
    "WHERE id = ?"
)
_ENTRY = (
    "INSERT INTO ledger_entries (workspace_id, kind, ref, memo, created_at) "
    "VALUES (?, 'capture', ?, 'promote delivery', ?) RETURNING id"
)
_LOCK = "SELECT id, currency, floor, balance FROM ledger_accounts WHERE workspace_id = ? AND id IN ({marks}) ORDER BY id"  # noqa: E501
_APPLY = (
    "UPDATE ledger_accounts SET balance = balance + v.column2 FROM (VALUES {rows}) AS v "
    "WHERE ledger_accounts.id = v.column1 AND ledger_accounts.workspace_id = ? "
    "AND (ledger_accounts.floor IS NULL OR ledger_accounts.balance + v.column2 >= "
    "ledger_accounts.floor)"
)
_BUMP = (
    "UPDATE promote_orders SET spent_coins = spent_coins + ?2, "
    "over_delivered_coins = over_delivered_coins + ?3, views = views + ?4, "
    "website_visits = website_visits + ?5, follows = follows + ?6, "
    "product_clicks = product_clicks + ?7, live_viewers = live_viewers + ?8, updated_at = ?9 "
    "WHERE id = ?1"
)
_COUNTERS = (
    "spend_coins",
    "over_delivered_coins",
    "views",
    "website_visits",
    "follows",
    "product_clicks",
    "live_viewers",
)
_HOURLY = (
    "INSERT INTO promote_order_hourly (order_id, hour, workspace_id, spend_coins, "
    "over_delivered_coins, views, website_visits, follows, product_clicks, live_viewers) "
    "VALUES (?1, ?9, ?10, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (order_id, hour) DO UPDATE SET "
    + ", ".join(f"{c} = {c} + excluded.{c}" for c in _COUNTERS)
)


def _marks(n: int) -> str:
    return ", ".join(["?"] * n)


def _events_sql(n: int) -> str:
    values = ", ".join(f"(?1, ?2, ?{3 + 3 * i}, ?{4 + 3 * i}, ?{5 + 3 * i})" for i in range(n))
    return (
        "INSERT OR IGNORE INTO promote_delivery_events "
        f"(workspace_id, batch_id, event_id, order_id, spend_coins) VALUES {values}"
    )


@dataclass
class _Plan:
    received: int
    order_ids: list[int]
    events: list[tuple[str, int, int]]
    lines: list[tuple[int, int]]  # (account, amount); the revenue line last
    counters: list[tuple[int, ...]]
    spend: int
    charged: int
    bump_rows: list[tuple[Any, ...]] | None = None  # the counters with the time, set by floor()
    hourly_rows: list[tuple[Any, ...]] | None = None


def _plans(conn: sqlite3.Connection, ws: int, bodies: Sequence[bytes]) -> tuple[list[_Plan], int]:
    """Each batch's rows as the product would write them, from the database's state."""
    orders: dict[int, tuple[str, int | None]] = {}
    balance: dict[int, int] = {}
    for oid, status, escrow, held in conn.execute(_ORDERS, (ws,)):
        orders[oid] = (status, escrow)
        if escrow is not None:
            balance[escrow] = held or 0
    # The revenue account is opened by the first delivery; here before the clock starts.
    conn.execute(
        "INSERT OR IGNORE INTO ledger_accounts (workspace_id, code, kind, currency, floor, "
        "balance, name, created_at) VALUES (?, 'promote:revenue', 'revenue', 'COIN', NULL, 0, "
        "'Promote delivered spend', '2026-01-01 00:00:00.000000')",
        (ws,),
    )
    (revenue,) = conn.execute(
        "SELECT id FROM ledger_accounts WHERE workspace_id = ? AND code = 'promote:revenue'",
        (ws,),
    ).fetchone()
    seen: set[str] = set()
    plans: list[_Plan] = []
    for body in bodies:
        events = parse_batch(body)
        unique = {ev[0]: ev for ev in reversed(events)}
        known = [ev for ev in unique.values() if ev[1] in orders]
        fresh = [ev for ev in known if ev[0] not in seen]
        seen.update(ev[0] for ev in fresh)
        totals: dict[int, list[int]] = {}
        for ev in fresh:
            acc = totals.setdefault(ev[1], [0] * 6)
            for k in range(6):
                acc[k] += ev[2 + k]
        lines: list[tuple[int, int]] = []
        counters: list[tuple[int, ...]] = []
        charged_all = 0
        for oid in sorted(totals):
            spend, *counts = totals[oid]
            status, escrow = orders[oid]
            if status != "delivering" or escrow is None:
                counters.append((oid, 0, spend, 0, 0, 0, 0, 0))
                continue
            charged = max(0, min(balance[escrow], spend))
            balance[escrow] -= charged
            if charged and not balance[escrow]:  # emptied: the product completes the order
                orders[oid] = ("completed", escrow)
            if charged:
                lines.append((escrow, -charged))
            charged_all += charged
            counters.append((oid, charged, spend - charged, *counts))
        if lines:
            lines.append((revenue, charged_all))
        plans.append(
            _Plan(
                len(events),
                sorted({ev[1] for ev in unique.values()}),
                [(e[0], e[1], e[2]) for e in known],
                lines,
                counters,
                sum(t[0] for t in totals.values()),
                charged_all,
            )
        )
    return plans, revenue


def _write(cur: sqlite3.Cursor, ws: int, plan: _Plan, at: str, ref: int) -> None:
    cur.execute("BEGIN IMMEDIATE")
    ids = plan.order_ids
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        cur.execute(_READ.format(marks=_marks(len(part))), (ws, *part)).fetchall()
    (batch,) = cur.execute(_BATCH, (ws, plan.received, at)).fetchone()
    for start in range(0, len(plan.events), 1000):
        part = plan.events[start : start + 1000]
        cur.execute(_events_sql(len(part)), [ws, batch, *chain(*part)])
    if plan.lines:
        (entry,) = cur.execute(_ENTRY, (ws, f"promote-delivery:floor-{ref}", at)).fetchone()
        accounts = sorted(a for a, _ in plan.lines)
        for start in range(0, len(accounts), 1000):
            part = accounts[start : start + 1000]
            cur.execute(_LOCK.format(marks=_marks(len(part))), (ws, *part)).fetchall()
        rows = [(entry, a, "COIN", m) for a, m in plan.lines]
        for start in range(0, len(rows), 1000):
            part = rows[start : start + 1000]
            cur.execute(
                "INSERT INTO ledger_lines (entry_id, account_id, currency, amount) VALUES "
                + _marks(len(part)).replace("?", "(?, ?, ?, ?)"),
                list(chain(*part)),
            )
        deltas = sorted(plan.lines)
        for start in range(0, len(deltas), 1000):
            part = deltas[start : start + 1000]
            rows_sql = _marks(len(part)).replace("?", "(?, ?)")
            cur.execute(_APPLY.format(rows=rows_sql), [*chain(*part), ws])
    cur.executemany(_BUMP, plan.bump_rows or [])
    cur.executemany(_HOURLY, plan.hourly_rows or [])
    cur.execute(_FINISH, (len(plan.events), plan.spend, plan.charged, batch))
    cur.execute("COMMIT")


def floor(path: Path, workspace_id: int, bodies: Sequence[bytes]) -> Figures:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    try:
        plans, _revenue = _plans(conn, workspace_id, bodies)
        now = datetime.now(UTC).replace(tzinfo=None)
        at = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        hour = now.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%d %H:%M:%S.%f")
        for plan in plans:
            plan.bump_rows = [(*c, at) for c in plan.counters]
            plan.hourly_rows = [(*c, hour, workspace_id) for c in plan.counters]
        cur = conn.cursor()
        wall, cpu = time.perf_counter(), time.process_time()
        for n, plan in enumerate(plans):
            _write(cur, workspace_id, plan, at, n)
        return Figures(len(plans), time.perf_counter() - wall, time.process_time() - cpu)
    finally:
        conn.close()


def per_batch_ms(seconds: float, figures: Figures) -> str:
    return f"{seconds / max(1, figures.batches) * 1000:,.1f} ms"
