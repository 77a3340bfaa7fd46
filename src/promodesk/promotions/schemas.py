"""Promotions over the wire: the index page, a product's promotions, product links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from promodesk.kit.inputs import Id, Input
from promodesk.promotions.domain.index import Money, OwnerRef, PromotionRow
from promodesk.promotions.service.index import IndexPage, Totals
from promodesk.promotions.service.products import (
    AutoLinkResult,
    LinkView,
    ProductPromotions,
)
from promodesk.promotions.service.stop import StopItem, StopPreview


class MoneyRead(BaseModel):
    """An amount in integer minor units of ``currency`` (``COIN``: Promote coins)."""

    minor: int
    currency: str

    @classmethod
    def of(cls, m: Money | None) -> MoneyRead | None:
        return None if m is None else cls(minor=m.minor, currency=m.currency)


class OwnerRead(BaseModel):
    kind: str  # advertiser | client | ad_account | shop | creator
    id: int
    name: str

    @classmethod
    def of(cls, o: OwnerRef | None) -> OwnerRead | None:
        return None if o is None else cls(kind=o.kind.value, id=o.id, name=o.name)


class ProductRefRead(BaseModel):
    id: int
    title: str
    source: str  # enrollment | auto | manual


class PromotionRead(BaseModel):
    ref: str = Field(description="kind:id (shop_activity:activity:shop): names it everywhere")
    channel: str
    kind: str
    id: int
    shop_id: int | None
    external_id: str | None
    name: str
    parent: str | None
    owner: OwnerRead | None
    client: OwnerRead | None
    status: str = Field(description="scheduled, live, paused, stopping, stopped or ended")
    native_status: str
    budget: MoneyRead | None
    spend: MoneyRead | None
    results: int | None
    last_change: datetime | None
    products: list[ProductRefRead]

    @classmethod
    def of(cls, r: PromotionRow) -> PromotionRead:
        return cls(
            ref=r.ref,
            channel=r.channel.value,
            kind=r.kind.value,
            id=r.id,
            shop_id=r.shop_id,
            external_id=r.external_id,
            name=r.name,
            parent=r.parent,
            owner=OwnerRead.of(r.owner),
            client=OwnerRead.of(r.client),
            status=r.status.value,
            native_status=r.native_status,
            budget=MoneyRead.of(r.budget),
            spend=MoneyRead.of(r.spend),
            results=r.results,
            last_change=r.last_change,
            products=[ProductRefRead(id=p.id, title=p.title, source=p.source) for p in r.products],
        )


class CurrencyTotalRead(BaseModel):
    currency: str
    count: int
    budget: MoneyRead
    spend: MoneyRead


class TotalsRead(BaseModel):
    count: int
    by_kind: dict[str, int]
    by_currency: list[CurrencyTotalRead]

    @classmethod
    def of(cls, t: Totals | None) -> TotalsRead | None:
        if t is None:
            return None
        return cls(
            count=t.count,
            by_kind=t.by_kind,
            by_currency=[
                CurrencyTotalRead(
                    currency=c.currency,
                    count=c.count,
                    budget=MoneyRead(minor=c.budget.minor, currency=c.currency),
                    spend=MoneyRead(minor=c.spend.minor, currency=c.currency),
                )
                for c in t.by_currency
            ],
        )


class RangeDaysRead(BaseModel):
    time_zone: str
    since: str
    until: str = Field(description="the last day, included")


class PromotionPage(BaseModel):
    items: list[PromotionRead]
    next_cursor: str | None
    sort: str
    totals: TotalsRead | None
    range: str = Field(
        description="the days spend and results cover: lifetime, today, yesterday, last_7_days, "
        "last_30_days or since..until"
    )
    days: list[RangeDaysRead] = Field(
        description="the range's days per time zone (each ad account's own; UTC for Promote)"
    )

    @classmethod
    def of(cls, page: IndexPage) -> PromotionPage:
        return cls(
            items=[PromotionRead.of(r) for r in page.items],
            next_cursor=page.next_cursor,
            sort=page.sort,
            totals=TotalsRead.of(page.totals),
            range=page.range,
            days=[
                RangeDaysRead(time_zone=d.time_zone, since=d.since, until=d.until)
                for d in page.days
            ],
        )


class LinkCreate(Input):
    product_id: Id = Field(description="a shop product id")
    target: str = Field(
        max_length=60, description="campaign:<id>, adgroup:<id>, ad:<id> or promote_content:<id>"
    )
    note: str = Field("", max_length=500)


class LinkRead(BaseModel):
    product_id: int
    target: str
    source: str
    evidence: str
    created_by: str
    created_at: datetime
    removed_at: datetime | None
    name: str | None = Field(None, description="the target's name (a content's title)")

    @classmethod
    def of(cls, v: LinkView) -> LinkRead:
        return cls(
            product_id=v.product_id,
            target=v.target,
            source=v.source,
            evidence=v.evidence,
            created_by=v.created_by,
            created_at=v.created_at,
            removed_at=v.removed_at,
            name=v.name,
        )


class ProductRead(BaseModel):
    id: int
    shop_id: int
    title: str
    platform_product_id: str | None
    stock: int
    status: str


class ProductPromotionsRead(BaseModel):
    product: ProductRead
    items: list[PromotionRead]
    totals: TotalsRead
    links: list[LinkRead]

    @classmethod
    def of(cls, p: ProductPromotions) -> ProductPromotionsRead:
        t = TotalsRead.of(p.totals)
        assert t is not None
        v = p.product
        return cls(
            product=ProductRead(
                id=v.id,
                shop_id=v.shop_id,
                title=v.title,
                platform_product_id=v.platform_product_id,
                stock=v.stock,
                status=v.status,
            ),
            items=[PromotionRead.of(r) for r in p.items],
            totals=t,
            links=[LinkRead.of(link) for link in p.links],
        )


class AutoLinkCreate(Input):
    ad_account_id: Id | None = Field(None, description="only this ad account's ads")


class AutoLinkRead(BaseModel):
    scanned: int
    added: int
    removed: int

    @classmethod
    def of(cls, r: AutoLinkResult) -> AutoLinkRead:
        return cls(scanned=r.scanned, added=r.added, removed=r.removed)


class StopPreviewCreate(Input):
    refs: list[str] = Field(default_factory=list, max_length=500, description="promotion refs")
    products: list[Id] = Field(default_factory=list, max_length=100, description="product ids")
    reason: str = Field(max_length=32, description="sold_out, wrong_claim, plan_change or other")
    reason_text: str = Field("", max_length=1000)
    ads_action: str = Field("pause", max_length=16, description="pause or delete (TikTok ads)")


class StopCreate(StopPreviewCreate):
    fingerprint: str = Field(
        max_length=64, description="the preview's fingerprint: what was shown is what is stopped"
    )


class StopStepRead(BaseModel):
    n: int
    channel: str  # tiktok_ads | promote | shop
    kind: str  # campaign | adgroup | ad | promote_order | shop_enrollment
    path: str
    refs: list[str]
    ids: list[int]
    record: dict[str, Any] | None  # the channel's own record: {"type": ..., "id": ...}
    status: str  # running | done | failed
    verified: bool | None
    error: str
    attempts: int
    reversible: bool
    restarted: bool
    restart_error: str = ""


class StopRead(BaseModel):
    id: int
    reason: str
    reason_text: str
    ads_action: str
    fingerprint: str
    refs: list[str]
    created_by: str
    created_at: str
    steps: list[StopStepRead]
    failed: int
    running: int
    # planned_money, refused; once the steps are over: ended_at, channels, failed_steps;
    # and the team's lessons and action_items
    retrospective: dict[str, Any]
    operation: dict[str, Any] | None


class AmountRead(BaseModel):
    what: str  # freed_budget | refund_to_wallet | refund_to_coupon_issuer
    minor: int
    currency: str


def _amounts(pairs: list[tuple[str, Money]]) -> list[AmountRead]:
    return [AmountRead(what=w, minor=m.minor, currency=m.currency) for w, m in pairs]


class StopItemRead(BaseModel):
    ref: str
    channel: str
    kind: str
    name: str
    status: str
    path: str | None
    refusal: str | None
    money: list[AmountRead]
    detail: dict[str, Any]


class ChannelPlanRead(BaseModel):
    channel: str
    path: str
    items: list[StopItemRead]
    money: list[AmountRead]
    verdicts: list[dict[str, Any]]


class StopPreviewRead(BaseModel):
    reason: str
    reason_text: str
    ads_action: str
    selected: int
    channels: list[ChannelPlanRead]
    refused: list[StopItemRead]
    totals: list[AmountRead]
    fingerprint: str

    @classmethod
    def of(cls, p: StopPreview) -> StopPreviewRead:
        def item(i: StopItem) -> StopItemRead:
            return StopItemRead(
                ref=i.ref,
                channel=i.channel.value,
                kind=i.kind.value,
                name=i.name,
                status=i.status,
                path=i.path,
                refusal=i.refusal,
                money=_amounts(i.money),
                detail=i.detail,
            )

        return cls(
            reason=p.reason,
            reason_text=p.reason_text,
            ads_action=p.ads_action,
            selected=p.selected,
            channels=[
                ChannelPlanRead(
                    channel=c.channel.value,
                    path=c.path,
                    items=[item(i) for i in c.items],
                    money=_amounts(c.money),
                    verdicts=c.verdicts,
                )
                for c in p.channels
            ],
            refused=[item(i) for i in p.refused],
            totals=_amounts(p.totals),
            fingerprint=p.fingerprint,
        )


class StopChannelRead(BaseModel):
    channel: str  # tiktok_ads | promote | shop
    status: str  # running | done | failed | restarted
    steps: int
    running: int
    failed: int
    verified: int


class StopSummaryRead(BaseModel):
    """One stop of the list: its status (running, done, failed, restarted), per channel its
    steps, the money it planned to free or refund, whether its steps were verified, and
    whether a retry (a step failed) or a restart (a reversible step is done) is possible."""

    id: int
    reason: str
    reason_text: str
    ads_action: str
    created_by: str
    created_at: str
    ended_at: str | None
    status: str
    channels: list[StopChannelRead]
    planned_money: list[AmountRead]
    refused: int
    steps: int
    verified_steps: int
    verified: bool | None
    can_retry: bool
    can_restart: bool
    lessons: bool
    action_items: int


class StopPage(BaseModel):
    items: list[StopSummaryRead]
    next_cursor: str | None
