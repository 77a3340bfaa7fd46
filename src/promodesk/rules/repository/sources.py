"""What rules observe: each channel's objects in a scope with their totals over a lookback.

This is the first implementation of the scope behind ``rules.domain.definition.Scope``: it reads
the TikTok mirror and report store, Promote orders and their hourly series, and shop enrollments
with their products' stock. Each query reads one channel for one workspace; days are the local
days of each ad account's zone (``windows`` maps a zone to its first and last day, inclusive).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from promodesk.kit.db import UnitOfWork
from promodesk.models import (
    CampaignAllocation,
    PromoteOrder,
    PromoteOrderHourly,
    RuleLabel,
    ShopEnrollment,
    ShopProduct,
    TikTokAd,
    TikTokAdAccount,
    TikTokAdGroup,
    TikTokCampaign,
    TikTokReportRow,
)


@dataclass(frozen=True)
class ScopeFilter:
    owner_ids: tuple[int, ...] = ()
    object_ids: tuple[str, ...] = ()
    product_ids: tuple[int, ...] = ()
    name_contains: str = ""


#: the columns of ``tiktok_observed``'s rows, in order
TIKTOK_COLUMNS = (
    "id",
    "name",
    "operation_status",
    "stopped",  # deleted or vanished
    "budget_mode",
    "budget_minor",
    "currency",
    "owner_id",  # the campaign's advertiser (allocation), or null
    "rows",  # daily rows in the window
    "spend_minor",
    "impressions",
    "clicks",
    "conversions",
    "reach",
    "last_day_spend_minor",
    "days",  # days with spend or impressions
)

_LEVELS: dict[str, tuple[Any, Any]] = {
    "campaign": (TikTokCampaign, TikTokCampaign.campaign_id),
    "adgroup": (TikTokAdGroup, TikTokAdGroup.adgroup_id),
    "ad": (TikTokAd, TikTokAd.ad_id),
}


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


#: which of the owners, object ids and name filters a scope uses
Shape = tuple[bool, bool, bool]


def _scoped(q: Any, level: str, shape: Shape) -> Any:
    """``q`` (which selects from the level's mirror table) with the object's allocation
    joined (a campaign's, or its campaign's) and the scope's filters, as bound parameters
    (``_scope_params``), so one statement serves every rule of the same filter shape."""
    owners, objects, name = shape
    model, id_col = _LEVELS[level]
    if level == "campaign":
        q = q.outerjoin(CampaignAllocation, CampaignAllocation.campaign_row_id == model.id)
    else:
        parent = aliased(TikTokCampaign)
        q = q.outerjoin(
            parent,
            and_(
                parent.ad_account_id == model.ad_account_id,
                parent.campaign_id == model.campaign_id,
            ),
        ).outerjoin(CampaignAllocation, CampaignAllocation.campaign_row_id == parent.id)
    if owners:
        q = q.where(CampaignAllocation.advertiser_id.in_(bindparam("owner_ids", expanding=True)))
    if objects:
        q = q.where(id_col.in_(bindparam("object_ids", expanding=True)))
    if name:
        q = q.where(model.name.ilike(bindparam("name_like"), escape="\\"))
    return q


def _shape(f: ScopeFilter) -> Shape:
    return (bool(f.owner_ids), bool(f.object_ids), bool(f.name_contains))


def _scope_params(f: ScopeFilter) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if f.owner_ids:
        params["owner_ids"] = list(f.owner_ids)
    if f.object_ids:
        params["object_ids"] = list(f.object_ids)
    if f.name_contains:
        params["name_like"] = _like(f.name_contains)
    return params


class SourcesRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s: Session = uow.session

    def zones(self, workspace_id: int) -> list[str]:
        q = select(TikTokAdAccount.timezone).where(TikTokAdAccount.workspace_id == workspace_id)
        return sorted({z or "UTC" for z in self.s.scalars(q.distinct())})

    def labels(self, workspace_id: int) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        q = select(RuleLabel.object_key, RuleLabel.label).where(
            RuleLabel.workspace_id == workspace_id
        )
        for key, label in self.s.execute(q):
            found.setdefault(key, set()).add(label)
        return {k: frozenset(v) for k, v in found.items()}

    # TikTok --------------------------------------------------------------------------------
    def tiktok_observed(
        self,
        workspace_id: int,
        level: str,
        windows: Mapping[str, tuple[str, str]],
        f: ScopeFilter,
    ) -> list[Any]:
        """The level's objects in scope, each with the sums of its daily rows over its ad
        account's local days, in one statement: the objects ``LEFT JOIN`` their rows by ad
        account and object id (campaigns: also by the report store's campaign id), grouped
        per object, as the bare SQL of the same conditions is written. ``windows`` maps each
        zone to its first and last day (inclusive); an account without a zone is in UTC. As in
        the campaign lists, the days are the account's, whatever zone a row was reported in.

        Rows, in object id order, as the driver gives them (``TIKTOK_COLUMNS``; the sums are
        integers, null where the object has no row): read per rule of every job, so no object
        is built here."""
        if not windows:  # no ad account, so no object
            return []
        zones = tuple(sorted(windows))
        compiled = _tiktok_compiled(self.uow.engine.dialect, level, zones, _shape(f))
        params: dict[str, Any] = {"workspace_id": workspace_id, **_scope_params(f)}
        for n, z in enumerate(zones):
            params[f"since_{n}"], params[f"until_{n}"] = windows[z]
        state = compiled.construct_expanded_state(params)
        values = dict(state.parameters)
        for name, process in state.processors.items():
            if name in values:
                values[name] = process(values[name])
        # the driver path of this unit of work's transaction: the statement runs once per
        # rule of every evaluation job, and SQLAlchemy's own work per execution (about 0.4
        # ms) cost as much as reading the rows
        cursor = self.uow.driver_connection().cursor()
        try:
            cursor.execute(
                state.statement,
                [values[k] for k in state.positiontup] if state.positiontup else values,
            )
            return list(cursor.fetchall())
        finally:
            cursor.close()

    # Promote -------------------------------------------------------------------------------
    def promote_orders(self, workspace_id: int, f: ScopeFilter) -> list[PromoteOrder]:
        q = select(PromoteOrder).where(PromoteOrder.workspace_id == workspace_id)
        if f.owner_ids:
            q = q.where(PromoteOrder.creator_id.in_(f.owner_ids))
        if f.object_ids:
            q = q.where(PromoteOrder.id.in_([int(x) for x in f.object_ids if x.isdigit()]))
        return list(self.s.scalars(q.order_by(PromoteOrder.id)))

    def promote_sums(
        self, workspace_id: int, order_ids: list[int], since: datetime, until: datetime
    ) -> dict[int, dict[str, int]]:
        H = PromoteOrderHourly
        q = (
            select(
                H.order_id,
                func.sum(H.spend_coins),
                func.sum(H.views),
                func.sum(H.website_visits),
                func.sum(H.follows),
                func.sum(H.product_clicks),
                func.sum(H.live_viewers),
                func.count(),
            )
            .where(H.workspace_id == workspace_id, H.hour >= since, H.hour < until)
            .where(H.order_id.in_(order_ids))
            .group_by(H.order_id)
        )
        names = ("spend", "views", "website_visits", "follows", "product_clicks", "live_viewers")
        return {
            r[0]: {**dict(zip(names, (int(v or 0) for v in r[1:7]), strict=True)), "hours": r[7]}
            for r in self.s.execute(q)
        }

    # Shop ----------------------------------------------------------------------------------
    def shop_enrollments(self, workspace_id: int, f: ScopeFilter) -> list[Any]:
        q = (
            select(
                ShopEnrollment.id,
                ShopEnrollment.state,
                ShopEnrollment.shop_id,
                ShopEnrollment.product_id,
                ShopProduct.title,
                ShopProduct.stock,
                ShopEnrollment.currency,
            )
            .join(ShopProduct, ShopProduct.id == ShopEnrollment.product_id)
            .where(ShopEnrollment.workspace_id == workspace_id)
            .order_by(ShopEnrollment.id)
        )
        if f.owner_ids:
            q = q.where(ShopEnrollment.shop_id.in_(f.owner_ids))
        if f.product_ids:
            q = q.where(ShopEnrollment.product_id.in_(f.product_ids))
        if f.object_ids:
            q = q.where(ShopEnrollment.id.in_([int(x) for x in f.object_ids if x.isdigit()]))
        if f.name_contains:
            q = q.where(ShopProduct.title.ilike(_like(f.name_contains), escape="\\"))
        return list(self.s.execute(q))


@lru_cache(maxsize=256)
def _tiktok_compiled(dialect: Any, level: str, zones: tuple[str, ...], shape: Shape) -> Any:
    """The statement of ``tiktok_observed`` compiled once per (database, level, zones of the
    workspace's ad accounts, filter shape): the workspace, the days of each zone and the
    filters' values are bound parameters."""
    return _tiktok_statement(level, zones, shape).compile(dialect=dialect)


def _tiktok_statement(level: str, zones: tuple[str, ...], shape: Shape) -> Any:
    model, id_col = _LEVELS[level]
    R = TikTokReportRow
    budget_mode = getattr(model, "budget_mode", None)
    budget = getattr(model, "budget_minor", None)
    zone = func.coalesce(func.nullif(TikTokAdAccount.timezone, ""), "UTC")
    # the object's window, from its ad account's zone: one range of days per object, so
    # its rows are read by one range of the report store's unique index
    since = case(
        *((zone == z, bindparam(f"since_{n}", type_=String)) for n, z in enumerate(zones)),
        else_=None,
    )
    until = case(
        *((zone == z, bindparam(f"until_{n}", type_=String)) for n, z in enumerate(zones)),
        else_=None,
    )
    workspace_id = bindparam("workspace_id", type_=Integer)
    on = [
        R.ad_account_id == model.ad_account_id,
        R.level == level,
        R.grain == "day",
        R.object_id == id_col,
        R.workspace_id == workspace_id,
        R.stat_time >= since,
        R.stat_time <= until,
    ]
    if level == "campaign":
        on.append(R.campaign_id == model.campaign_id)
    q = (
        select(
            model.id,
            model.name,
            model.operation_status,
            or_(model.deleted, model.vanished),
            budget_mode if budget_mode is not None else literal(""),
            budget if budget is not None else literal(0),
            TikTokAdAccount.currency,
            CampaignAllocation.advertiser_id,
            func.count(R.id),
            # integers from the driver (PostgreSQL sums bigints as numeric: a Decimal per
            # value to decode and convert otherwise)
            *(
                cast(func.sum(x), BigInteger)
                for x in (
                    R.spend_minor,
                    R.impressions,
                    R.clicks,
                    R.conversions,
                    R.reach,
                    case((R.stat_time == until, R.spend_minor), else_=0),
                    case((or_(R.spend_minor > 0, R.impressions > 0), 1), else_=0),
                )
            ),
        )
        .select_from(model)
        .join(TikTokAdAccount, TikTokAdAccount.id == model.ad_account_id)
        .where(model.workspace_id == workspace_id)
    )
    q = _scoped(q, level, shape).outerjoin(R, and_(*on))
    return q.group_by(model.id, TikTokAdAccount.id, CampaignAllocation.id).order_by(model.id)
