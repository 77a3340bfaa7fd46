"""The selection, a cancel, its preview (dry run) and the batches it runs as."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from promodesk.kit.inputs import Id, Input
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


class CancelOut(BaseModel):
    dry_run: bool
    preview: dict[str, Any] | None = None
    batches: list[BatchRead] = []


class BatchPage(BaseModel):
    items: list[BatchRead]
    next_cursor: str | None


class BatchItemPage(BaseModel):
    items: list[BatchItemRead]
    next_cursor: str | None
