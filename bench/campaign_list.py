"""The campaign list at agency scale: one page of 50 campaigns sorted by 30-day spend, with the
totals of the whole list, through the product (``campaigns.service.lists.object_page``), against
the bare SQL of the same page and totals run by the driver (``sqlite3`` / ``psycopg``) in the
same run, on SQLite and PostgreSQL.

Data (made by the database in one ``INSERT … SELECT``, off the clock): ``--campaigns``
campaigns (10,000; ``--full``: 100,000) over ``campaigns / 1,000`` ad accounts (at least 10)
in three time zones, every other campaign allocated to one of 20 advertisers, and 90 days of
daily report rows per campaign (spend, impressions, clicks, conversions, ...).

Timed, ``--repeats`` times each (first the page, then the next page from its cursor):
- product: ``object_page(range="last_30_days", sort="-spend", limit=50)`` in a read unit of
  work: the page query (aggregate subquery of each account's 30 local days joined to the mirror
  rows, keyset-sorted in SQL), the totals query per currency, and the rows made into items;
- reference: the two same statements written by hand, run by the bare driver, rows fetched.
Printed: p50 and p95 of each side and the ratio reference p95 / product p95 (aim ≥ 0.5).

    python bench/campaign_list.py [--full] [--campaigns N] [--repeats 20] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from _common import Table, peak_rss_mib, timed
from promodesk.campaigns.repository.lists import PG_WORK_MEM
from promodesk.campaigns.service import lists
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.migrate import upgrade
from promodesk.models import (
    CampaignAllocation,
    ClientAccount,
    ClientAdvertiser,
    TikTokAdAccount,
    TikTokCampaign,
    Workspace,
)

PG_ADMIN = os.environ.get(
    "PROMODESK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ZONES = ("Asia/Singapore", "America/New_York", "Europe/Berlin")
DAYS = 90
AT = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
AIM = 0.5


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

    name = f"bench_list_{uuid.uuid4().hex[:8]}"
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


def _report_rows_sql(postgres: bool) -> str:
    """One ``INSERT … SELECT`` of every campaign-day (the database makes the 9,000,000 rows of
    ``--full`` itself; Python building them took 10+ minutes). Spend is a deterministic
    pseudo-random level per campaign (0–50,000) with day-to-day noise (±5,000), never below 0;
    the other metrics follow from it; days older than 7 are final."""
    if postgres:
        days = "generate_series(0, %(last)s) AS n(d)"
        day = "to_char(%(first)s::date + n.d, 'YYYY-MM-DD')"
        most, ph = "GREATEST", "%(ws)s"
    else:
        days = "(WITH RECURSIVE n(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM n WHERE d < :last)"
        days += " SELECT d FROM n) AS n"
        day = "date(:first, '+' || n.d || ' days')"
        most, ph = "MAX", ":ws"
    mod = "%%" if postgres else "%"  # psycopg's placeholders use %
    spend = f"{most}(0, (c.id * 7919) {mod} 50001 + (c.id * 31 + n.d * 1013) {mod} 10001 - 5000)"
    synced = "%(synced)s" if postgres else ":synced"
    final = f"n.d < {DAYS - 7}"
    return f"""
        INSERT INTO tiktok_report_rows ({COLUMNS})
        SELECT {ph}, c.ad_account_id, 'campaign', 'day', c.campaign_id, c.campaign_id, {day},
               a.timezone, 'USD', {spend}, {spend} * 40, {spend} * 40 / 90,
               {spend} * 40 / 90 / 12, {spend} * 40 / 4, {spend} * 40 / 2, {final}, {synced}
        FROM tiktok_campaigns c JOIN tiktok_ad_accounts a ON a.id = c.ad_account_id
        CROSS JOIN {days}
        WHERE c.workspace_id = {ph}
        ORDER BY n.d, c.ad_account_id, c.campaign_id"""


COLUMNS = (
    "workspace_id, ad_account_id, level, grain, object_id, campaign_id, stat_time, time_zone, "
    "currency, spend_minor, impressions, clicks, conversions, video_views, reach, final, synced_at"
)


def prepare(db: Database, count: int) -> int:
    """Bulk-insert the data set; returns the workspace id."""
    accounts_n = max(10, count // 1000)
    with db.transaction() as uow:
        s = uow.session
        ws = Workspace(slug=f"bench-{uuid.uuid4().hex[:8]}", name="bench")
        s.add(ws)
        s.flush()
        s.execute(insert(TikTokAdAccount), [
            {"workspace_id": ws.id, "advertiser_id": str(7_000_000 + n), "name": f"Account {n}",
             "currency": "USD", "timezone": ZONES[n % len(ZONES)], "status": "STATUS_ENABLE",
             "raw": {}} for n in range(accounts_n)
        ])  # fmt: skip
        accounts = list(
            s.execute(
                select(TikTokAdAccount.id, TikTokAdAccount.timezone)
                .where(TikTokAdAccount.workspace_id == ws.id)
                .order_by(TikTokAdAccount.id)
            ).all()
        )
        client = ClientAccount(workspace_id=ws.id, name="Agency client")
        s.add(client)
        s.flush()
        s.execute(insert(ClientAdvertiser), [
            {"workspace_id": ws.id, "client_account_id": client.id, "name": f"Brand {n}"}
            for n in range(20)
        ])  # fmt: skip
        advertisers = list(
            s.execute(select(ClientAdvertiser.id).where(ClientAdvertiser.workspace_id == ws.id))
            .scalars()
        )  # fmt: skip
        for part in range(0, count, 10_000):
            s.execute(insert(TikTokCampaign), [
                {"workspace_id": ws.id, "ad_account_id": accounts[n % accounts_n][0],
                 "campaign_id": str(1_800_000_000 + n), "name": f"Campaign {n:06d}",
                 "operation_status": "ENABLE", "secondary_status": "CAMPAIGN_STATUS_ENABLE",
                 "objective_type": "TRAFFIC", "budget_mode": "BUDGET_MODE_DAY",
                 "budget_minor": 10_000 + n % 500 * 100, "raw": {}}
                for n in range(part, min(count, part + 10_000))
            ])  # fmt: skip
        zone_of = dict(accounts)
        campaigns = [
            (int(r[0]), int(r[1]), str(r[2]), zone_of[r[1]])
            for r in s.execute(
                select(TikTokCampaign.id, TikTokCampaign.ad_account_id, TikTokCampaign.campaign_id)
                .where(TikTokCampaign.workspace_id == ws.id)
                .order_by(TikTokCampaign.id)
            )
        ]
        allocs = [
            {"workspace_id": ws.id, "campaign_row_id": row_id, "ad_account_id": account,
             "client_account_id": client.id, "advertiser_id": advertisers[n % 20]}
            for n, (row_id, account, _c, _z) in enumerate(campaigns) if n % 2 == 0
        ]  # fmt: skip
        for part in range(0, len(allocs), 10_000):
            s.execute(insert(CampaignAllocation), allocs[part : part + 10_000])
        ws_id = ws.id
    first = (AT.date() - timedelta(days=DAYS - 1)).isoformat()
    values = {"ws": ws_id, "first": first, "last": DAYS - 1, "synced": AT.replace(tzinfo=None)}
    if db.url.startswith("sqlite"):
        conn = sqlite3.connect(db.url.removeprefix("sqlite:///"))
        with conn:
            conn.execute(_report_rows_sql(False), {**values, "synced": str(values["synced"])})
        conn.execute("ANALYZE")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(db.url.replace("+psycopg", "")) as conn:
            conn.execute(_report_rows_sql(True), values)
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans
    return ws_id


def bare_sql(db: Database, ws: int) -> tuple[str, str, list[Any], list[Any]]:
    """The page and totals statements by hand, and their parameters (each ad account's 30 local
    days, grouped by zone, as the product computes them)."""
    with db.read() as uow:
        wins, _ = lists.windows(uow, ws, lists.domain.metric_range("last_30_days"), AT)
    ph = "?" if db.url.startswith("sqlite") else "%s"
    ranges, params = [], []
    for w in wins:
        assert w.account_ids is not None
        ids = ", ".join(str(i) for i in w.account_ids)
        ranges.append(
            f"(r.ad_account_id IN ({ids}) AND r.stat_time >= {ph} AND r.stat_time < {ph})"
        )
        params += [w.since, w.until]
    span = [min(w.since for w in wins), max(w.until for w in wins)]
    metrics = f"""
        SELECT r.ad_account_id AS aid, r.object_id AS oid,
               SUM(r.spend_minor) AS spend, SUM(r.impressions) AS impressions,
               SUM(r.clicks) AS clicks, SUM(r.conversions) AS conversions,
               SUM(r.video_views) AS video_views, SUM(r.reach) AS reach
        FROM tiktok_report_rows r
        WHERE r.workspace_id = {ph} AND r.level = 'campaign' AND r.grain = 'day'
          AND r.stat_time >= {ph} AND r.stat_time < {ph} AND ({" OR ".join(ranges)})
        GROUP BY r.ad_account_id, r.object_id"""
    base = f"""
        FROM tiktok_campaigns c
        JOIN tiktok_ad_accounts a ON a.id = c.ad_account_id
        LEFT JOIN campaign_allocations al ON al.campaign_row_id = c.id
        LEFT JOIN client_accounts ca ON ca.id = al.client_account_id
        LEFT JOIN client_advertisers adv ON adv.id = al.advertiser_id
        LEFT JOIN ({metrics}) m ON m.aid = c.ad_account_id AND m.oid = c.campaign_id
        WHERE c.workspace_id = {ph}"""
    page = f"""
        SELECT c.*, al.*, ca.name, adv.name, a.name, a.advertiser_id, a.currency, a.timezone,
               COALESCE(m.spend, 0), COALESCE(m.impressions, 0), COALESCE(m.clicks, 0),
               COALESCE(m.conversions, 0), COALESCE(m.video_views, 0), COALESCE(m.reach, 0)
        {base}
        ORDER BY COALESCE(m.spend, 0) DESC, c.id DESC LIMIT 51"""
    totals = f"""
        SELECT a.currency, COUNT(c.id), COALESCE(SUM(m.spend), 0),
               COALESCE(SUM(m.impressions), 0), COALESCE(SUM(m.clicks), 0),
               COALESCE(SUM(m.conversions), 0), COALESCE(SUM(m.video_views), 0),
               COALESCE(SUM(m.reach), 0)
        {base}
        GROUP BY a.currency ORDER BY a.currency"""
    args = [ws, *span, *params, ws]
    return page, totals, args, args


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(db: Database, count: int, repeats: int) -> dict[str, float]:
    with timed() as load:
        ws = prepare(db, count)
    previous = clock.set_clock(clock.FrozenClock(AT))
    try:
        kw: dict[str, Any] = {"range": "last_30_days", "sort": "-spend", "limit": 50, "at": AT}

        def product() -> tuple[float, float]:
            start = time.perf_counter()
            with db.read() as uow:
                page = lists.object_page(uow, ws, "campaign", **kw)
            first = time.perf_counter() - start
            start = time.perf_counter()
            with db.read() as uow:
                lists.object_page(uow, ws, "campaign", cursor=page["next_cursor"], **kw)
            return first, time.perf_counter() - start

        page_sql, totals_sql, page_args, totals_args = bare_sql(db, ws)
        if db.url.startswith("sqlite"):
            conn: Any = sqlite3.connect(db.url.removeprefix("sqlite:///"))
        else:
            import psycopg

            conn = psycopg.connect(db.url.replace("+psycopg", ""), autocommit=True)
            conn.execute(f"SET work_mem = '{PG_WORK_MEM}'")  # as the product's transaction

        def reference() -> float:
            start = time.perf_counter()
            cur = conn.cursor()
            cur.execute(page_sql, page_args)
            cur.fetchall()
            cur.execute(totals_sql, totals_args)
            cur.fetchall()
            return time.perf_counter() - start

        def sample(fn: Callable[[], Any]) -> None:
            fn()  # warm the caches once, off the record

        sample(product)
        sample(reference)
        firsts, nexts, refs = [], [], []
        for _ in range(repeats):
            a, b = product()
            firsts.append(a)
            nexts.append(b)
            refs.append(reference())
        conn.close()
    finally:
        clock.set_clock(previous)
    return {
        "load": load.seconds,
        "p50": statistics.median(firsts),
        "p95": percentile(firsts, 0.95),
        "next_p95": percentile(nexts, 0.95),
        "ref_p50": statistics.median(refs),
        "ref_p95": percentile(refs, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="100,000 campaigns")
    parser.add_argument("--campaigns", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    count = args.campaigns or (100_000 if args.full else 10_000)
    engines = [
        e for e, off in (("sqlite", args.no_sqlite), ("postgres", args.no_postgres)) if not off
    ]
    for engine in engines:
        with database(engine == "postgres") as db:
            r = run(db, count, args.repeats)
        t = Table(
            f"campaign list, {engine}: {count:,} campaigns × {DAYS} days "
            f"({count * DAYS:,} report rows), page of 50 by 30-day spend with totals"
        )
        t.add("data load (off the clock)", f"{r['load']:.1f} s")
        t.add("product p50", f"{r['p50'] * 1000:.1f} ms", "object_page: page + totals")
        t.add("product p95", f"{r['p95'] * 1000:.1f} ms")
        t.add("next page p95", f"{r['next_p95'] * 1000:.1f} ms", "from the first page's cursor")
        t.add("bare SQL p50", f"{r['ref_p50'] * 1000:.1f} ms", "same two statements, driver")
        t.add("bare SQL p95", f"{r['ref_p95'] * 1000:.1f} ms")
        ratio = r["ref_p95"] / r["p95"] if r["p95"] else float("inf")
        t.add("ratio bare p95 / product p95", f"{ratio:.2f}", f"aim ≥ {AIM}")
        t.add("peak RSS", f"{peak_rss_mib():.0f} MiB")
        t.print()


if __name__ == "__main__":
    main()
