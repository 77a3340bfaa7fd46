"""All SQL of delivery batches: set-based statements, one round trip per step of a batch.

Lock order (the product's global order): promote order rows (ascending id, ``FOR UPDATE`` on
PostgreSQL), then ledger rows. Escrow balances are read AFTER the order locks are held, in a
new statement, so that under READ COMMITTED they include every capture committed before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import chain
from typing import cast

from sqlalchemy import Table, insert, select, update

from promodesk.kit.clock import ensure_utc, now
from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    LedgerAccount,
    PromoteDeliveryBatch,
    PromoteOrder,
)

_orders = cast(Table, PromoteOrder.__table__)
_accounts = cast(Table, LedgerAccount.__table__)
_batches = cast(Table, PromoteDeliveryBatch.__table__)
_CHUNK = 1000  # ids per IN (...) list
RESULTS = ("views", "website_visits", "follows", "product_clicks", "live_viewers")
_COUNTERS = ("spend_coins", "over_delivered_coins", *RESULTS)
# One order's additions of a batch: (order_id, charged, over-delivered, then RESULTS in order).
Counters = tuple[int, int, int, int, int, int, int, int]

# PostgreSQL takes a batch's rows as arrays, one per column: one statement, no per-row
# parameters for SQLAlchemy or psycopg to render, rows in the order given.
_PG_NEW_EVENTS = (
    "INSERT INTO promote_delivery_events (workspace_id, batch_id, event_id, order_id, "
    "spend_coins) SELECT %s, %s, t.event_id, t.order_id, t.spend "
    "FROM unnest(%s::text[], %s::bigint[], %s::bigint[]) AS t(event_id, order_id, spend) "
    "ON CONFLICT (workspace_id, event_id) DO NOTHING RETURNING event_id"
)

# Its counters: one element per order, in the ``Counters`` order.
_PG_BUMP = (
    "UPDATE promote_orders AS o SET spent_coins = o.spent_coins + v.charged, "
    "over_delivered_coins = o.over_delivered_coins + v.over, views = o.views + v.views, "
    "website_visits = o.website_visits + v.website_visits, follows = o.follows + v.follows, "
    "product_clicks = o.product_clicks + v.product_clicks, "
    "live_viewers = o.live_viewers + v.live_viewers, updated_at = %s "
    "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], "
    "%s::bigint[], %s::bigint[], %s::bigint[]) "
    "AS v(id, charged, over, views, website_visits, follows, product_clicks, live_viewers) "
    "WHERE o.id = v.id"
)
_PG_HOURLY = (
    "INSERT INTO promote_order_hourly (order_id, hour, workspace_id, spend_coins, "
    "over_delivered_coins, views, website_visits, follows, product_clicks, live_viewers) "
    "SELECT v.id, %s, %s, v.charged, v.over, v.views, v.website_visits, v.follows, "
    "v.product_clicks, v.live_viewers "
    "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], "
    "%s::bigint[], %s::bigint[], %s::bigint[]) "
    "AS v(id, charged, over, views, website_visits, follows, product_clicks, live_viewers) "
    "ON CONFLICT (order_id, hour) DO UPDATE SET "
    "spend_coins = promote_order_hourly.spend_coins + excluded.spend_coins, "
    "over_delivered_coins = promote_order_hourly.over_delivered_coins "
    "+ excluded.over_delivered_coins, "
    "views = promote_order_hourly.views + excluded.views, "
    "website_visits = promote_order_hourly.website_visits + excluded.website_visits, "
    "follows = promote_order_hourly.follows + excluded.follows, "
    "product_clicks = promote_order_hourly.product_clicks + excluded.product_clicks, "
    "live_viewers = promote_order_hourly.live_viewers + excluded.live_viewers"
)


@lru_cache(maxsize=8)
def _sqlite_new_events_sql(rows: int) -> str:
    """One multi-row INSERT for ``rows`` events: ?1 and ?2 are the workspace and the batch,
    then three values per event. Cheaper than ``executemany`` of one row each (one statement
    step instead of one per row), and the parameters are the events' tuples chained."""
    values = ", ".join(f"(?1, ?2, ?{3 + 3 * i}, ?{4 + 3 * i}, ?{5 + 3 * i})" for i in range(rows))
    # Only numbered placeholders are interpolated; values are bound.
    return f"INSERT OR IGNORE INTO promote_delivery_events (workspace_id, batch_id, event_id, order_id, spend_coins) VALUES {values}"  # noqa: E501, S608


