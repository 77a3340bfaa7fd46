"""The shop batch cancel's floor (see ``shop_cancel.py``): the rows the service writes per item,
written by the bare driver with every value encoded beforehand; and the wall and CPU clock both
use. Importing this module has no side effects (``make bench`` also runs it)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.shop.service import batches
from promodesk.shop.service.batches import Selection


@dataclass
class Clock:
    """Wall seconds and this process's CPU seconds (the steadier figure on a busy machine;
    on PostgreSQL it leaves out the server's work)."""

    seconds: float = 0.0
    cpu: float = 0.0


@contextmanager
def timed() -> Iterator[Clock]:
    spent = Clock()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield spent
    finally:
        spent.seconds = time.perf_counter() - wall
        spent.cpu = time.process_time() - cpu


FLOOR_CHUNK = 2000  # the service's default chunk size, so both write in the same slices


def floor_rows(db: Database, ws: int, shop_id: int, batch_id: int) -> dict[str, Any]:
    """Off the clock: every value the floor writes, encoded as its column stores it (JSON
    text; on SQLite a time as SQLAlchemy's text form, on PostgreSQL a datetime)."""
    sqlite = db.url.startswith("sqlite")
    at = clock.now()
    stamp: Any = at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else at
    with db.transaction() as uow:
        conn = uow.session.connection()
        enrollments = conn.exec_driver_sql(
            "SELECT e.id, e.activity_id, e.shop_id, e.product_id, e.state, e.previous_state, "
            "e.activity_price_minor, e.currency, e.activity_stock, e.per_buyer_limit, e.presale, "
            "e.shipping_days, e.views, e.orders, p.title, p.price_minor, p.stock, p.status "
            "FROM shop_enrollments e JOIN shop_products p ON p.id = e.product_id "
            f"WHERE e.shop_id = {int(shop_id)} ORDER BY e.id"
        ).all()
        offers: dict[int, list[Any]] = {}
        for o in conn.exec_driver_sql(
            "SELECT id, enrollment_id, kind, title, value_minor, percent_off FROM shop_offers "
            f"WHERE workspace_id = {int(ws)} AND status = 'active' ORDER BY id"
        ):
            offers.setdefault(o[1], []).append(o)
        items = dict(
            conn.exec_driver_sql(
                f"SELECT enrollment_id, id FROM shop_batch_items WHERE batch_id = {int(batch_id)}"
            ).all()
        )
    snapshots, cancellations, events = [], [], []
    encoding = 0.0
    for e in enrollments:
        mine = offers.get(e[0], [])
        data = {
            "enrollment": dict(zip(("id", "activity_id", "shop_id", "product_id", "state",
                                    "previous_state", "activity_price_minor", "currency",
                                    "activity_stock", "per_buyer_limit", "presale",
                                    "shipping_days"), e[:12], strict=True)),
            "offers": [{"id": o[0], "kind": o[2], "title": o[3], "value_minor": o[4],
                        "percent_off": o[5], "status": "active"} for o in mine],
            "figures": {"views": e[12], "orders": e[13]},
            "product": {"title": e[14], "price_minor": e[15], "stock": e[16], "status": e[17]},
            "activity": {"name": "x", "rules": {"min_products": 0, "max_cancel_percent": 100}},
        }  # fmt: skip
        with timed() as t:  # what encoding costs, reported beside the floor
            text = json.dumps(data)
        encoding += t.cpu
        snapshots.append((ws, e[0], e[1], e[2], e[3], "cancel", batch_id, text, stamp))
        cancellations.append((ws, e[0], e[1], e[2], e[3], e[4], "terminate", "plan_change", "",
                              False, "bench", batch_id, len(mine), False, stamp))  # fmt: skip
        after = {"state": "terminated", "reason": "plan_change", "batch_id": batch_id,
                 "offers_cancelled": len(mine)}  # fmt: skip
        events.append((ws, "bench", "shop.enrollment.terminate", "shop_enrollment", str(e[0]),
                       json.dumps({"state": e[4]}), json.dumps(after), "", stamp))  # fmt: skip
    keys: dict[tuple[int, int], int] = {}
    for e in enrollments:
        keys[(e[1], e[2])] = keys.get((e[1], e[2]), 0) + 1
    return {
        "stamp": stamp,
        "ids": [e[0] for e in enrollments],
        "items": [items[e[0]] for e in enrollments],
        "snapshots": snapshots,
        "cancellations": cancellations,
        "events": events,
        "counters": [(n, n, a, s) for (a, s), n in sorted(keys.items())],
        "encoding": encoding,
    }


