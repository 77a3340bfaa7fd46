"""Shop request and response bodies; request bodies follow ``kit.inputs`` (strict, no unknown
fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from promodesk.kit.inputs import Count, CurrencyCode, Id, Input, Timestamp, TimeZone


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Str = Annotated[str, AfterValidator(_printable)]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone (e.g. Z or +08:00)")
    return value


Instant = Annotated[Timestamp, AfterValidator(_utc)]


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ShopCreate(Input):
    name: Annotated[Str, Field(min_length=1, max_length=200)]
    timezone: TimeZone = "Asia/Shanghai"


class ShopUpdate(Input):
    name: Annotated[Str | None, Field(min_length=1, max_length=200)] = None
    timezone: TimeZone | None = None


class ShopRead(Read):
    id: int
    name: str
    timezone: str
    restricted_until: datetime | None
    created_at: datetime


class MemberCreate(Input):
    name: Annotated[Str, Field(min_length=1, max_length=200)]
    role: Literal["owner", "operations", "customer_service"]
    email: Annotated[Str | None, Field(max_length=320)] = None
    webhook_url: Annotated[Str | None, Field(max_length=2000)] = None


class MemberRead(Read):
    id: int
    shop_id: int
    name: str
    role: str
    email: str | None
    webhook_url: str | None


class ProductCreate(Input):
    title: Annotated[Str, Field(min_length=1, max_length=300)]
    price_minor: Count
    currency: CurrencyCode = "CNY"
    stock: Count = 0
    safety_stock: Count = 0
    expected_sales: Count = 0


class ProductRead(Read):
    id: int
    shop_id: int
    title: str
    price_minor: int
    currency: str
    stock: int
    safety_stock: int
    expected_sales: int
    status: str


class FollowersIn(Input):
    follower_ids: Annotated[list[Annotated[Str, Field(max_length=100)]], Field(max_length=10000)]


class RestockIn(Input):
    """``dry_run``: what the restock would do to every enrollment of the product; no change."""

    stock: Annotated[int, Field(ge=1, le=10**12)]
    dry_run: bool = False


class Rules(Input):
    min_products_per_shop: Annotated[int, Field(ge=0, le=10**6)] | None = None
    max_cancel_percent: Annotated[int, Field(ge=0, le=100)] | None = None
    low_traffic_start_minute: Annotated[int, Field(ge=0, le=1439)] | None = None
    low_traffic_end_minute: Annotated[int, Field(ge=0, le=1439)] | None = None
    delist_delay_minutes: Annotated[int, Field(ge=0, le=10**6)] | None = None
    verification_delay_minutes: Annotated[int, Field(ge=0, le=10**6)] | None = None
    penalty_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    immutable: bool | None = None
    presale_allowed: bool | None = None
    max_shipping_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    review_replacements: bool | None = None
    review_price_changes: bool | None = None

    def given(self) -> dict[str, Any]:
        """The rules this body sets (an activity's name and dates are not rules)."""
        rules = self.model_dump(include=set(Rules.model_fields))
        return {k: v for k, v in rules.items() if v is not None}


class ActivityCreate(Rules):
    name: Annotated[Str, Field(min_length=1, max_length=200)]
    registration_starts_at: Instant
    registration_ends_at: Instant
    starts_at: Instant
    ends_at: Instant


class ActivityRead(Read):
    id: int
    name: str
    registration_starts_at: datetime
    registration_ends_at: datetime
    starts_at: datetime
    ends_at: datetime
    min_products_per_shop: int
    max_cancel_percent: int
    low_traffic_start_minute: int
    low_traffic_end_minute: int
    delist_delay_minutes: int
    verification_delay_minutes: int
    penalty_days: int
    immutable: bool
    presale_allowed: bool
    max_shipping_days: int
    review_replacements: bool
    review_price_changes: bool


class EnrollIn(Input):
    product_id: Id
    activity_price_minor: Count
    activity_stock: Count
    per_buyer_limit: Annotated[int, Field(ge=0, le=10**6)] = 0


class EnrollmentRead(Read):
    id: int
    activity_id: int
    shop_id: int
    product_id: int
    activity_price_minor: int
    currency: str
    activity_stock: int
    per_buyer_limit: int
    state: str
    previous_state: str | None
    presale: bool
    shipping_days: int | None
    views: int
    orders: int
    replaced_by_id: int | None
    replaces_id: int | None
    updated_at: datetime


class ReviewIn(Input):
    approve: bool


class TrafficIn(Input):
    views: Count = 0
    orders: Count = 0


class OfferCreate(Input):
    kind: Literal["coupon", "discount"]
    title: Annotated[Str, Field(max_length=200)] = ""
    value_minor: Count = 0
    percent_off: Annotated[int, Field(ge=0, le=100)] = 0


class OfferRead(Read):
    id: int
    enrollment_id: int
    kind: str
    title: str
    value_minor: int
    percent_off: int
    status: str


class SelectionIn(Input):
    """Which enrollments: ids, or filters; ``product_ids_csv`` is a CSV of product ids (one
    column, an optional header) as exported from a spreadsheet."""

    enrollment_ids: Annotated[list[Id], Field(max_length=1_000_000)] | None = None
    activity_id: Id | None = None
    shop_id: Id | None = None
    product_ids: Annotated[list[Id], Field(max_length=1_000_000)] | None = None
    product_ids_csv: Annotated[Str, Field(max_length=20_000_000)] | None = None
    states: Annotated[list[Annotated[Str, Field(max_length=20)]], Field(max_length=10)] | None = (
        None
    )


class CancelIn(SelectionIn):
    reason: Literal["stock_shortage", "wrong_information", "plan_change", "other"]
    reason_text: Annotated[Str, Field(max_length=1000)] = ""
    mode: Literal["now", "window", "batch"] = "now"
    force: bool = False
    dry_run: bool = False


class BatchRead(Read):
    id: int
    shop_id: int | None
    mode: str
    status: str
    reason_code: str
    reason_text: str
    force: bool
    all_or_nothing: bool
    run_at: datetime
    total: int
    done: int
    failed: int
    operation_id: int | None
    job_id: int | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None


class BatchItemRead(Read):
    id: int
    enrollment_id: int
    activity_id: int
    product_id: int
    status: str
    error_code: str | None
    error_detail: str | None
    processed_at: datetime | None


class CancelOut(BaseModel):
    dry_run: bool
    preview: dict[str, Any] | None = None
    batches: list[BatchRead] = []


class SnapshotRead(Read):
    id: int
    enrollment_id: int
    activity_id: int
    shop_id: int
    product_id: int
    change: str
    batch_id: int | None
    data: dict[str, Any]
    created_at: datetime
    restored_at: datetime | None


class ReplaceIn(Input):
    """``activity_price_minor``: the replacement's activity price; without it the old discount
    percentage is kept (rounded once, half up, to the currency's cash unit)."""

    product_id: Id
    activity_price_minor: Count | None = None


class StockZeroIn(Input):
    """``dry_run``: the plan only, nothing changes. ``force``: an admin overrides another
    activity's guardrails (audited; never an immutable activity's)."""

    enrollment_ids: Annotated[list[Id], Field(min_length=1, max_length=1000)]
    dry_run: bool = False
    force: bool = False


class PlanItem(BaseModel):
    """What a product-level action does to one enrollment of the product, in any activity."""

    enrollment_id: int
    product_id: int
    activity_id: int
    activity: str
    shop_id: int
    state: str
    selected: bool
    effect: str
    target_state: str | None
    counts_as_cancel: bool
    verdict: str
    ok: bool
    detail: str


class StockZeroItem(BaseModel):
    """One enrollment's result: ``ok``, or an error ``code`` with the activity and product."""

    enrollment_id: int
    activity_id: int | None
    shop_id: int | None
    product_id: int | None
    state: str | None
    ok: bool
    code: str | None
    detail: str | None
    delist_at: datetime | None
    breaks_other_activity: bool = False
    enrollments: list[PlanItem] = []


class StockZeroOut(BaseModel):
    dry_run: bool = False
    done: int
    failed: int
    overridden: list[PlanItem] = []
    items: list[StockZeroItem]


class RestockOut(BaseModel):
    dry_run: bool = False
    product_id: int
    stock: int
    enrollments_restored: int
    enrollments: list[PlanItem]


class PresaleIn(Input):
    shipping_days: Annotated[int, Field(ge=1, le=3650)]


class VerificationRead(Read):
    id: int
    batch_id: int
    enrollment_id: int
    activity_id: int
    shop_id: int
    product_id: int
    passed: bool
    purchasable: bool
    active_offers: int
    created_at: datetime


class CompensationIn(Input):
    # whole minor units as a JSON integer: a float (1e3, 1000.0) or a string is refused
    value_minor: Annotated[
        int,
        Field(
            strict=True,
            ge=1,
            le=10**12,
            description="minor units; at most the product's price, and coupons × value at "
            "most PROMODESK_SHOP_COMPENSATION_MAX_TOTAL_PRICES times the price",
        ),
    ]
    valid_days: Annotated[int, Field(ge=1, le=365)] = 30


class CompensationRead(Read):
    id: int
    shop_id: int
    product_id: int
    value_minor: int
    currency: str
    valid_until: datetime
    issued: int
    created_by: str
    created_at: datetime


class AnnouncementIn(Input):
    title: Annotated[Str, Field(min_length=1, max_length=200)]
    body: Annotated[Str, Field(max_length=5000)] = ""
    product_ids: Annotated[list[Id], Field(default_factory=list, max_length=100)]


class AnnouncementRead(Read):
    id: int
    shop_id: int
    title: str
    body: str
    product_ids: list[int]
    published: bool
    created_at: datetime


class ShopPage(BaseModel):
    items: list[ShopRead]
    next_cursor: str | None


class ProductPage(BaseModel):
    items: list[ProductRead]
    next_cursor: str | None


class ActivityPage(BaseModel):
    items: list[ActivityRead]
    next_cursor: str | None


class EnrollmentPage(BaseModel):
    items: list[EnrollmentRead]
    next_cursor: str | None


class BatchPage(BaseModel):
    items: list[BatchRead]
    next_cursor: str | None


class BatchItemPage(BaseModel):
    items: list[BatchItemRead]
    next_cursor: str | None


class SnapshotPage(BaseModel):
    items: list[SnapshotRead]
    next_cursor: str | None


class VerificationPage(BaseModel):
    items: list[VerificationRead]
    next_cursor: str | None
