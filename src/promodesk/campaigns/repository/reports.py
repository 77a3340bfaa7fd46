"""All SQL of the report store: sums of report rows per object and per day; the report
sync's upsert of rows and its state per ad account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, update

from promodesk.campaigns.domain.report_sync import METRICS
from promodesk.campaigns.domain.reports import Metrics
from promodesk.kit.db import UnitOfWork
from promodesk.models import TikTokCampaign, TikTokReportRow, TikTokReportSync

R = TikTokReportRow
_SUMS = (
    func.sum(R.spend_minor),
    func.sum(R.impressions),
    func.sum(R.clicks),
    func.sum(R.conversions),
    func.sum(R.video_views),
    func.sum(R.reach),
)


def _metrics(row: Any, offset: int) -> Metrics:
    v = [int(x or 0) for x in row[offset : offset + 6]]
    return Metrics(*v)


class ReportsRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def _scope(
        self,
        q: Any,
        workspace_id: int,
        level: str,
        grain: str,
        since: str,
        until: str,
        ad_account_id: int | None,
        object_ids: Iterable[str] | None,
    ) -> Any:
        q = q.where(
            R.workspace_id == workspace_id,
            R.level == level,
            R.grain == grain,
            R.stat_time >= since,
            R.stat_time < until,
        )
        if ad_account_id is not None:
            q = q.where(R.ad_account_id == ad_account_id)
        if object_ids is not None:
            q = q.where(R.object_id.in_(list(object_ids)))
        return q

    def totals(
        self,
        workspace_id: int,
        level: str,
        grain: str,
        since: str,
        until: str,
        *,
        ad_account_id: int | None = None,
        object_ids: Iterable[str] | None = None,
    ) -> dict[tuple[int, str], Metrics]:
        """Sums per (ad account row id, object id) over ``since <= stat_time < until``."""
        q = select(R.ad_account_id, R.object_id, *_SUMS).group_by(R.ad_account_id, R.object_id)
        q = self._scope(q, workspace_id, level, grain, since, until, ad_account_id, object_ids)
        return {(int(r[0]), str(r[1])): _metrics(r, 2) for r in self.s.execute(q)}

    def series(
        self,
        workspace_id: int,
        level: str,
        grain: str,
        since: str,
        until: str,
        *,
        ad_account_id: int | None = None,
        object_ids: Iterable[str] | None = None,
    ) -> list[tuple[str, Metrics]]:
        """Sums per stat time (day or hour) over the objects, in time order."""
        q = select(R.stat_time, *_SUMS).group_by(R.stat_time).order_by(R.stat_time)
        q = self._scope(q, workspace_id, level, grain, since, until, ad_account_id, object_ids)
        return [(str(r[0]), _metrics(r, 1)) for r in self.s.execute(q)]


# The report sync's writes --------------------------------------------------------------------

# A report row as the sync hands it to ``upsert_rows``: these columns in this order, the metrics
# in ``METRICS`` order with spend first (``synced_at`` is added by the upsert).
ROW_COLUMNS = (
    "workspace_id",
    "ad_account_id",
    "level",
    "grain",
    "object_id",
    "campaign_id",
    "stat_time",
    "time_zone",
    "currency",
    "final",
    METRICS["spend"],
    *(column for metric, column in METRICS.items() if metric != "spend"),
)
_KEY = ("ad_account_id", "level", "grain", "object_id", "stat_time")
_key_of = itemgetter(*(ROW_COLUMNS.index(c) for c in _KEY))
_UPDATED = (
    "campaign_id",
    "time_zone",
    "currency",
    "spend_minor",
    "impressions",
    "clicks",
    "conversions",
    "video_views",
    "reach",
    "final",
    "synced_at",
)


_TOTALS_CHUNK = 500
# The portable upsert of objects' totals from their daily rows (SQLite >= 3.35, PostgreSQL).
_REFRESH = text(
    "INSERT INTO tiktok_report_totals "
    "(ad_account_id, level, object_id, workspace_id, spend_minor, conversions) "
    "SELECT ad_account_id, level, object_id, MIN(workspace_id), SUM(spend_minor), "
    "SUM(conversions) FROM tiktok_report_rows "
    "WHERE ad_account_id = :account AND level = :level AND grain = 'day' "
    "AND object_id IN :ids GROUP BY ad_account_id, level, object_id "
    "ON CONFLICT (ad_account_id, level, object_id) DO UPDATE SET "
    "spend_minor = excluded.spend_minor, conversions = excluded.conversions"
).bindparams(bindparam("ids", expanding=True))


class ReportSyncRepository:
    """Where an ad account's report history stands, and the upsert of report rows."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session

    def state(self, ad_account_id: int, *, lock: bool = False) -> TikTokReportSync | None:
        q = select(TikTokReportSync).where(TikTokReportSync.ad_account_id == ad_account_id)
        if lock:
            q = q.with_for_update()
        return self.s.scalars(q).first()

    def add_state(self, row: TikTokReportSync) -> TikTokReportSync:
        self.s.add(row)
        self.s.flush()
        return row

    def oldest_campaign_create_time(self, ad_account_id: int) -> str | None:
        """The earliest ``create_time`` of the account's mirrored campaigns (deleted included)."""
        value = self.s.scalar(
            select(func.min(TikTokCampaign.create_time)).where(
                TikTokCampaign.ad_account_id == ad_account_id, TikTokCampaign.create_time != ""
            )
        )
        return str(value) if value else None

    def campaign_ids(self, ad_account_id: int, since: str, until: str) -> list[str]:
        """Every campaign id of the ad account that can have report rows in ``since..until``
        (both included): those with stored campaign rows in those days and every mirrored
        campaign (deleted included), sorted. A query truncated by TikTok is split by these."""
        stored = select(R.campaign_id).where(
            R.ad_account_id == ad_account_id,
            R.level == "campaign",
            R.stat_time >= since,
            R.stat_time < until + "~",  # the hours of ``until`` too
        )
        mirrored = select(TikTokCampaign.campaign_id).where(
            TikTokCampaign.ad_account_id == ad_account_id
        )
        found = {str(v) for v in self.s.scalars(stored.union(mirrored)) if v}
        return sorted(found, key=lambda v: (len(v), v))

    def upsert_rows(self, rows: Sequence[tuple[Any, ...]], synced_at: datetime) -> int:
        """Insert report rows (tuples in ``ROW_COLUMNS`` order) or update them in place on (ad
        account, level, grain, object, stat time), all with ``synced_at``: one ``INSERT … ON
        CONFLICT (…) DO UPDATE`` of one row, the same text on SQLite and PostgreSQL, run by the
        driver's ``executemany`` over plain tuples (SQLAlchemy's parameter processing per row
        would cost more than the database's work; psycopg sends them in one pipeline). Rows go
        in key order, so each index page is visited once per run of neighbours; a key twice in
        ``rows`` keeps the last one."""
        unique = {_key_of(row): row for row in rows}
        if not unique:
            return 0
        conn = self.s.connection()
        dialect = conn.dialect
        table = cast(Table, R.__table__)
        stamp = table.c.synced_at.type.dialect_impl(dialect).bind_processor(dialect)
        when = stamp(synced_at) if stamp is not None else synced_at
        params = [(*unique[key], when) for key in sorted(unique)]
        mark = "%s" if dialect.name == "postgresql" else "?"
        names = (*ROW_COLUMNS, "synced_at")
        updates = ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608 (names)
            f"VALUES ({', '.join([mark] * len(names))}) "
            f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET {updates}",
            params,
        )
        self.refresh_totals((k[0], k[1], k[3]) for k in unique if k[2] == "day")
        return len(unique)

    def refresh_totals(self, keys: Iterable[tuple[int, str, str]]) -> int:
        """Sum the daily rows of each (ad account, level, object) in ``keys`` again into its
        ``tiktok_report_totals`` row (revised days replace what they were, never add up twice);
        returns how many objects were summed."""
        by: dict[tuple[int, str], set[str]] = {}
        for account, level, object_id in keys:
            by.setdefault((int(account), str(level)), set()).add(str(object_id))
        done = 0
        for (account, level), ids in sorted(by.items()):
            ordered = sorted(ids)
            for at in range(0, len(ordered), _TOTALS_CHUNK):
                chunk = ordered[at : at + _TOTALS_CHUNK]
                self.s.execute(_REFRESH, {"account": account, "level": level, "ids": chunk})
                done += len(chunk)
        return done

    def mark_final(self, ad_account_id: int, before_day: str) -> int:
        """Rows of days before ``before_day`` (``YYYY-MM-DD``; hours too) become final."""
        result = self.s.execute(
            update(R)
            .where(R.ad_account_id == ad_account_id, R.stat_time < before_day, R.final.is_(False))
            .values(final=True)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def row_counts(self, ad_account_id: int) -> dict[tuple[str, str], int]:
        """Stored rows per (level, grain)."""
        q = (
            select(R.level, R.grain, func.count())
            .where(R.ad_account_id == ad_account_id)
            .group_by(R.level, R.grain)
        )
        return {(str(r[0]), str(r[1])): int(r[2]) for r in self.s.execute(q)}
