"""Demo data of the retrospective: three past pauses of campaigns of the first demo ad account
(allocated to Bloom Skincare; campaigns the sandbox has paused), with reasons, notes, lessons,
action items and the budget they freed posted to the advertiser's pool, so that the month's
retrospective and the dashboard's card are not empty after ``make run``. Their spend before
and after comes from the report store once the report sync ran. Idempotent: nothing is
written when the workspace has a cancellation.

The campaigns come from the demo wiring (``promodesk.demo``): only the composition root knows
the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from promodesk.accounts.service import accounts, allocation
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.campaigns.service import freed
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.money import round_minor
from promodesk.models import CampaignCancellation, CampaignCancellationItem

ACTOR = "demo"
# (hours ago, reason, action, note, lessons, action items)
CASES: tuple[tuple[int, str, str, str, str, list[dict[str, Any]]], ...] = (
    (
        2,
        "poor_performance",
        "pause",
        "Cost per purchase twice the advertiser's average for a week.",
        "The audience was too broad for a purchase goal; pause earlier when cost per result "
        "stays above the average for three days.",
        [
            {"text": "Alert when cost per result is 50 % above average for 3 days",
             "owner": "Demo owner", "due": None, "done": False},
        ],
    ),
    (
        26,
        "budget",
        "pause",
        "Client moved the month's budget to the year-end sale.",
        "",
        [],
    ),
    (
        50,
        "creative_or_policy",
        "pause",
        "Creative rejected twice in review.",
        "Check claims in skincare copy against the ad policy before upload.",
        [
            {"text": "Policy checklist for skincare creatives", "owner": "Demo owner",
             "due": None, "done": True},
        ],
    ),
)  # fmt: skip

# Given a TikTok advertiser id and a count: that many of its campaigns as
# ``{"campaign_id", "name", "budget_mode", "budget"}`` (budget in major units, a string).
DemoCampaigns = Callable[[str, int], list[dict[str, Any]]]


def seed_cancellations(uow: UnitOfWork, workspace_id: int, campaigns_of: DemoCampaigns) -> None:
    repo = RetrospectiveRepository(uow)
    if repo.any_cancellation(workspace_id):
        return
    listed = accounts.list_ad_accounts(uow, workspace_id, limit=1)
    if not listed:
        return
    account = listed[0]
    pairs = allocation.allocations_by_account(uow, workspace_id, [account["id"]])[account["id"]]
    pair = pairs[0] if pairs else None
    currency = str(account.get("currency") or "USD")
    now = clock.now()
    found = campaigns_of(str(account["advertiser_id"]), len(CASES))
    for (hours, reason, action, note, lessons, items), camp in zip(CASES, found, strict=False):
        at = now - timedelta(hours=hours)
        c = CampaignCancellation(
            workspace_id=workspace_id,
            action=action,
            reason_code=reason,
            note=note,
            status="done",
            created_by=ACTOR,
            finished_at=at,
            lessons=lessons,
            action_items=items,
        )
        c.created_at = at
        repo.add(c)
        budget = round_minor(Decimal(str(camp["budget"])), currency)
        spent = 0  # paused before it delivered: the whole budget is freed
        item = CampaignCancellationItem(
            cancellation_id=c.id,
            workspace_id=workspace_id,
            ad_account_id=account["id"],
            level="campaign",
            object_id=str(camp["campaign_id"]),
            row_id=0,
            campaign_id=str(camp["campaign_id"]),
            name=str(camp["name"]),
            client_account_id=pair["client_account_id"] if pair else None,
            advertiser_id=pair["advertiser_id"] if pair else None,
            currency=currency,
            budget_mode=str(camp["budget_mode"]),
            budget_minor=budget,
            spent_to_date_minor=spent,
            spent_today_minor=0,
            last_7_days_minor=0,
            freed_minor=budget - spent,
            status_before="ENABLE",
            status="done",
            stopped_at=at,
            snapshot={},
            verify_status="verified",
            verify_detail={},
            verified_at=at + timedelta(minutes=15),
        )
        repo.add(item)
        pool = freed.pool_of(
            int(str(pair["advertiser_id"])) if pair else None, account["id"], currency
        )
        freed.post_freed(uow, workspace_id, pool, item.freed_minor, f"item:{item.id}", memo="demo")
