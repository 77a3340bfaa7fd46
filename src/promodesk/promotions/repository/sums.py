"""The promotions index's spend and results per promotion over the chosen days: TikTok's daily
report rows per (ad account, object), a Promote order's delivery per hour. ``Days`` is the
range resolved to each ad account's local days (``None``: every stored day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, false, func, or_, select, true

from promodesk.models import (
    PromoteOrder,
    PromoteOrderHourly,
    TikTokReportRow,
    TikTokReportTotal,
)
from promodesk.promotions.domain.index import Kind


@dataclass(frozen=True, slots=True)
class Days:
    """Local days ``since <= day < until`` (``YYYY-MM-DD``) per group of ad accounts (``None``:
    every ad account), and the UTC hours ``[start, end)`` of Promote orders."""

    accounts: tuple[tuple[tuple[int, ...] | None, str, str], ...]
    promote: tuple[datetime, datetime]


def reports(kind: Kind, workspace_id: int, days: Days | None) -> Any:
    """Spend and results (conversions) per (ad account, object) of ``kind``'s daily rows: over
    every stored day, the totals the report sync keeps beside the rows (no sum per page)."""
    if days is None:
        T = TikTokReportTotal
        return (
            select(
                T.ad_account_id.label("ad_account_id"),
                T.object_id.label("object_id"),
                T.spend_minor.label("spend"),
                T.conversions.label("results"),
            )
            .where(T.workspace_id == workspace_id, T.level == kind.value)
            .subquery()
        )
    R = TikTokReportRow
    q = select(
        R.ad_account_id.label("ad_account_id"),
        R.object_id.label("object_id"),
        cast(func.sum(R.spend_minor), BigInteger).label("spend"),
        cast(func.sum(R.conversions), BigInteger).label("results"),
    ).where(R.workspace_id == workspace_id, R.level == kind.value, R.grain == "day")
    if days is not None:  # always (lifetime reads the totals above)
        each = [
            and_(
                true() if ids is None else R.ad_account_id.in_(ids),
                R.stat_time >= since,
                R.stat_time < until,
            )
            for ids, since, until in days.accounts
        ]
        q = q.where(
            # the span of every group first: one index range, then each account's own days
            R.stat_time >= min((a[1] for a in days.accounts), default=""),
            R.stat_time < max((a[2] for a in days.accounts), default=""),
            (each[0] if len(each) == 1 else or_(*each)) if each else false(),
        )
    return q.group_by(R.ad_account_id, R.object_id).subquery()


def promote(workspace_id: int, days: Days) -> Any:
    """Spend (coins) and results by the order's type per Promote order over the UTC hours."""
    H, Ord = PromoteOrderHourly, PromoteOrder
    start, end = days.promote
    results = case(
        (Ord.promote_type == "ecommerce", H.product_clicks),
        (Ord.promote_type == "live", H.live_viewers),
        else_=H.views,
    )
    return (
        select(
            H.order_id.label("order_id"),
            cast(func.sum(H.spend_coins), BigInteger).label("spend"),
            cast(func.sum(results), BigInteger).label("results"),
        )
        .join(Ord, Ord.id == H.order_id)
        .where(H.workspace_id == workspace_id, H.hour >= start, H.hour < end)
        .group_by(H.order_id)
        .subquery()
    )
