"""Campaigns and audiences: request and response bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from promodesk.kit.inputs import DecimalText, Id, Input
from promodesk.kit.pagination import Page


class CampaignAllocationRead(BaseModel):
    id: int
    client_account_id: int
    client_account_name: str | None
    advertiser_id: int
    advertiser_name: str | None
    initialized: bool


class MetricsRead(BaseModel):
    """Sums over the list's range and the ratios computed from them (null: nothing to divide
    by). Money in minor units of the ad account currency; ratios as decimal strings."""

    spend_minor: int
    impressions: int
    clicks: int
    conversions: int
    ctr: Decimal | None = Field(description="clicks per impression, in percent")
    cpc_minor: Decimal | None = Field(description="spend per click, minor units")
    cpm_minor: Decimal | None = Field(description="spend per 1000 impressions, minor units")
    cost_per_result_minor: Decimal | None = Field(description="spend per conversion, minor units")


class RangeDays(BaseModel):
    time_zone: str
    since: str = Field(description="first local day, YYYY-MM-DD")
    until: str = Field(description="last local day (included), YYYY-MM-DD")


class RangeRead(BaseModel):
    range: str = Field(description="today, yesterday, last_7_days, last_30_days or since..until")
    days: list[RangeDays] = Field(description="the days per time zone of the ad accounts")


class CurrencyTotals(BaseModel):
    currency: str
    count: int
    metrics: MetricsRead


class TotalsRead(BaseModel):
    count: int = Field(description="how many objects the whole filtered list holds")
    by_currency: list[CurrencyTotals] = Field(
        description="sums per currency of the ad accounts (never added across currencies)"
    )


class CampaignRead(BaseModel):
    id: int = Field(description="promodesk's id of the mirrored campaign")
    ad_account_id: int
    ad_account_name: str | None = None
    ad_account_advertiser_id: str | None = Field(
        None, description="TikTok's advertiser id of the ad account"
    )
    campaign_id: str = Field(description="TikTok's campaign id")
    name: str
    objective_type: str
    budget_mode: str
    budget_minor: int = Field(description="budget in minor units of the ad account currency")
    currency: str
    operation_status: str
    secondary_status: str
    status: str = Field(description="active, not_delivering, paused or deleted")
    status_reason: str | None = Field(
        description="why a not_delivering campaign does not deliver (its secondary status)"
    )
    create_time: str
    modify_time: str
    deleted: bool
    vanished: bool
    allocation: CampaignAllocationRead | None
    time_zone: str | None = Field(None, description="the ad account's time zone")
    metrics: MetricsRead | None = Field(None, description="over the list's range")


class CampaignPage(Page[CampaignRead]):
    """A page of mirrored campaigns (``kit.pagination``); ``prev_cursor`` (null on the first
    page) reads the page before; ``totals`` sums the whole filtered list over ``range``."""

    prev_cursor: str | None = None
    range: RangeRead | None = None
    totals: TotalsRead | None = None


class ObjectRead(BaseModel):
    """An ad group or an ad as its list shows it."""

    id: int = Field(description="promodesk's id of the mirrored ad group or ad")
    level: str = Field(description="adgroup or ad")
    ad_account_id: int
    ad_account_name: str | None
    ad_account_advertiser_id: str | None
    tiktok_id: str = Field(description="TikTok's ad group or ad id")
    name: str
    campaign_id: str = Field(description="TikTok's campaign id")
    campaign_row_id: int | None = Field(description="promodesk's id of the campaign")
    campaign_name: str | None
    adgroup_id: str = Field(description="TikTok's ad group id")
    adgroup_name: str | None
    budget_mode: str | None
    budget_minor: int | None
    currency: str
    operation_status: str
    secondary_status: str
    status: str = Field(description="active, not_delivering, paused or deleted")
    status_reason: str | None
    create_time: str
    modify_time: str
    deleted: bool
    vanished: bool
    allocation: CampaignAllocationRead | None = Field(description="its campaign's allocation")
    time_zone: str | None
    metrics: MetricsRead


class ObjectPage(Page[ObjectRead]):
    prev_cursor: str | None = None
    range: RangeRead
    totals: TotalsRead | None


class ScheduleRead(BaseModel):
    start: str | None = Field(description="earliest ad group start, in time_zone")
    end: str | None = Field(description="latest ad group end, in time_zone; null: no end")
    time_zone: str


class SpentRead(MetricsRead):
    first_day: str | None = Field(None, description="first local day with report rows")
    day: str | None = Field(None, description="the ad account's local day (spent today)")


class DayPoint(BaseModel):
    day: str
    spend_minor: int
    conversions: int
    clicks: int
    impressions: int


class DailyRead(BaseModel):
    chart: str = Field(description="life or last_30_days")
    points: list[DayPoint] = Field(description="every day, oldest first, through today")


class CampaignDetail(CampaignRead):
    ad_account: dict[str, Any]
    ad_groups: list[dict[str, Any]] = Field(
        description="ad groups (status, status_reason) with their ads (status, status_reason)"
    )
    schedule: ScheduleRead
    spent_to_date: SpentRead = Field(description="from the report store, every stored day")
    spent_today: SpentRead
    remaining_budget_minor: int | None = Field(
        description="lifetime budget less spent to date, or daily budget less spent today; "
        "null for no limit"
    )
    remaining_basis: str | None = Field(description="lifetime, today or null")
    daily: DailyRead


class SpendRead(BaseModel):
    available: bool
    spend_minor: int | None
    currency: str
    impressions: int | None
    clicks: int | None


class CampaignAllocate(Input):
    ad_account_id: Id
    client_account_id: Id
    advertiser_id: Id
    campaign_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]


class AudienceAllocate(Input):
    ad_account_id: Id
    client_account_id: Id
    advertiser_id: Id
    audience_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]


class AudienceRead(BaseModel):
    id: int
    audience_id: str
    name: str
    audience_type: str
    cover_num: int
    is_valid: bool
    vanished: bool
    allocations: list[dict[str, Any]]


class AudiencePage(Page[AudienceRead]):
    """A page of custom audiences (``kit.pagination``)."""


class AllocatedIds(BaseModel):
    allocation_ids: list[int]


class StatusChange(Input):
    status: Literal["ENABLE", "DISABLE", "DELETE"] = Field(
        description="ENABLE (on), DISABLE (pause) or DELETE (final)"
    )


class BudgetChange(Input):
    budget: DecimalText = Field(
        description="the new budget in the ad account's currency, as a plain decimal string "
        '("120.50"; no exponent, no sign) with at most the currency\'s decimals'
    )
    confirm: bool = Field(
        default=False,
        description="required (true) for a raise above PROMODESK_ACCOUNTS_BUDGET_CONFIRM_FACTOR "
        "times the current budget; without it such a change answers 409 "
        "BudgetConfirmationNeeded with before_minor, after_minor, currency and budget_mode",
    )
