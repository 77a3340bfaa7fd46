"""All SQL of the object lists (campaigns, ad groups, ads) with metric columns.

One query per page: the mirrored objects of a level, filtered, joined to an aggregate subquery
of the report store's daily rows over the chosen range (per ad account, its own local days),
sorted in SQL by any column (metric columns included) with keyset paging, ties by id. A second
query sums the whole filtered list (the totals row), whatever the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, false, func, or_, select, text, true
from sqlalchemy.orm import aliased

from promodesk.campaigns.domain.campaigns import STATUS_RANK, ListStatus, SortKey
from promodesk.campaigns.domain.lists import LEVEL_STATUSES, RATIO_SCALE, MetricKey, Sort
from promodesk.campaigns.domain.reports import Grain, Level, Metrics
from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    CampaignAllocation,
    ClientAccount,
    ClientAdvertiser,
    TikTokAd,
    TikTokAdAccount,
    TikTokAdGroup,
    TikTokCampaign,
    TikTokReportRow,
)

R = TikTokReportRow
MODELS: dict[Level, Any] = {
    Level.CAMPAIGN: TikTokCampaign,
    Level.ADGROUP: TikTokAdGroup,
    Level.AD: TikTokAd,
}
TIKTOK_ID = {Level.CAMPAIGN: "campaign_id", Level.ADGROUP: "adgroup_id", Level.AD: "ad_id"}
METRIC_COLUMNS = ("spend", "impressions", "clicks", "conversions", "video_views", "reach")


@dataclass(frozen=True, slots=True)
class Window:
    """Local days ``since <= day < until`` (``YYYY-MM-DD``) of the listed ad accounts
    (``None``: every ad account)."""

    account_ids: tuple[int, ...] | None
    since: str
    until: str


@dataclass(frozen=True, slots=True)
class Filters:
    ad_account_id: int | None = None
    advertiser_id: int | None = None
    campaign_row_id: int | None = None
    candidates_only: bool = False
    include_deleted: bool = True
    search: str | None = None
    status: ListStatus | None = None


def metrics_of(row: Any) -> Metrics:
    return Metrics(*(int(getattr(row, f"m_{name}") or 0) for name in METRIC_COLUMNS))


# PostgreSQL sorts or hashes every (account, object) group of the range in memory rather than
# on disk: the page and its totals aggregate up to millions of report rows.
PG_WORK_MEM = "64MB"


class ListsRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.s = uow.session
        self._tuned = False

    def _tune(self) -> None:
        """``SET LOCAL work_mem`` once per transaction on PostgreSQL (gone at its end)."""
        if self._tuned:
            return
        self._tuned = True
        if self.s.get_bind().dialect.name == "postgresql":
            self.s.execute(text(f"SET LOCAL work_mem = '{PG_WORK_MEM}'"))

    def page(
        self,
        workspace_id: int,
        level: Level,
        filters: Filters,
        windows: list[Window],
        sort: Sort,
        *,
        after_key: int | str | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[Any]:
        """Rows with attributes ``obj`` (the mirrored object), ``alloc`` (its campaign's
        allocation or None), ``client_name``, ``advertiser_name``, ``account_name``,
        ``account_advertiser_id``, ``currency``, ``timezone``, ``campaign_row_id``,
        ``campaign_name``, ``adgroup_name`` (ads), ``m_<metric>`` sums and ``sort_key``, in
        ``sort`` order past (``after_key``, ``after_id``); ``after_id`` 0 is the first page."""
        self._tune()
        q, parts = self._base(workspace_id, level, filters, windows)
        model, camp, group, metrics = parts
        key = self._sort_column(level, sort, model, metrics)
        cols: list[Any] = [
            model,
            CampaignAllocation,
            ClientAccount.name.label("client_name"),
            ClientAdvertiser.name.label("advertiser_name"),
            TikTokAdAccount.name.label("account_name"),
            TikTokAdAccount.advertiser_id.label("account_advertiser_id"),
            TikTokAdAccount.currency.label("currency"),
            TikTokAdAccount.timezone.label("timezone"),
            camp.id.label("campaign_row_id"),
            camp.name.label("campaign_name"),
            (group.name if group is not None else camp.name).label("adgroup_name"),
            *(func.coalesce(metrics.c[n], 0).label(f"m_{n}") for n in METRIC_COLUMNS),
            key.label("sort_key"),
        ]
        q = q.with_only_columns(*cols)
        if after_id:
            if sort.by_id or after_key is None:
                past = model.id < after_id if sort.descending else model.id > after_id
            elif sort.descending:
                past = or_(key < after_key, and_(key == after_key, model.id < after_id))
            else:
                past = or_(key > after_key, and_(key == after_key, model.id > after_id))
            q = q.where(past)
        ident = model.id.desc() if sort.descending else model.id.asc()
        order = [ident] if sort.by_id else [key.desc() if sort.descending else key.asc(), ident]
        return list(self.s.execute(q.order_by(*order).limit(limit)).all())

    def totals(
        self, workspace_id: int, level: Level, filters: Filters, windows: list[Window]
    ) -> list[tuple[str, int, Metrics]]:
        """Per currency of the ad accounts: (currency, how many objects of the whole filtered
        list, the sum of their metrics), in currency order."""
        self._tune()
        q, parts = self._base(workspace_id, level, filters, windows)
        model, _camp, _group, metrics = parts
        q = (
            q.with_only_columns(
                TikTokAdAccount.currency,
                func.count(model.id),
                *(func.coalesce(func.sum(metrics.c[n]), 0).label(f"m_{n}") for n in METRIC_COLUMNS),
            )
            .group_by(TikTokAdAccount.currency)
            .order_by(TikTokAdAccount.currency)
        )
        return [(str(r[0]), int(r[1] or 0), metrics_of(r)) for r in self.s.execute(q)]

    # the query ---------------------------------------------------------------------------------

    def _base(
        self, workspace_id: int, level: Level, f: Filters, windows: list[Window]
    ) -> tuple[Any, tuple[Any, Any, Any, Any]]:
        model = MODELS[level]
        tid = getattr(model, TIKTOK_ID[level])
        metrics = _metrics_subquery(workspace_id, level, windows)
        camp: Any = TikTokCampaign if level is Level.CAMPAIGN else aliased(TikTokCampaign)
        group: Any = aliased(TikTokAdGroup) if level is Level.AD else None
        q = select(model.id).join(TikTokAdAccount, TikTokAdAccount.id == model.ad_account_id)
        if level is not Level.CAMPAIGN:
            q = q.outerjoin(
                camp,
                and_(
                    camp.ad_account_id == model.ad_account_id,
                    camp.campaign_id == model.campaign_id,
                ),
            )
        if group is not None:
            q = q.outerjoin(
                group,
                and_(
                    group.ad_account_id == model.ad_account_id,
                    group.adgroup_id == model.adgroup_id,
                ),
            )
        q = (
            q.outerjoin(CampaignAllocation, CampaignAllocation.campaign_row_id == camp.id)
            .outerjoin(ClientAccount, ClientAccount.id == CampaignAllocation.client_account_id)
            .outerjoin(ClientAdvertiser, ClientAdvertiser.id == CampaignAllocation.advertiser_id)
            .outerjoin(
                metrics,
                and_(metrics.c.aid == model.ad_account_id, metrics.c.oid == tid),
            )
            .where(model.workspace_id == workspace_id)
        )
        if f.ad_account_id is not None:
            q = q.where(model.ad_account_id == f.ad_account_id)
        if f.advertiser_id is not None:
            q = q.where(CampaignAllocation.advertiser_id == f.advertiser_id)
        if f.campaign_row_id is not None:
            q = q.where(camp.id == f.campaign_row_id)
        if f.candidates_only:
            q = q.where(
                CampaignAllocation.id.is_(None),
                model.deleted.is_(False),
                model.vanished.is_(False),
            )
        elif not f.include_deleted:
            q = q.where(model.deleted.is_(False))
        if f.search is not None:
            found = [
                func.lower(model.name).contains(f.search.lower(), autoescape=True),
                tid == f.search,
            ]
            if f.search.isascii() and f.search.isdigit() and len(f.search) <= 18:
                found.append(model.id == int(f.search))
            q = q.where(or_(*found))
        if f.status is not None:
            q = q.where(status_rank(level, model) == STATUS_RANK[f.status])
        return q, (model, camp, group, metrics)

    @staticmethod
    def _sort_column(level: Level, sort: Sort, model: Any, metrics: Any) -> Any:
        key = sort.key
        if isinstance(key, MetricKey):
            return metric_sort(key, metrics)
        return {
            SortKey.NAME: func.lower(model.name),
            SortKey.ID: model.id,
            SortKey.BUDGET: getattr(model, "budget_minor", model.id),
            SortKey.STATUS: status_rank(level, model),
            SortKey.LAST_CHANGE: model.modify_time,
        }[key]


def _metrics_subquery(workspace_id: int, level: Level, windows: list[Window]) -> Any:
    """Sums of the level's daily rows per (ad account, object) over each account's window."""
    ranges = [
        and_(
            true() if w.account_ids is None else R.ad_account_id.in_(w.account_ids),
            R.stat_time >= w.since,
            R.stat_time < w.until,
        )
        for w in windows
    ]
    return (
        select(
            R.ad_account_id.label("aid"),
            R.object_id.label("oid"),
            cast(func.sum(R.spend_minor), BigInteger).label("spend"),
            cast(func.sum(R.impressions), BigInteger).label("impressions"),
            cast(func.sum(R.clicks), BigInteger).label("clicks"),
            cast(func.sum(R.conversions), BigInteger).label("conversions"),
            cast(func.sum(R.video_views), BigInteger).label("video_views"),
            cast(func.sum(R.reach), BigInteger).label("reach"),
        )
        .where(
            R.workspace_id == workspace_id,
            R.level == level.value,
            R.grain == Grain.DAY.value,
            # the span of every window first: one index range, then each account's own days
            R.stat_time >= min((w.since for w in windows), default=""),
            R.stat_time < max((w.until for w in windows), default=""),
            (ranges[0] if len(ranges) == 1 else or_(*ranges)) if ranges else false(),
        )
        .group_by(R.ad_account_id, R.object_id)
        .subquery("m")
    )


def metric_sort(key: MetricKey, metrics: Any) -> Any:
    """The integer a metric column sorts by (``domain.lists.RATIO_SCALE`` for ratios)."""

    def col(name: str) -> Any:
        return func.coalesce(metrics.c[name], 0)

    plain = {
        MetricKey.SPEND: "spend",
        MetricKey.IMPRESSIONS: "impressions",
        MetricKey.CLICKS: "clicks",
        MetricKey.CONVERSIONS: "conversions",
    }
    if key in plain:
        return col(plain[key])
    num, den = {
        MetricKey.CTR: ("clicks", "impressions"),
        MetricKey.CPC: ("spend", "clicks"),
        MetricKey.CPM: ("spend", "impressions"),
        MetricKey.COST_PER_RESULT: ("spend", "conversions"),
    }[key]
    return case(
        (col(den) == 0, -1),
        else_=(col(num) * RATIO_SCALE[key]) // col(den),
    )


def status_rank(level: Level, model: Any) -> Any:
    """``domain.lists.status_at`` in SQL: the rank (``STATUS_RANK``) of the status word."""
    s = LEVEL_STATUSES[level]
    return case(
        (
            or_(
                model.deleted.is_(True),
                model.vanished.is_(True),
                model.operation_status == "DELETE",
                model.secondary_status.in_(sorted(s.deleted)),
            ),
            STATUS_RANK[ListStatus.DELETED],
        ),
        (
            or_(model.operation_status == "DISABLE", model.secondary_status.in_(sorted(s.paused))),
            STATUS_RANK[ListStatus.PAUSED],
        ),
        (model.secondary_status.in_(sorted(s.active)), STATUS_RANK[ListStatus.ACTIVE]),
        else_=STATUS_RANK[ListStatus.NOT_DELIVERING],
    )


def zones(uow: UnitOfWork, workspace_id: int) -> list[tuple[int, str]]:
    """(ad account id, time zone) of every ad account of the workspace."""
    rows = uow.session.execute(
        select(TikTokAdAccount.id, TikTokAdAccount.timezone)
        .where(TikTokAdAccount.workspace_id == workspace_id)
        .order_by(TikTokAdAccount.id)
    )
    return [(int(r[0]), str(r[1] or "UTC")) for r in rows]


def first_day(uow: UnitOfWork, ad_account_id: int, level: Level, object_id: str) -> str | None:
    """The object's first local day with a daily report row (``YYYY-MM-DD``), if any."""
    found = uow.session.execute(
        select(func.min(R.stat_time)).where(
            R.ad_account_id == ad_account_id,
            R.level == level.value,
            R.grain == Grain.DAY.value,
            R.object_id == object_id,
        )
    ).scalar_one_or_none()
    return str(found) if found else None
