"""Promote refunds: time from an order's stop to its refund posted, with the embedded worker.

Sets up ``--orders`` delivering orders (as ``promote_delivery.py`` does), starts the real
server WITH its embedded worker (``promodesk serve``) on 127.0.0.1, and stops every order
through the HTTP API (``POST /orders/{id}/stop``, one keep-alive client, one after another).
The stop ends the order and enqueues its settlement in the same transaction; the worker posts
the ``release`` entry. Latency per order = the release entry's ``created_at`` − the order's
``ended_at`` (both stamped by the server's clock). Aim: p99 under 1 second.

Also checks: exactly one release entry per order, and ``promodesk ledger check`` passes.

    python bench/promote_refund.py [--orders 1000] [--quick] [--postgres]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from _common import Table, peak_rss_mib, timed
from promodesk.kit.clock import ensure_utc
from promodesk.kit.db import Database
from promodesk.ledger.check import check_ledger
from promodesk.models import LedgerEntry, PromoteOrder
from promote_delivery import pct, pg_database, prepare, start_product

AIM_P99 = 1.0


def refunds(url: str, workspace_id: int) -> tuple[list[float], int, int]:
    """(latencies in seconds of settled orders, orders settled, release entries)."""
    db = Database(url)
    try:
        with db.transaction() as uow:
            s = uow.session
            ended = {
                f"promote-order:{oid}": ensure_utc(at)
                for oid, at in s.execute(
                    select(PromoteOrder.id, PromoteOrder.ended_at).where(
                        PromoteOrder.workspace_id == workspace_id,
                        PromoteOrder.settlement_status == "settled",
                    )
                )
            }
            posted = s.execute(
                select(LedgerEntry.ref, LedgerEntry.created_at).where(
                    LedgerEntry.workspace_id == workspace_id, LedgerEntry.kind == "release"
                )
            ).all()
            count = s.execute(
                select(func.count())
                .select_from(LedgerEntry)
                .where(LedgerEntry.workspace_id == workspace_id, LedgerEntry.kind == "release")
            ).scalar_one()
        lat = [(ensure_utc(at) - ended[ref]).total_seconds() for ref, at in posted if ref in ended]
        return lat, len(ended), int(count)
    finally:
        db.dispose()


def ledger_ok(url: str) -> bool:
    db = Database(url)
    try:
        with db.transaction() as uow:
            return check_ledger(uow).ok
    finally:
        db.dispose()


def run_backend(label: str, url: str, data_dir: Path, args: argparse.Namespace) -> None:
    with timed() as took:
        setup = prepare(url, data_dir, args.orders, mean_budget=1_000)
    print(f"\n{label}: {args.orders:,} delivering orders set up in {took.seconds:.1f}s")
    with start_product(setup, worker=True) as server:
        with (
            httpx.Client(base_url=server.base_url, headers=server.headers, trust_env=False) as c,
            timed() as stopping,
        ):
            for oid in setup.order_ids:
                r = c.post(f"/api/v1/promote/orders/{oid}/stop", json={"reason": "bench"})
                if r.status_code != 200:
                    raise SystemExit(f"stop {oid}: HTTP {r.status_code}: {r.text[:300]}")
        deadline = time.monotonic() + 120
        while True:
            lat, settled, releases = refunds(url, setup.workspace_id)
            if settled >= len(setup.order_ids) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        rss = server.peak_rss_mib()
    ok = ledger_ok(url)
    t = Table(f"{label}: {len(setup.order_ids):,} orders stopped over HTTP, embedded worker")
    t.add("stops", f"{len(setup.order_ids) / stopping.seconds:,.0f} /s", "sequential HTTP calls")
    t.add("refunded", f"{settled:,} / {len(setup.order_ids):,}", "within 120 s")
    if lat:
        t.add("stop -> refund p50", f"{pct(lat, 0.50) * 1000:,.0f} ms")
        p99 = pct(lat, 0.99)
        met = "met" if p99 < AIM_P99 else "NOT met"
        t.add("stop -> refund p99", f"{p99 * 1000:,.0f} ms", f"aim < {AIM_P99:.0f} s: {met}")
        t.add("stop -> refund max", f"{max(lat) * 1000:,.0f} ms")
    t.add("release entries", f"{releases:,}", "one per order" if releases == settled else "!")
    t.add("server peak RSS", f"{rss:,.0f} MiB", "VmHWM")
    t.add("ledger check", "ok" if ok else "FAILED")
    t.print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000)
    parser.add_argument("--quick", action="store_true", help="200 orders")
    parser.add_argument("--postgres", action="store_true", help="also on a fresh PostgreSQL")
    args = parser.parse_args()
    if args.quick:
        args.orders = min(args.orders, 200)
    with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp:
        run_backend("SQLite", f"sqlite:///{Path(tmp) / 'promodesk.db'}", Path(tmp), args)
    if args.postgres:
        with tempfile.TemporaryDirectory(prefix="promodesk-bench-") as tmp, pg_database() as url:
            if url:
                run_backend("PostgreSQL", url, Path(tmp), args)
    print(f"\nbench client peak RSS: {peak_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