# SQLite statements of a batch, run with executemany on the driver cursor. Their numbered
# placeholders take a ``Counters`` tuple as it is, plus what every row shares at the end:
# no per-row dict or reordering in Python.
_SQLITE_BUMP = (
    "UPDATE promote_orders SET spent_coins = spent_coins + ?2, "
    "over_delivered_coins = over_delivered_coins + ?3, views = views + ?4, "
    "website_visits = website_visits + ?5, follows = follows + ?6, "
    "product_clicks = product_clicks + ?7, live_viewers = live_viewers + ?8, updated_at = ?9 "
    "WHERE id = ?1"
)
_SQLITE_HOURLY = (
    "INSERT INTO promote_order_hourly (order_id, hour, workspace_id, spend_coins, "
    "over_delivered_coins, views, website_visits, follows, product_clicks, live_viewers) "
    "VALUES (?1, ?9, ?10, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (order_id, hour) DO UPDATE SET "
    + ", ".join(f"{c} = {c} + excluded.{c}" for c in _COUNTERS)
)


def _sqlite_time(at: datetime) -> str:
    """The text SQLAlchemy's SQLite DATETIME stores (naive UTC, with microseconds)."""
    return ensure_utc(at).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


class DeliveryRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.conn = uow.session.connection()
        self.dialect = self.conn.dialect.name
        # SQLite: escrow balances read together with the orders (see lock_orders).
        self._balances: dict[int, int] = {}

    def new_batch(self, workspace_id: int, received: int) -> int:
        return int(
            self.conn.execute(
                insert(_batches)
                .values(workspace_id=workspace_id, received=received, created_at=now())
                .returning(_batches.c.id)
            ).scalar_one()
        )

    def finish_batch(self, batch_id: int, **counts: int) -> None:
        self.conn.execute(update(_batches).where(_batches.c.id == batch_id).values(**counts))

    def lock_orders(
        self, workspace_id: int, order_ids: Iterable[int]
    ) -> dict[int, tuple[str, int | None]]:
        """``{order_id: (status, escrow_account_id)}``, rows locked in ascending id order."""
        ordered = sorted(set(order_ids))
        out: dict[int, tuple[str, int | None]] = {}
        if self.dialect == "sqlite":
            return self._sqlite_orders(workspace_id, ordered)
        for start in range(0, len(ordered), _CHUNK):
            q = (
                select(_orders.c.id, _orders.c.status, _orders.c.escrow_account_id)
                .where(
                    _orders.c.workspace_id == workspace_id,
                    _orders.c.id.in_(ordered[start : start + _CHUNK]),
                )
                .order_by(_orders.c.id)
                .with_for_update()
            )
            for r in self.conn.execute(q):
                out[r[0]] = (r[1], r[2])
        return out

    def _sqlite_orders(
        self, workspace_id: int, ordered: list[int]
    ) -> dict[int, tuple[str, int | None]]:
        # SQLite runs one writer at a time (BEGIN IMMEDIATE): nothing can change between this
        # read and the batch's writes, so the escrow balances come in the same statement, and
        # the driver cursor skips rendering an expanding IN list and building a result row each.
        out: dict[int, tuple[str, int | None]] = {}
        cursor = self.uow.driver_cursor()
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            # Only "?" placeholders are interpolated; values are bound.
            sql = f"SELECT o.id, o.status, o.escrow_account_id, a.balance FROM promote_orders o LEFT JOIN ledger_accounts a ON a.id = o.escrow_account_id WHERE o.workspace_id = ? AND o.id IN ({marks})"  # noqa: E501, S608
            cursor.execute(sql, (workspace_id, *chunk))
            for oid, status, escrow, balance in cursor.fetchall():
                out[oid] = (status, escrow)
                if escrow is not None and balance is not None:
                    self._balances[escrow] = balance
        return out

    def balances(self, workspace_id: int, account_ids: Iterable[int]) -> dict[int, int]:
        ids = sorted(set(account_ids))
        if self._balances and all(i in self._balances for i in ids):
            return {i: self._balances[i] for i in ids}
        out: dict[int, int] = {}
        for start in range(0, len(ids), _CHUNK):
            q = select(_accounts.c.id, _accounts.c.balance).where(
                _accounts.c.workspace_id == workspace_id,
                _accounts.c.id.in_(ids[start : start + _CHUNK]),
            )
            out.update({r[0]: r[1] for r in self.conn.execute(q)})
        return out

    def insert_new_events(
        self, workspace_id: int, batch_id: int, rows: Sequence[tuple[str, int, int]]
    ) -> set[str] | None:
        """Insert ``(event_id, order_id, spend)`` rows not seen before; return the ids that
        were new, or None when all were (the common case: no set of thousands of ids to
        build). Seen ids are skipped by the primary key (``ON CONFLICT DO NOTHING``)."""
        if not rows:
            return None
        if self.dialect == "sqlite":
            return self._sqlite_new_events(workspace_id, batch_id, rows)
        # One statement over three arrays (psycopg sends them as arrays): no per-row
        # parameters for SQLAlchemy to render, and the rows go in in the order given.
        cursor = self.uow.driver_cursor()
        event_ids, order_ids, spends = (list(column) for column in zip(*rows, strict=True))
        cursor.execute(_PG_NEW_EVENTS, (workspace_id, batch_id, event_ids, order_ids, spends))
        new = {r[0] for r in cursor.fetchall()}
        return None if len(new) == len(rows) else new

    def _sqlite_new_events(
        self, workspace_id: int, batch_id: int, rows: Sequence[tuple[str, int, int]]
    ) -> set[str] | None:
        # SQLite runs one writer at a time (BEGIN IMMEDIATE), so nothing can race this. Insert
        # with OR IGNORE (the primary key skips seen ids); when every row went in, which is
        # the common case, all were new; otherwise the new ones are those carrying this batch.
        cursor = self.uow.driver_cursor()
        inserted = 0
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            cursor.execute(
                _sqlite_new_events_sql(len(chunk)), [workspace_id, batch_id, *chain(*chunk)]
            )
            inserted += cursor.rowcount
        if inserted == len(rows):
            return None
        ids = [r[0] for r in rows]
        new: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            # Only "?" placeholders are interpolated; values are bound.
            sql = f"SELECT event_id FROM promote_delivery_events WHERE workspace_id = ? AND batch_id = ? AND event_id IN ({marks})"  # noqa: E501, S608
            new.update(
                r[0] for r in self.conn.exec_driver_sql(sql, (workspace_id, batch_id, *part))
            )
        return new

    def bump_orders(self, rows: Sequence[Counters], at: datetime) -> None:
        """Add each ``Counters`` row to its order's totals; ``at`` is the update time."""
        if not rows:
            return
        if self.dialect != "sqlite":
            # One statement over arrays; the order rows are locked already (lock_orders).
            columns = [list(column) for column in zip(*rows, strict=True)]
            self.uow.driver_cursor().execute(_PG_BUMP, (at, *columns))
            return
        stamp = (_sqlite_time(at),)
        self.uow.driver_cursor().executemany(_SQLITE_BUMP, [r + stamp for r in rows])

    def add_hourly(self, workspace_id: int, hour: datetime, rows: Sequence[Counters]) -> None:
        """Add each ``Counters`` row to its order's series at ``hour`` (an upsert)."""
        if not rows:
            return
        if self.dialect == "sqlite":
            tail = (_sqlite_time(hour), workspace_id)
            self.uow.driver_cursor().executemany(_SQLITE_HOURLY, [r + tail for r in rows])
            return
        columns = [list(column) for column in zip(*rows, strict=True)]
        self.uow.driver_cursor().execute(_PG_HOURLY, (hour, workspace_id, *columns))
