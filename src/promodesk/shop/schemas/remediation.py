"""Compensation coupons and shop announcements."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from promodesk.kit.inputs import Id, Input
from promodesk.shop.schemas.base import Read, Str


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
