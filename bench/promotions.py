"""The promotions index (every channel in one list) at agency scale: a page of 50 promotions
sorted by spend, with the totals of the whole list, then the next page from its cursor,
through ``promotions.service.index.list_promotions``, against the campaign list of the same
campaigns (``campaigns.service.lists.object_page``, one channel, 30 days) in the same run, on
SQLite and PostgreSQL.

Data (bulk-inserted, off the clock): ``--campaigns`` campaigns (5,000) over 5 ad accounts, an
ad group under each, and 30 days of daily report rows per campaign and ad group.

Printed per database and sort: p50 of each side and the ratio campaign list p50 / index p50
(aim >= 0.5: the index of every channel within twice the time of one channel's list).

    python bench/promotions.py [--campaigns N] [--repeats 10] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from _common import Table, verdict
from promodesk.campaigns.repository.reports import ReportSyncRepository
from promodesk.campaigns.service import lists
from promodesk.kit.db import Database
from promodesk.kit.migrate import upgrade
from promodesk.models import (
    TikTokAdAccount,
    TikTokAdGroup,
    TikTokCampaign,
    TikTokReportRow,
    Workspace,
)
from promodesk.promotions.service.index import list_promotions

PG_ADMIN = os.environ.get(
    "PROMODESK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AT = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
DAYS = 30
AIM = 0.5
CHUNK = 5000


def _chunks(rows: list[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def seed(db: Database, campaigns: int) -> int:
    with db.transaction() as uow:
        ws = Workspace(slug=f"bench-{uuid.uuid4().hex[:8]}", name="Bench")
        uow.session.add(ws)
        uow.flush()
        accounts = []
        for n in range(5):
            acc = TikTokAdAccount(
                workspace_id=ws.id, advertiser_id=f"70{n}", name=f"Account {n}", raw={}
            )
            uow.session.add(acc)
            uow.flush()
            accounts.append(acc.id)
        camp_rows, group_rows, report_rows = [], [], []
        first = AT.date() - timedelta(days=DAYS - 1)
        for n in range(campaigns):
            acc, cid, gid = accounts[n % 5], str(1_800_000_000 + n), str(1_900_000_000 + n)
            common = {"workspace_id": ws.id, "ad_account_id": acc, "raw": {}}
            status = {"operation_status": "ENABLE", "secondary_status": ""}
            modified = {"modify_time": f"2026-03-{1 + n % 28:02d} 10:{n % 60:02d}:00"}
            budget = {"budget_mode": "BUDGET_MODE_DAY", "budget_minor": 5000 + n}
            camp_rows.append(
                {**common, **status, **modified, **budget, "campaign_id": cid, "name": f"C{n}"}
            )
            group_rows.append(
                {**common, **status, **modified, **budget, "adgroup_id": gid, "campaign_id": cid}
            )
            for level, oid in (("campaign", cid), ("adgroup", gid)):
                for d in range(DAYS):
                    report_rows.append(
                        {
                            "workspace_id": ws.id,
                            "ad_account_id": acc,
                            "level": level,
                            "grain": "day",
                            "object_id": oid,
                            "campaign_id": cid,
                            "stat_time": (first + timedelta(days=d)).isoformat(),
                            "time_zone": "UTC",
                            "currency": "USD",
                            "spend_minor": (n * 7919 + d * 31) % 100_000,
                            "impressions": 1000,
                            "clicks": 10,
                            "conversions": 1,
                            "video_views": 0,
                            "reach": 0,
                            "final": True,
                        }
                    )
        for model, rows in (
            (TikTokCampaign, camp_rows),
            (TikTokAdGroup, group_rows),
            (TikTokReportRow, report_rows),
        ):
            for chunk in _chunks(rows):
                uow.session.execute(insert(model), chunk)
        # the per-object totals the report sync keeps beside its rows (lifetime spend)
        ReportSyncRepository(uow).refresh_totals(
            {(r["ad_account_id"], r["level"], r["object_id"]) for r in report_rows}
        )
        return int(ws.id)


def p50(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(name: str, db: Database, campaigns: int, repeats: int) -> None:
    ws = seed(db, campaigns)
    if db.url.startswith("postgresql"):
        with db.transaction() as uow:
            uow.session.execute(text("ANALYZE"))
    table = Table(f"{name}: {campaigns:,} campaigns + {campaigns:,} ad groups, {DAYS} days")
    for sort in ("-spend", "-last_change", "name"):

        def index(sort: str = sort) -> None:
            with db.read() as uow:
                page = list_promotions(uow, ws, sort=sort, limit=50, at=AT)
                list_promotions(
                    uow, ws, sort=sort, cursor=page.next_cursor, limit=50, with_totals=False, at=AT
                )

        def campaign_list(word: str = sort) -> None:
            with db.read() as uow:
                page = lists.object_page(
                    uow, ws, "campaign", sort=word, range="last_30_days", limit=50, at=AT
                )
                lists.object_page(
                    uow, ws, "campaign", sort=word, range="last_30_days", limit=50, at=AT,
                    cursor=page["next_cursor"], with_totals=False,
                )  # fmt: skip

        ours, ref = p50(index, repeats), p50(campaign_list, repeats)
        ratio = ref / ours if ours else float("inf")
        table.add(f"index {sort}", f"{ours * 1000:,.0f} ms", "two pages + totals, p50")
        table.add(f"campaign list {sort}", f"{ref * 1000:,.0f} ms", "the same, one channel")
        table.add("ratio", f"{ratio:.2f}", verdict(ratio, AIM))
    table.print()


@contextmanager
def postgres() -> Iterator[Database]:
    name = f"pd_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--campaigns", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        try:
            bench("SQLite", db, args.campaigns, args.repeats)
        finally:
            db.dispose()
    if not args.no_postgres:
        with postgres() as db:
            bench("PostgreSQL", db, args.campaigns, args.repeats)


if __name__ == "__main__":
    main()