FLOOR_SQL = {
    "snapshot": "INSERT INTO shop_snapshots (workspace_id, enrollment_id, activity_id, shop_id, "
    "product_id, change, batch_id, data, created_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, "
    "{j}, {p})",
    "state": "UPDATE shop_enrollments SET state = 'terminated', updated_at = {p} "
    "WHERE id {ids} AND state = 'live'",
    "offers": "UPDATE shop_offers SET status = 'cancelled', cancelled_at = {p} "
    "WHERE enrollment_id {ids} AND status = 'active'",
    "cancellation": "INSERT INTO shop_cancellations (workspace_id, enrollment_id, activity_id, "
    "shop_id, product_id, from_state, path, reason_code, reason_text, forced, operator, batch_id, "
    "offers_cancelled, restored, created_at) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, "
    "{p}, {p}, {p}, {p}, {p}, {p})",
    "counter": "UPDATE shop_activity_counters SET active = active - {p}, "
    "cancelled = cancelled + {p} WHERE activity_id = {p} AND shop_id = {p}",
    "item": "UPDATE shop_batch_items SET status = 'done', processed_at = {p}, "
    "attempts = attempts + 1 WHERE id {ids} AND status = 'pending'",
    "audit": "INSERT INTO audit_events (workspace_id, actor, action, object_type, object_id, "
    "before, after, note, created_at) VALUES ({p}, {p}, {p}, {p}, {p}, {j}, {j}, {p}, {p})",
}


def where_in(template: str, values: list[int], sqlite: bool) -> tuple[str, list[Any]]:
    if sqlite:
        return template.replace("{ids}", f"IN ({', '.join('?' * len(values))})"), values
    return template.replace("{ids}", "= ANY(%s)"), [values]


def driver_insert(cur: Any, sql: str, rows: list[tuple[Any, ...]], sqlite: bool) -> None:
    """SQLite: ``executemany``; PostgreSQL: ``COPY`` of the same columns (the fastest way the
    driver has, and the one the service uses there)."""
    if sqlite:
        cur.executemany(sql, rows)
        return
    head = sql.split(" VALUES ", 1)[0].replace("INSERT INTO", "COPY", 1)
    with cur.copy(f"{head} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def floor(db: Database, ws: int, shop_id: int) -> tuple[Clock, float]:
    """The same rows the service writes per item, by the bare driver with every value encoded
    beforehand, in one transaction: what this schema costs at the least. Also returns the CPU
    seconds that encoding the snapshots' JSON took (off the clock), which no path avoids."""
    with db.transaction() as uow:
        batch = batches.start_batch(
            uow, ws, Selection(shop_id=shop_id), reason="plan_change", actor="bench",
            role="owner",
        )  # fmt: skip
        batch_id = batch.id
    rows = floor_rows(db, ws, shop_id, batch_id)
    sqlite = db.url.startswith("sqlite")
    p = "?" if sqlite else "%s"
    sql = {k: v.replace("{j}", p if sqlite else "CAST(%s AS JSON)") for k, v in FLOOR_SQL.items()}
    if sqlite:
        conn: Any = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    else:
        import psycopg

        conn = psycopg.connect(db.url.replace("postgresql+psycopg", "postgresql"))
    try:
        cur = conn.cursor()
        with timed() as t:
            if sqlite:
                cur.execute("BEGIN IMMEDIATE")
            for start in range(0, len(rows["ids"]), FLOOR_CHUNK):
                part = slice(start, start + FLOOR_CHUNK)
                ids, items = rows["ids"][part], rows["items"][part]
                driver_insert(cur, sql["snapshot"].format(p=p), rows["snapshots"][part], sqlite)
                text, args = where_in(sql["state"], ids, sqlite)
                cur.execute(text.format(p=p), [rows["stamp"], *args])
                text, args = where_in(sql["offers"], ids, sqlite)
                cur.execute(text.format(p=p), [rows["stamp"], *args])
                driver_insert(
                    cur, sql["cancellation"].format(p=p), rows["cancellations"][part], sqlite
                )
                text, args = where_in(sql["item"], items, sqlite)
                cur.execute(text.format(p=p), [rows["stamp"], *args])
                driver_insert(cur, sql["audit"].format(p=p), rows["events"][part], sqlite)
            cur.executemany(sql["counter"].format(p=p), rows["counters"])
            conn.commit() if not sqlite else cur.execute("COMMIT")
    finally:
        conn.close()
    return t, rows["encoding"]
