"""The selection, a cancel, its preview (dry run) and the batches it runs as."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from promodesk.kit.inputs import Id, Input
from promodesk.kit.pagination import Page
from promodesk.shop.schemas.base import Read, Str


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


class PreviewItem(BaseModel):
    """One selected enrollment: its path, or the cancel plan's refusal ``code`` (absent when it
    can be cancelled; ``batch_id`` only with ``ALREADY_SCHEDULED``; ``target_state`` only when
    it can)."""

    enrollment_id: int
    activity_id: int
    shop_id: int
    product_id: int
    state: str
    views: int
    orders: int
    ok: bool
    code: str | None = None
    batch_id: int | None = None
    path: str | None
    target_state: str | None = None
    offers: list[int]


class PreviewViolation(BaseModel):
    rule: str
    detail: str
    limit: int
    value: int


class PreviewVerdict(BaseModel):
    """The guardrails after cancelling ``cancel`` more (scheduled ones counted as if done)."""

    cancel: int
    enrolled: int
    remaining_before: int
    remaining_after: int
    cancelled_before: int
    scheduled: int
    cancelled_after: int
    ratio_after_percent: float
    ok: bool
    violations: list[PreviewViolation]


class PreviewRules(BaseModel):
    min_products: int
    max_cancel_percent: int
    immutable: bool


class PreviewTraffic(BaseModel):
    views: int
    orders: int
    views_share_percent: float
    orders_share_percent: float


class PreviewTiming(BaseModel):
    """Run now or in the next low-traffic window of the shop's time zone (ISO 8601 times)."""

    timezone: str
    in_window_now: bool
    window_start: str
    window_end: str
    window_start_local: str
    options: list[Literal["now", "window"]]
    recommended: Literal["now", "window"]


class PreviewGroup(BaseModel):
    """One (activity, shop) of the selection."""

    activity_id: int
    activity: str
    shop_id: int
    selected: int
    rules: PreviewRules
    verdict: PreviewVerdict
    allowed_without_force: int
    traffic: PreviewTraffic
    alternatives: list[str]
    timing: PreviewTiming


class CancelPreview(BaseModel):
    """The dry run of a cancel: the cancel plan per item and per (activity, shop); nothing
    changes. ``items`` holds at most 500 (``items_truncated``)."""

    selected: int
    cancellable: int
    offers_cancelled: int
    ok: bool
    groups: list[PreviewGroup]
    items: list[PreviewItem]
    items_truncated: bool


class CancelOut(BaseModel):
    dry_run: bool
    preview: CancelPreview | None = None
    batches: list[BatchRead] = []


class BatchPage(Page[BatchRead]):
    """A page of ``BatchRead`` (``kit.pagination``)."""


class BatchItemPage(Page[BatchItemRead]):
    """A page of ``BatchItemRead`` (``kit.pagination``)."""
