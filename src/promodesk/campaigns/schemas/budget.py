"""Budget view, reallocations and Business Center transfers: request and response bodies.
Money is in minor units of ``currency``; amounts sent in are plain decimals in major units."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from promodesk.kit.inputs import DecimalText, Id, Input
from promodesk.kit.pagination import Page

PoolKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=220,
        description="the freed-budget pool: adv:ADVERTISER_ID:CUR (a client advertiser's) or "
        "acct:AD_ACCOUNT_ID:CUR (an ad account's, for campaigns not allocated to a client)",
    ),
]


class BalanceRead(BaseModel):
    available: bool
    cash_minor: int | None = None
    balance_minor: int | None = None
    transferable_minor: int | None = None
    reason: str = Field("", description="why TikTok gave no balance")


class PoolRead(BaseModel):
    key: str
    label: str = Field(description='"client / advertiser (CUR)" or "ad account (CUR)"')
    advertiser_id: int | None
    ad_account_id: int | None
    currency: str
    balance_minor: int = Field(description="what the pool holds now")
    freed_minor: int = Field(description="what cancellations put in")
    reallocated_minor: int = Field(description="what reallocations used (net of give-backs)")
    unfreed_minor: int = Field(description="what undos of cancellations took back")


class PoolLineRead(BaseModel):
    kind: str = Field(description="freed, reallocated, returned (a refused update) or unfreed")
    ref: str = Field(
        description="item:ID (cancellation item), realloc:ID, realloc-item:ID, undo:ID"
    )
    amount_minor: int = Field(description="into the pool when positive")
    at: datetime


class PoolHistoryRead(PoolRead):
    history: list[PoolLineRead]


class PoolPage(Page[PoolHistoryRead]):
    pass


class BudgetAccountRead(BaseModel):
    id: int
    advertiser_id: str = Field(description="TikTok's advertiser id of the ad account")
    name: str
    currency: str
    timezone: str
    local_time: str
    payment_mode: str | None = None
    active_campaigns: int
    daily_budget_minor: int
    lifetime_budget_minor: int
    unlimited_campaigns: int
    spent_today_minor: int
    spent_today_daily_minor: int
    spent_today_source: str = Field(description="day, hour or none (no report rows yet)")
    pacing_percent: str | None = Field(
        description="today's spend of daily-budget campaigns over their daily budgets"
    )
    day_elapsed_percent: str
    pace: str = Field(description="ahead, on, behind or none")
    balance: BalanceRead
    pools: list[PoolRead]
    allocations: list[dict[str, Any]]


class BudgetTotalsRead(BaseModel):
    currency: str
    daily_budget_minor: int
    lifetime_budget_minor: int
    spent_today_minor: int
    active_campaigns: int


class BudgetAdvertiserRead(BaseModel):
    id: int
    name: str
    ad_accounts: list[BudgetAccountRead]
    pools: list[PoolRead]
    totals: list[BudgetTotalsRead]


class BudgetClientRead(BaseModel):
    id: int
    name: str
    advertisers: list[BudgetAdvertiserRead]


class BudgetRead(BaseModel):
    as_of: datetime
    business_center_id: str | None
    clients: list[BudgetClientRead]
    not_allocated: list[BudgetAccountRead]
    pools: list[PoolRead]


class TargetIn(Input):
    campaign_id: Id = Field(description="promodesk's id of the mirrored campaign")
    amount: DecimalText = Field(description="what to add to its budget, in the pool's currency")


class ReallocationCreate(Input):
    pool: PoolKey
    targets: list[TargetIn] = Field(min_length=1, max_length=100)
    note: str = Field("", max_length=2000)


class PlanLineRead(BaseModel):
    campaign_id: int
    tiktok_campaign_id: str
    name: str
    budget_mode: str
    daily: bool
    before_minor: int
    amount_minor: int
    after_minor: int
    minimum_minor: int | None
    problem: str | None
    detail: str


class ProblemRead(BaseModel):
    code: str
    detail: str
    campaign_id: int | None


class ReallocationPreview(BaseModel):
    pool: str
    currency: str
    pool_before_minor: int
    total_minor: int
    pool_after_minor: int
    ok: bool
    lines: list[PlanLineRead]
    problems: list[ProblemRead]


class ReallocationItemRead(BaseModel):
    id: int
    campaign_id: int
    tiktok_campaign_id: str
    ad_account_id: int
    name: str
    budget_mode: str
    amount_minor: int
    before_minor: int
    after_minor: int
    status: str = Field(description="pending, done or failed")
    error: str
    read_back_minor: int | None = Field(description="the budget TikTok lists after the update")
    verified: bool = Field(description="the read-back shows the new budget")
    returned: bool = Field(description="its amount went back to the pool")
    finished_at: datetime | None


class ReallocationRead(BaseModel):
    id: int
    pool: str
    advertiser_id: int | None
    ad_account_id: int | None
    currency: str
    total_minor: int
    returned_minor: int
    used_minor: int
    status: str = Field(description="reserved, done, partial or failed")
    note: str
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    items: list[ReallocationItemRead] | None = None


class ReallocationPage(Page[ReallocationRead]):
    pass


class TransferCreate(Input):
    from_ad_account_id: Id
    to_ad_account_id: Id
    amount: DecimalText = Field(description="cash to move, in the ad accounts' currency")
    note: str = Field("", max_length=2000)


class TransferRetry(BaseModel):
    """The automatic retry of a transfer's failed leg (the same request_id each round)."""

    round: int = Field(description="the round due next, or the last one run")
    rounds: int = Field(description="rounds at most; after them, Retry by hand")
    status: str = Field(description="queued, running, done, dead or cancelled")
    next_at: datetime | None = Field(description="when the next round runs, while queued")
    last_error: str


class TransferRead(BaseModel):
    id: int
    bc_id: str
    from_ad_account_id: int
    to_ad_account_id: int
    currency: str
    amount_minor: int
    status: str = Field(description="pending, out_done, done or failed")
    legs: list[dict[str, Any]]
    error: str
    auto_retry: TransferRetry | None = Field(
        None,
        description="the job that sends again what a failed leg or a stopped process left "
        "(a no-op once the transfer is done); null when there is none",
    )
    note: str
    created_by: str
    created_at: datetime


class TransferPage(Page[TransferRead]):
    pass
