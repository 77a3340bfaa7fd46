"""Promote request and response bodies. Bounds keep every value inside its column type; request
bodies follow ``kit.inputs`` (strict, no unknown fields)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from promodesk.kit.inputs import MAX_COUNT, Count, Day, Id, Input, Region, Timestamp
from promodesk.kit.pagination import Page
from promodesk.models import PromoteOrder
from promodesk.promote.domain.goals import GOAL_RESULT, RESULT_FIELDS, Goal
from promodesk.promote.domain.settlement import SettlementStatus

MAX_COINS = MAX_COUNT


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant is out of range once converted to UTC") from None


def _opt_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


_Clean = AfterValidator(_no_nul)
Handle = Annotated[str, Field(min_length=1, max_length=64), _Clean]
Version = Annotated[str, Field(min_length=1, max_length=32), _Clean]
Name = Annotated[str, Field(max_length=200), _Clean]
Title = Annotated[str, Field(max_length=300), _Clean]
Note = Annotated[str, Field(max_length=500), _Clean]
Reason = Annotated[str, Field(min_length=1, max_length=500), _Clean]
Url = Annotated[str, Field(max_length=2000), _Clean]
EventId = Annotated[str, Field(min_length=1, max_length=100), _Clean]
Interest = Annotated[str, Field(max_length=60), _Clean]


Instant = Annotated[Timestamp, AfterValidator(_utc)]
OptInstant = Annotated[Timestamp | None, AfterValidator(_opt_utc)]
AccountTypeIn = Literal["business", "creator", "personal"]
DeviceOSIn = Literal["android", "ios"]
GoalIn = Literal["video_views", "website_visits", "followers", "product_clicks", "live_viewers"]


class CreatorCreate(Input):
    handle: Handle
    display_name: Name = ""
    birth_date: Annotated[Day, Field(ge=date(1900, 1, 1))]
    account_type: AccountTypeIn
    device_os: DeviceOSIn
    app_version: Version
    region: Region


class CreatorUpdate(Input):
    display_name: Name | None = None
    account_type: AccountTypeIn | None = None
    device_os: DeviceOSIn | None = None
    app_version: Version | None = None
    region: Region | None = None


class CreatorRead(BaseModel):
    id: int
    handle: str
    display_name: str
    birth_date: date
    account_type: str
    device_os: str
    app_version: str
    region: str
    created_at: datetime


class CreatorPage(Page[CreatorRead]):
    """A page of ``CreatorRead`` (``kit.pagination``)."""


class WalletRead(BaseModel):
    creator_id: int
    account_id: int
    balance: int = Field(description="coins free to spend")
    held: int = Field(description="coins in the escrows of orders not yet settled")
    open_orders: int
    last_order_ended_at: datetime | None


class ReasonRead(BaseModel):
    code: str
    message: str


class EligibilityRead(BaseModel):
    eligible: bool
    reasons: list[ReasonRead]
    promote_type: str | None
    allowed_goals: list[str]


class ContentCreate(Input):
    creator_id: Id
    kind: Literal["video", "live"]
    title: Title = ""
    has_ecommerce_anchor: bool = False
    commercial_music: bool = False
    on_air: bool = False
    scheduled_start: OptInstant = None


class LiveState(Input):
    on_air: bool
    scheduled_start: OptInstant = None


class ContentRead(BaseModel):
    id: int
    creator_id: int
    kind: str
    title: str
    has_ecommerce_anchor: bool
    commercial_music: bool
    on_air: bool
    scheduled_start: datetime | None
    created_at: datetime


class ContentPage(Page[ContentRead]):
    """A page of ``ContentRead`` (``kit.pagination``)."""


class CouponCreate(Input):
    creator_id: Id
    value_coins: Annotated[int, Field(ge=1, le=10_000_000)]
    valid_from: OptInstant = None
    valid_until: Instant
    note: Title = ""


class CouponRead(BaseModel):
    id: int
    creator_id: int
    value_coins: int
    valid_from: datetime
    valid_until: datetime
    status: str
    order_id: int | None
    note: str


class CouponPage(Page[CouponRead]):
    """A page of ``CouponRead`` (``kit.pagination``)."""


class AudienceIn(Input):
    mode: Literal["automatic", "custom"] = "automatic"
    gender: Literal["all", "female", "male"] = "all"
    age_ranges: list[Literal["18-24", "25-34", "35-44", "45-54", "55+"]] = Field(
        default_factory=list, max_length=5
    )
    interests: list[Interest] = Field(default_factory=list, max_length=20)


class OrderCreate(Input):
    creator_id: Id
    content_id: Id
    goal: GoalIn
    budget_coins: Annotated[int, Field(ge=1, le=MAX_COINS)]
    duration_hours: Annotated[int, Field(ge=1, le=24 * 366)]
    audience: AudienceIn = Field(default_factory=AudienceIn)
    website_url: Url | None = None
    coupon_id: Id | None = None


class StopIn(Input):
    reason: Note = ""


class RejectIn(Input):
    reason: Reason


class OrderRead(BaseModel):
    id: int
    creator_id: int
    content_id: int
    content_kind: str
    promote_type: str
    goal: str
    status: str
    review_status: str
    review_reason: str | None
    stop_reason: str | None
    settlement_status: str
    budget_coins: int
    paid_coins: int
    coupon_id: int | None
    coupon_coins: int
    spent_coins: int
    remaining_coins: int = Field(description="budget not yet spent nor returned")
    refunded_coins: int = Field(description="returned to the wallet")
    coupon_returned_coins: int
    coupon_restored: bool
    over_delivered_coins: int = Field(description="delivered beyond the budget, not charged")
    duration_hours: int
    audience: dict[str, object]
    website_url: str | None
    results: dict[str, int]
    goal_results: int = Field(description="the result counter the goal is measured by")
    cost_per_result: str | None = Field(description="coins per goal result, 2 decimals")
    escrow_account_id: int | None
    created_at: datetime
    reviewed_at: datetime | None
    started_at: datetime | None
    ends_at: datetime | None
    ended_at: datetime | None
    settled_at: datetime | None


def order_read(o: PromoteOrder) -> OrderRead:
    """The order with its analytics: remaining, results per goal and cost per result."""
    results = {name: int(getattr(o, name)) for name in RESULT_FIELDS}
    goal_results = results[GOAL_RESULT[Goal(o.goal)]]
    cost = None
    if goal_results:
        cost = str((Decimal(o.spent_coins) / goal_results).quantize(Decimal("0.01"), ROUND_HALF_UP))
    remaining = (
        0 if o.settlement_status == SettlementStatus.SETTLED else o.budget_coins - o.spent_coins
    )
    data = {c: getattr(o, c) for c in OrderRead.model_fields if hasattr(o, c)}
    data |= {
        "results": results,
        "goal_results": goal_results,
        "cost_per_result": cost,
        "remaining_coins": remaining,
    }
    return OrderRead.model_validate(data)


class OrderPage(Page[OrderRead]):
    """A page of ``OrderRead`` (``kit.pagination``)."""


class HourRead(BaseModel):
    hour: datetime
    spend_coins: int
    over_delivered_coins: int
    views: int
    website_visits: int
    follows: int
    product_clicks: int
    live_viewers: int


class OrderStats(BaseModel):
    order: OrderRead
    series: list[HourRead]


class Results(Input):
    views: Count = 0
    website_visits: Count = 0
    follows: Count = 0
    product_clicks: Count = 0
    live_viewers: Count = 0


class DeliveryEventIn(Input):
    event_id: EventId
    order_id: Id
    spend_coins: Annotated[int, Field(ge=0, le=10**9)]
    results: Results = Field(default_factory=Results)


class DeliveryBatchIn(Input):
    events: list[DeliveryEventIn] = Field(max_length=10_000)


class DeliveryBatchRead(BaseModel):
    batch_id: int | None
    received: int
    accepted: int
    duplicates: int
    unknown_orders: list[int]
    charged_coins: int
    over_delivered_coins: int
    completed_orders: list[int]
