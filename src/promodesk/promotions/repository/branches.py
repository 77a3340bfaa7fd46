"""The promotions index's SQL, one ``SELECT`` per kind of promotion with the same columns, so
the index is their ``UNION ALL`` (``repository.index``).

Every branch has the columns of ``COLUMNS``. Plain statuses are SQL ``CASE`` expressions built
from ``promotions.domain.status``'s tables (never written twice). ``last_change`` is text
``YYYY-MM-DD HH:MM:SS`` (UTC; TikTok's ``modify_time`` as TikTok sends it), so the channels
sort together on both databases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from promodesk.models import (
    CampaignAllocation,
    CampaignCancellation,
    CampaignCancellationItem,
    ClientAccount,
    ClientAdvertiser,
    PromoteContent,
    PromoteCreator,
    PromoteOrder,
    PromotionProductLink,
    Shop,
    ShopActivity,
    ShopActivityCounter,
    ShopBatch,
    ShopBatchItem,
    ShopEnrollment,
    ShopProduct,
    TikTokAd,
    TikTokAdAccount,
    TikTokAdGroup,
    TikTokCampaign,
)
from promodesk.models.base import UTCDateTime
from promodesk.promotions.domain import status as st
from promodesk.promotions.domain.index import Kind
from promodesk.promotions.repository import sums as ranged

COLUMNS = (
    "kind",
    "id",
    "shop_id",
    "external_id",
    "name",
    "parent",
    "ad_account_id",
    "client_id",
    "advertiser_id",
    "owner_shop_id",
    "creator_id",
    "owner_name",
    "client_name",
    "status",
    "native_status",
    "budget_minor",
    "spend_minor",
    "currency",
    "results",
    "last_change",
)
# Where a TikTok level's promotions are linked to products (``promotion_product_links``).
TIKTOK_MODELS: dict[Kind, Any] = {
    Kind.CAMPAIGN: TikTokCampaign,
    Kind.ADGROUP: TikTokAdGroup,
    Kind.AD: TikTokAd,
}
_TIKTOK_ID = {Kind.CAMPAIGN: "campaign_id", Kind.ADGROUP: "adgroup_id", Kind.AD: "ad_id"}
_NO_INT = cast(null(), BigInteger)
_NO_TEXT = cast(null(), String)


def text_time(dialect: str) -> Callable[[Any], ColumnElement[str]]:
    """A UTC timestamp column as ``YYYY-MM-DD HH:MM:SS`` text on ``dialect``."""
    if dialect == "postgresql":
        return lambda col: func.to_char(func.timezone("UTC", col), "YYYY-MM-DD HH24:MI:SS")
    return lambda col: func.strftime("%Y-%m-%d %H:%M:%S", col)


def _in(col: Any, values: frozenset[str]) -> ColumnElement[bool]:
    return col.in_(sorted(values)) if values else literal(False)


def _linked(kind: str, target: Any, products: frozenset[int]) -> ColumnElement[bool]:
    """A link of the promotion (``kind``, ``target`` id) to one of ``products``."""
    L = PromotionProductLink
    return exists().where(
        L.target_kind == kind,
        L.target_id == target,
        L.removed_at.is_(None),
        L.product_id.in_(sorted(products)),
    )


def tiktok(
    kind: Kind,
    workspace_id: int,
    dialect: str,
    products: frozenset[int],
    days: ranged.Days | None = None,
) -> Any:
    """Campaigns, ad groups or ads: owner by their campaign's allocation, else the ad account;
    spend and results (conversions) from the stored daily reports over ``days`` (``None``:
    every stored day)."""
    M = TIKTOK_MODELS[kind]
    tid = getattr(M, _TIKTOK_ID[kind])
    acc = TikTokAdAccount
    camp = M if kind is Kind.CAMPAIGN else aliased(TikTokCampaign)
    parent: Any = _NO_TEXT
    q = select(M).where(M.workspace_id == workspace_id).join(acc, acc.id == M.ad_account_id)
    if kind is not Kind.CAMPAIGN:
        q = q.outerjoin(
            camp,
            and_(camp.ad_account_id == M.ad_account_id, camp.campaign_id == M.campaign_id),
        )
        parent = camp.name
    if kind is Kind.AD:
        group = aliased(TikTokAdGroup)
        q = q.outerjoin(
            group, and_(group.ad_account_id == M.ad_account_id, group.adgroup_id == M.adgroup_id)
        )
        parent = group.name
    alloc, client, adv = CampaignAllocation, ClientAccount, ClientAdvertiser
    q = (
        q.outerjoin(alloc, alloc.campaign_row_id == camp.id)
        .outerjoin(client, client.id == alloc.client_account_id)
        .outerjoin(adv, adv.id == alloc.advertiser_id)
    )
    sums = ranged.reports(kind, workspace_id, days)
    q = q.outerjoin(sums, and_(sums.c.ad_account_id == M.ad_account_id, sums.c.object_id == tid))
    item, cancel = CampaignCancellationItem, CampaignCancellation
    stopping = exists().where(
        item.ad_account_id == M.ad_account_id,
        item.level == kind.value,
        item.object_id == tid,
        item.status == "pending",
        cancel.id == item.cancellation_id,
        cancel.status == "running",
    )
    rules = st.TIKTOK[kind.value]
    status = case(
        (
            or_(
                M.deleted.is_(True),
                M.vanished.is_(True),
                M.operation_status == "DELETE",
                _in(M.secondary_status, rules.stopped),
            ),
            st.Status.STOPPED.value,
        ),
        (stopping, st.Status.STOPPING.value),
        (
            or_(M.operation_status == "DISABLE", _in(M.secondary_status, rules.paused)),
            st.Status.PAUSED.value,
        ),
        (_in(M.secondary_status, rules.ended), st.Status.ENDED.value),
        (_in(M.secondary_status, rules.scheduled), st.Status.SCHEDULED.value),
        else_=st.Status.LIVE.value,
    )
    budget: Any = _NO_INT
    if kind is not Kind.AD:
        budget = case((M.budget_mode == "BUDGET_MODE_INFINITE", _NO_INT), else_=M.budget_minor)
    ts = text_time(dialect)
    changed = func.coalesce(
        func.nullif(M.modify_time, ""), func.nullif(M.create_time, ""), ts(M.synced_at)
    )
    native = case(
        (M.secondary_status == "", M.operation_status),
        else_=M.operation_status + literal(" / ") + M.secondary_status,
    )
    if products:
        q = q.where(_linked(kind.value, M.id, products))
    return q.with_only_columns(
        literal(kind.value).label("kind"),
        M.id.label("id"),
        literal(0, BigInteger).label("shop_id"),
        tid.label("external_id"),
        M.name.label("name"),
        parent.label("parent"),
        M.ad_account_id.label("ad_account_id"),
        alloc.client_account_id.label("client_id"),
        alloc.advertiser_id.label("advertiser_id"),
        _NO_INT.label("owner_shop_id"),
        _NO_INT.label("creator_id"),
        func.coalesce(adv.name, acc.name).label("owner_name"),
        client.name.label("client_name"),
        status.label("status"),
        native.label("native_status"),
        budget.label("budget_minor"),
        func.coalesce(sums.c.spend, 0).label("spend_minor"),
        acc.currency.label("currency"),
        func.coalesce(sums.c.results, 0).label("results"),
        changed.label("last_change"),
    )


def promote(
    workspace_id: int, dialect: str, products: frozenset[int], days: ranged.Days | None = None
) -> Any:
    """Promote orders: owner the creator; budget and spend in coins; results by the order's
    type (product clicks of an e-commerce order, viewers of a LIVE, views otherwise); over
    ``days`` from the order's delivery per hour (``None``: the order's own totals)."""
    Ord, C, K = PromoteOrder, PromoteContent, PromoteCreator
    status = case(
        *[(Ord.status == native, word.value) for native, word in sorted(st.PROMOTE.items())],
        else_=st.Status.LIVE.value,
    )
    results: Any = case(
        (Ord.promote_type == "ecommerce", Ord.product_clicks),
        (Ord.promote_type == "live", Ord.live_viewers),
        else_=Ord.views,
    )
    q = (
        select(Ord)
        .join(C, C.id == Ord.content_id)
        .join(K, K.id == Ord.creator_id)
        .where(Ord.workspace_id == workspace_id)
    )
    if products:
        q = q.where(_linked("promote_content", Ord.content_id, products))
    spend: Any = Ord.spent_coins
    if days is not None:
        hourly = ranged.promote(workspace_id, days)
        q = q.outerjoin(hourly, hourly.c.order_id == Ord.id)
        spend, results = func.coalesce(hourly.c.spend, 0), func.coalesce(hourly.c.results, 0)
    return q.with_only_columns(
        literal(Kind.PROMOTE_ORDER.value).label("kind"),
        Ord.id.label("id"),
        literal(0, BigInteger).label("shop_id"),
        _NO_TEXT.label("external_id"),
        C.title.label("name"),
        _NO_TEXT.label("parent"),
        _NO_INT.label("ad_account_id"),
        _NO_INT.label("client_id"),
        _NO_INT.label("advertiser_id"),
        _NO_INT.label("owner_shop_id"),
        Ord.creator_id.label("creator_id"),
        K.handle.label("owner_name"),
        _NO_TEXT.label("client_name"),
        status.label("status"),
        Ord.status.label("native_status"),
        Ord.budget_coins.label("budget_minor"),
        spend.label("spend_minor"),
        literal("COIN").label("currency"),
        results.label("results"),
        text_time(dialect)(Ord.updated_at).label("last_change"),
    )


def _shop_stopping(enrollment_id: Any) -> ColumnElement[bool]:
    item, batch = ShopBatchItem, ShopBatch
    return exists().where(
        item.enrollment_id == enrollment_id,
        item.status == "pending",
        batch.id == item.batch_id,
        batch.status.in_(("scheduled", "running")),
    )


def enrollments(workspace_id: int, dialect: str, at: datetime, products: frozenset[int]) -> Any:
    """Shop enrollments: owner the shop; the product is the enrollment's own; results are its
    orders; no budget or spend."""
    E, A, P, S = ShopEnrollment, ShopActivity, ShopProduct, Shop
    now = literal(at, UTCDateTime())
    finals: dict[st.Status, list[str]] = {}
    for state, word in st.ENROLLMENT_FINAL.items():
        finals.setdefault(word, []).append(state)
    status = case(
        (_shop_stopping(E.id), st.Status.STOPPING.value),
        *[(E.state.in_(sorted(states)), word.value) for word, states in finals.items()],
        (A.ends_at <= now, st.Status.ENDED.value),
        (
            or_(A.starts_at > now, _in(E.state, st.ENROLLMENT_WAITING)),
            st.Status.SCHEDULED.value,
        ),
        else_=st.Status.LIVE.value,
    )
    q = (
        select(E)
        .join(A, A.id == E.activity_id)
        .join(P, P.id == E.product_id)
        .join(S, S.id == E.shop_id)
        .where(E.workspace_id == workspace_id)
    )
    if products:
        q = q.where(E.product_id.in_(sorted(products)))
    return q.with_only_columns(
        literal(Kind.SHOP_ENROLLMENT.value).label("kind"),
        E.id.label("id"),
        literal(0, BigInteger).label("shop_id"),
        P.platform_product_id.label("external_id"),
        P.title.label("name"),
        A.name.label("parent"),
        _NO_INT.label("ad_account_id"),
        _NO_INT.label("client_id"),
        _NO_INT.label("advertiser_id"),
        E.shop_id.label("owner_shop_id"),
        _NO_INT.label("creator_id"),
        S.name.label("owner_name"),
        _NO_TEXT.label("client_name"),
        status.label("status"),
        E.state.label("native_status"),
        _NO_INT.label("budget_minor"),
        _NO_INT.label("spend_minor"),
        E.currency.label("currency"),
        E.orders.label("results"),
        text_time(dialect)(E.updated_at).label("last_change"),
    )


def activities(workspace_id: int, dialect: str, at: datetime, products: frozenset[int]) -> Any:
    """Shop activities, one row per activity and shop taking part: results are the orders of
    the shop's enrollments in it; no budget or spend."""
    C, A, S, E = ShopActivityCounter, ShopActivity, Shop, ShopEnrollment
    now = literal(at, UTCDateTime())
    status = case(
        *[
            (A.platform_status == native, word.value)
            for native, word in sorted(st.ACTIVITY_PLATFORM.items())
        ],
        (A.ends_at <= now, st.Status.ENDED.value),
        (A.starts_at > now, st.Status.SCHEDULED.value),
        (and_(C.enrolled > 0, C.active == 0), st.Status.STOPPED.value),
        else_=st.Status.LIVE.value,
    )
    orders = (
        select(cast(func.coalesce(func.sum(E.orders), 0), BigInteger))
        .where(E.activity_id == C.activity_id, E.shop_id == C.shop_id)
        .scalar_subquery()
    )
    q = (
        select(C)
        .join(A, A.id == C.activity_id)
        .join(S, S.id == C.shop_id)
        .where(C.workspace_id == workspace_id)
    )
    if products:
        q = q.where(
            exists().where(
                E.activity_id == C.activity_id,
                E.shop_id == C.shop_id,
                E.product_id.in_(sorted(products)),
            )
        )
    return q.with_only_columns(
        literal(Kind.SHOP_ACTIVITY.value).label("kind"),
        C.activity_id.label("id"),
        C.shop_id.label("shop_id"),
        A.platform_activity_id.label("external_id"),
        A.name.label("name"),
        _NO_TEXT.label("parent"),
        _NO_INT.label("ad_account_id"),
        _NO_INT.label("client_id"),
        _NO_INT.label("advertiser_id"),
        C.shop_id.label("owner_shop_id"),
        _NO_INT.label("creator_id"),
        S.name.label("owner_name"),
        _NO_TEXT.label("client_name"),
        status.label("status"),
        func.coalesce(A.platform_status, "").label("native_status"),
        _NO_INT.label("budget_minor"),
        _NO_INT.label("spend_minor"),
        literal("").label("currency"),
        orders.label("results"),
        text_time(dialect)(A.updated_at).label("last_change"),
    )
