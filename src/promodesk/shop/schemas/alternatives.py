"""The safer alternatives to a cancel: replace, stock to zero (with its plan), restock, presale."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from promodesk.kit.inputs import Count, Id, Input


class RestockIn(Input):
    """``dry_run``: what the restock would do to every enrollment of the product; no change."""

    stock: Annotated[int, Field(ge=1, le=10**12)]
    dry_run: bool = False


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
    # the activity's status on the linked shop's platform; None for a local activity
    platform_status: str | None = None


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
