"""Cancellations: request and response bodies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from promodesk.kit.inputs import Id, Input
from promodesk.kit.pagination import Page

TikTokId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9]+$")]


class CancelSelection(Input):
    """The objects: promodesk's ids (``ids``, as ``GET /api/v1/campaigns`` shows them), or
    TikTok's ids (``tiktok_ids``, with ``ad_account_id`` when several ad accounts share one)."""

    level: str = Field("campaign", max_length=16, description="campaign, adgroup or ad")
    ids: list[Id] | None = Field(None, max_length=5000)
    tiktok_ids: list[TikTokId] | None = Field(None, max_length=5000)
    ad_account_id: Id | None = None
    action: str = Field(
        "pause", max_length=16, description="pause (TikTok DISABLE, reversible) or delete (final)"
    )


class CancelCreate(CancelSelection):
    reason_code: str = Field(
        "",
        max_length=32,
        description="budget, strategy_change, poor_performance, creative_or_policy, "
        "out_of_stock or other (a note is required for other)",
    )
    note: str = Field("", max_length=2000)


class MoneyTotal(BaseModel):
    currency: str
    count: int
    budget_minor: int
    spent_to_date_minor: int
    spent_today_minor: int
    last_7_days_minor: int
    freed_minor: int
    live_children: int


class CampaignPreviewItem(BaseModel):
    row_id: int
    level: str
    object_id: str = Field(description="TikTok's id")
    campaign_id: str
    name: str
    ad_account_id: int
    ad_account_name: str
    tiktok_advertiser_id: str
    time_zone: str
    client_account_id: int | None
    advertiser_id: int | None
    currency: str
    budget_mode: str
    budget_minor: int
    spent_to_date_minor: int
    spent_today_minor: int = Field(description="in the ad account's local today")
    last_7_days_minor: int
    freed_minor: int = Field(description="what the cancel frees (left of the budget)")
    live_children: int
    operation_status: str
    secondary_status: str
    share_base: str = Field(description="advertiser or ad_account: whose spend the share is of")
    share_base_minor: int
    share_percent: str | None
    skip: bool = Field(description="already stopped as asked: nothing will be sent")


class CampaignCancelPreview(BaseModel):
    level: str
    action: str
    operation_status: str = Field(description="what TikTok is sent: DISABLE or DELETE")
    reversible: bool
    items: list[CampaignPreviewItem]
    totals: list[MoneyTotal] = Field(description="per currency; currencies are never added")


class FreedTotal(BaseModel):
    currency: str
    freed_minor: int


class ItemRead(BaseModel):
    id: int
    cancellation_id: int
    ad_account_id: int
    level: str
    object_id: str
    row_id: int
    campaign_id: str
    name: str
    client_account_id: int | None
    advertiser_id: int | None
    currency: str
    budget_mode: str
    budget_minor: int
    spent_to_date_minor: int
    spent_today_minor: int
    last_7_days_minor: int
    freed_minor: int
    status_before: str
    status: str = Field(description="pending, done, failed or skipped")
    error: str
    stopped_at: str | None
    verify_status: str = Field(
        description="pending, verified, failed, skipped or unverifiable (authorization revoked)"
    )
    verify_detail: dict[str, Any]
    verified_at: str | None
    spend_after_minor: int
    undone_at: str | None
    recreated_object_id: str
    recreated_at: str | None
    recreated: dict[str, Any] | None = None


class CancellationRead(BaseModel):
    id: int
    action: str
    reason_code: str
    note: str
    status: str = Field(description="running, done, partial or failed")
    created_by: str
    created_at: str
    finished_at: str | None
    level: str
    item_count: int
    counts: dict[str, int]
    verification: dict[str, int]
    freed: list[FreedTotal]
    operation: dict[str, Any] | None
    items: list[ItemRead] = Field(default_factory=list)


CancellationPage = Page[CancellationRead]
