"""Shop batch cancel: items per second through the service, against a raw SQL update of the same
rows in the same run, at three sizes, with the growth exponent and the peak memory.

Data (bulk-inserted, off the clock): one shop, 100 products, ``items / 100`` activities with
the 100 products enrolled in each (started, so every cancel takes the "terminate" path) and two
linked offers (a coupon and a discount) per enrollment; the guardrail counters are set. The
activities' rules let everything through (min 0 products, 100 % ratio) but every chunk still
locks and checks them.

Timed: ``batches.start_batch`` over the shop's enrollments, then ``run_step`` until the
batch is final, one transaction per chunk (as the worker runs it): per item a snapshot, the
stage-aware state change, the cascade to both offers, the cancellation record, the counters,
the item's result and an audit row. Reference: ``UPDATE shop_enrollments SET state=…`` of the
same rows by the bare driver (``sqlite3`` / ``psycopg``) in one transaction.

Floor: on a second copy of the same data, the rows the service writes per item (snapshot, state
change, both offers, cancellation, item result, audit row; the counters per activity) written by
the bare driver with every value encoded beforehand (inserts by ``executemany``, on PostgreSQL
by ``COPY``), in the service's chunk size and one transaction: what this schema costs at the
least, printed with its ratio to the raw ``UPDATE``, and the product's ratio to it. Each time is
wall and this process's CPU (steadier on a busy machine; on PostgreSQL the server's work is not
in it): the 15× aim is judged by CPU on SQLite and by wall time on PostgreSQL.

The growth exponent is the least-squares slope of log(time) against log(items) over the three
sizes (1 = linear; aim ≤ 1.1). Each size gets a fresh database: a temporary SQLite file, or with
``--postgres`` a PostgreSQL database created for the run and dropped after it.

    python bench/shop_cancel.py [--quick] [--postgres] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from _common import Table, peak_rss_mib, rate
from _shop_floor import Clock, floor, timed
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.migrate import upgrade
from promodesk.models import (
    Shop,
    ShopActivity,
    ShopActivityCounter,
    ShopEnrollment,
    ShopOffer,
    ShopProduct,
    Workspace,
)
from promodesk.shop.service import batches
from promodesk.shop.service.batches import Selection

PG_ADMIN = os.environ.get(
    "PROMODESK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PRODUCTS = 100
AIM_EXPONENT = 1.1
AIM_RATIO = 15


@contextmanager
def database(postgres: bool) -> Iterator[Database]:
    if not postgres:
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
            upgrade(db.url)
            try:
                yield db
            finally:
                db.dispose()
        return
    import psycopg

    name = f"bench_shop_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    db = Database(url)
    upgrade(db.url)
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def prepare(db: Database, items: int) -> tuple[int, int]:
    """Bulk-insert the data set; returns (workspace id, shop id)."""
    activities = max(1, items // PRODUCTS)
    now = clock.now()
    with db.transaction() as uow:
        s = uow.session
        ws = Workspace(slug=f"bench-{uuid.uuid4().hex[:8]}", name="bench")
        s.add(ws)
        s.flush()
        shop = Shop(workspace_id=ws.id, name="月明食品", timezone="Asia/Shanghai")
        s.add(shop)
        s.flush()
        s.execute(insert(ShopProduct), [
            {"workspace_id": ws.id, "shop_id": shop.id, "title": f"月饼 {n}", "price_minor": 9900,
             "currency": "CNY", "stock": 100, "status": "listed"} for n in range(PRODUCTS)
        ])  # fmt: skip
        products = list(s.execute(select(ShopProduct.id).where(ShopProduct.shop_id == shop.id))
                        .scalars())  # fmt: skip
        s.execute(insert(ShopActivity), [
            {"workspace_id": ws.id, "name": f"中秋节 {n}",
             "registration_starts_at": now - timedelta(days=10),
             "registration_ends_at": now - timedelta(days=1), "starts_at": now - timedelta(days=1),
             "ends_at": now + timedelta(days=7), "min_products_per_shop": 0,
             "max_cancel_percent": 100} for n in range(activities)
        ])  # fmt: skip
        acts = list(s.execute(select(ShopActivity.id).where(ShopActivity.workspace_id == ws.id))
                    .scalars())  # fmt: skip
        s.execute(insert(ShopActivityCounter), [
            {"workspace_id": ws.id, "activity_id": a, "shop_id": shop.id, "enrolled": PRODUCTS,
             "active": PRODUCTS, "cancelled": 0} for a in acts
        ])  # fmt: skip
        for part in range(0, len(acts), 100):
            s.execute(insert(ShopEnrollment), [
                {"workspace_id": ws.id, "activity_id": a, "shop_id": shop.id, "product_id": p,
                 "activity_price_minor": 8900, "currency": "CNY", "activity_stock": 50,
                 "state": "live", "views": 100, "orders": 3}
                for a in acts[part:part + 100] for p in products
            ])  # fmt: skip
        ids = list(s.execute(select(ShopEnrollment.id).where(ShopEnrollment.shop_id == shop.id))
                   .scalars())  # fmt: skip
        for part in range(0, len(ids), 10_000):
            s.execute(insert(ShopOffer), [
                {"workspace_id": ws.id, "enrollment_id": e, "kind": kind, "title": kind,
                 "value_minor": 1000 if kind == "coupon" else 0,
                 "percent_off": 10 if kind == "discount" else 0, "status": "active"}
                for e in ids[part:part + 10_000] for kind in ("coupon", "discount")
            ])  # fmt: skip
        return int(ws.id), int(shop.id)


def product_cancel(db: Database, ws: int, shop_id: int) -> tuple[Clock, int, str]:
    with timed() as t:
        with db.transaction() as uow:
            batch = batches.start_batch(
                uow, ws, Selection(shop_id=shop_id), reason="plan_change", actor="bench",
                role="owner",
            )  # fmt: skip
            batch_id = batch.id
        more = True
        while more:
            with db.transaction() as uow:
                more = batches.run_step(uow, ws, batch_id)
    with db.transaction() as uow:
        b = batches.get_batch(uow, ws, batch_id)
        return t, b.done, b.status


def raw_update(db: Database, shop_id: int) -> Clock:
    """The same rows by the bare driver: back to ``live`` (they are ``terminated`` now)."""
    sql = "UPDATE shop_enrollments SET state = {p}, updated_at = {p} WHERE shop_id = {p}"
    at = clock.now()
    if db.url.startswith("sqlite"):
        conn = sqlite3.connect(db.url.removeprefix("sqlite:///"))
        try:
            with timed() as t:
                conn.execute(sql.format(p="?"), ("live", at.isoformat(), shop_id))
                conn.commit()
        finally:
            conn.close()
        return t
    import psycopg

    url = db.url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as conn, timed() as t:
        conn.execute(sql.format(p="%s"), ("live", at, shop_id))
        conn.commit()
    return t


def slope(points: list[tuple[int, float]]) -> float:
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(s) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    den = sum((x - mx) ** 2 for x in xs)
    return num / den if den else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (200, 1000, 5000)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--sizes", default="", help="comma-separated item counts")
    args = parser.parse_args()
    sizes = [10_000, 1_000, 100_000]  # the headline size first, as the issue asks
    if args.quick:
        sizes = [1_000, 200, 5_000]
    if args.sizes:
        sizes = [int(n) for n in args.sizes.split(",")]
    backend = "PostgreSQL" if args.postgres else "SQLite"
    table = Table(f"shop batch cancel on {backend} (guardrails, snapshots, cascade to 2 offers)")
    with database(args.postgres) as db:  # warm-up (imports, first queries), not counted
        product_cancel(db, *prepare(db, PRODUCTS))
    # what start-up made is frozen out of the collector's passes, as `promodesk serve` and
    # `promodesk worker` do once started
    gc.collect()
    gc.freeze()
    points = []
    for items in sizes:
        with database(args.postgres) as db:
            ws, shop_id = prepare(db, items)
            product, done, status = product_cancel(db, ws, shop_id)
            raw = raw_update(db, shop_id)
        with database(args.postgres) as db:  # the floor's own copy of the same data
            least, encoding = floor(db, *prepare(db, items))
        points.append((done, product.seconds))
        label = f"{done:,} items ({max(1, items // PRODUCTS):,} activities)"
        table.add(
            label,
            f"{rate(done, product.seconds):,.0f} items/s",
            f"product {product.seconds:.2f} s ({product.cpu:.2f} s CPU), {status}",
        )
        table.add(
            "",
            f"{rate(done, raw.seconds):,.0f} rows/s",
            f"raw UPDATE {raw.seconds * 1000:.1f} ms ({raw.cpu * 1000:.1f} ms CPU)",
        )
        table.add(
            "",
            f"{rate(done, least.seconds):,.0f} items/s",
            f"floor (the same rows, bare driver, pre-encoded) {least.seconds * 1000:.0f} ms "
            f"({least.cpu * 1000:.0f} ms CPU); + {encoding * 1000:.0f} ms CPU to encode the "
            f"snapshots' JSON = {(least.cpu + encoding) / raw.cpu:,.1f}x raw CPU"
            if raw.cpu > 0
            else "",
        )
        for name, part, whole in (
            ("product/raw", product, raw),
            ("floor/raw", least, raw),
            ("product/floor", product, least),
        ):
            table.add(
                "",
                f"{name} = {part.seconds / whole.seconds:,.1f}x",
                f"CPU {part.cpu / whole.cpu:,.1f}x" if whole.cpu > 0 else "",
            )
        # SQLite runs in this process, so its CPU time is the steady measure; PostgreSQL's work
        # is in the server, out of this process's CPU time, so there the wall time decides.
        by_cpu = not args.postgres and raw.cpu > 0
        ratio = product.cpu / raw.cpu if by_cpu else product.seconds / raw.seconds
        table.add(
            "",
            "",
            f"aim product within {AIM_RATIO}x of raw per item: "
            f"{'met' if ratio <= AIM_RATIO else 'NOT met'} ({ratio:,.1f}x by "
            f"{'CPU' if by_cpu else 'wall time'})",
        )
    exponent = slope(sorted(points))
    table.add("growth exponent", f"{exponent:.2f}", f"log-log slope of time vs items; aim ≤ "
              f"{AIM_EXPONENT} ({'met' if exponent <= AIM_EXPONENT else 'NOT met'})")  # fmt: skip
    table.add("peak RSS", f"{peak_rss_mib():,.0f} MiB", "")
    table.print()


if __name__ == "__main__":
    main()
