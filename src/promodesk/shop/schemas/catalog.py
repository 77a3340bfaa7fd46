"""Shops, team members, products, activities, enrollments and offers: request and response
bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from promodesk.kit.inputs import Count, CurrencyCode, Id, Input, TimeZone
from promodesk.kit.pagination import Page
from promodesk.shop.schemas.base import Instant, Read, Str


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


class ShopPage(Page[ShopRead]):
    """A page of ``ShopRead`` (``kit.pagination``)."""


class ProductPage(Page[ProductRead]):
    """A page of ``ProductRead`` (``kit.pagination``)."""


class ActivityPage(Page[ActivityRead]):
    """A page of ``ActivityRead`` (``kit.pagination``)."""


class EnrollmentPage(Page[EnrollmentRead]):
    """A page of ``EnrollmentRead`` (``kit.pagination``)."""
