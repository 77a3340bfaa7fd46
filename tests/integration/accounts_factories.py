"""Factories for accounts tests: plain functions with keyword defaults."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from promodesk.accounts.domain import AccountRequestInput
from promodesk.accounts.service import allocation, clients
from promodesk.accounts.service import requests as requests_service
from promodesk.campaigns.repository.reports import ReportSyncRepository
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.kit.db import UnitOfWork
from promodesk.kit.vault import vault
from promodesk.models import (
    TikTokAdAccount,
    TikTokAudience,
    TikTokAuthorization,
    TikTokCampaign,
    TikTokReportRow,
    TikTokSyncRun,
)


def make_grant(
    uow: UnitOfWork, workspace_id: int, value: str = "grant-1", status: str = "active"
) -> int:
    row = TikTokAuthorization(
        workspace_id=workspace_id,
        app_id="app",
        access_token_enc=vault().encrypt(value),
        token_fingerprint=uuid.uuid4().hex,
        scopes=[],
        advertiser_ids=[],
        status=status,
    )
    uow.session.add(row)
    uow.flush()
    return row.id


def make_ad_account(
    uow: UnitOfWork, workspace_id: int, grant_id: int | None = None, **kw: object
) -> int:
    row = TikTokAdAccount(
        workspace_id=workspace_id,
        advertiser_id=str(kw.pop("advertiser_id", 7_000_000_000 + uuid.uuid4().int % 10**9)),
        name=str(kw.pop("name", "Ad account")),
        currency="USD",
        timezone="Asia/Singapore",
        status="STATUS_ENABLE",
        authorization_id=grant_id,
        raw={},
    )
    uow.session.add(row)
    uow.flush()
    return row.id


def make_client(uow: UnitOfWork, workspace_id: int, name: str | None = None) -> int:
    return clients.create_client(uow, workspace_id, name or f"Client {uuid.uuid4().hex[:6]}").id


def make_advertiser(
    uow: UnitOfWork, workspace_id: int, client_id: int, name: str | None = None
) -> int:
    return clients.create_advertiser(
        uow, workspace_id, client_id, name or f"Brand {uuid.uuid4().hex[:6]}"
    ).id


def make_campaign(uow: UnitOfWork, workspace_id: int, ad_account_id: int, **kw: object) -> int:
    row = TikTokCampaign(
        workspace_id=workspace_id,
        ad_account_id=ad_account_id,
        campaign_id=str(kw.pop("campaign_id", 1_800_000_000 + uuid.uuid4().int % 10**9)),
        name=str(kw.pop("name", "Campaign")),
        deleted=bool(kw.pop("deleted", False)),
        raw={},
    )
    uow.session.add(row)
    uow.flush()
    return row.id


def make_report_rows(
    uow: UnitOfWork,
    workspace_id: int,
    ad_account_id: int,
    object_id: str,
    spend_by_time: dict[str, int],
    *,
    level: str = "campaign",
    grain: str = "day",
    campaign_id: str | None = None,
    currency: str = "USD",
    time_zone: str = "Asia/Singapore",
    final: bool = False,
) -> None:
    """Report rows of one object: ``spend_by_time`` maps a stat time (``YYYY-MM-DD`` or
    ``YYYY-MM-DD HH:00:00``) to spend in minor units; the other metrics follow from it
    (impressions 100 per minor unit, clicks 1 per 100 impressions, a conversion per 10 clicks)."""
    for stat_time, spend in spend_by_time.items():
        impressions = spend * 100
        clicks = impressions // 100
        uow.session.add(
            TikTokReportRow(
                workspace_id=workspace_id,
                ad_account_id=ad_account_id,
                level=level,
                grain=grain,
                object_id=object_id,
                campaign_id=campaign_id if campaign_id is not None else object_id,
                stat_time=stat_time,
                time_zone=time_zone,
                currency=currency,
                spend_minor=spend,
                impressions=impressions,
                clicks=clicks,
                conversions=clicks // 10,
                video_views=impressions // 4,
                reach=impressions // 2,
                final=final,
            )
        )
    uow.flush()
    if grain == "day":  # what the report sync keeps beside its rows
        ReportSyncRepository(uow).refresh_totals([(ad_account_id, level, object_id)])


# cross-tenant factories (tests/reliability/test_cross_tenant.py) --------------------------------


def _workspace_id(workspace: Any) -> int:
    return int(workspace.id)


def _ad_account(uow: UnitOfWork, workspace: Any) -> int:
    return make_ad_account(uow, _workspace_id(workspace))


def _client(uow: UnitOfWork, workspace: Any) -> int:
    return make_client(uow, _workspace_id(workspace))


def _advertiser(uow: UnitOfWork, workspace: Any) -> int:
    return make_advertiser(uow, _workspace_id(workspace), _client(uow, workspace))


def _pair(uow: UnitOfWork, workspace: Any) -> tuple[int, int, int]:
    account = _ad_account(uow, workspace)
    client = _client(uow, workspace)
    advertiser = make_advertiser(uow, _workspace_id(workspace), client)
    allocation.allocate(
        uow, _workspace_id(workspace), account, client_account_id=client, advertiser_id=advertiser
    )
    return account, client, advertiser


def _allocation(uow: UnitOfWork, workspace: Any) -> int:
    account, _, advertiser = _pair(uow, workspace)
    return allocation.find_allocation(uow, _workspace_id(workspace), account, advertiser).id


def _goal(uow: UnitOfWork, workspace: Any) -> int:
    account, _, advertiser = _pair(uow, workspace)
    return clients.create_goal(uow, _workspace_id(workspace), advertiser, account, "Purchases").id


def _tag(uow: UnitOfWork, workspace: Any) -> int:
    account, _, advertiser = _pair(uow, workspace)
    return clients.create_tag(uow, _workspace_id(workspace), advertiser, account, "Visitors").id


def _campaign(uow: UnitOfWork, workspace: Any) -> int:
    return make_campaign(uow, _workspace_id(workspace), _ad_account(uow, workspace))


def _campaign_allocation(uow: UnitOfWork, workspace: Any) -> int:
    account, client, advertiser = _pair(uow, workspace)
    row = make_campaign(uow, _workspace_id(workspace), account)
    made = camp_alloc.allocate_campaigns(
        uow,
        _workspace_id(workspace),
        account,
        client_account_id=client,
        advertiser_id=advertiser,
        campaign_ids=[row],
    )
    return made[0].id


def _audience_allocation(uow: UnitOfWork, workspace: Any) -> int:
    account, client, advertiser = _pair(uow, workspace)
    audience = TikTokAudience(
        workspace_id=_workspace_id(workspace),
        ad_account_id=account,
        audience_id=uuid.uuid4().hex[:12],
        raw={},
    )
    uow.session.add(audience)
    uow.flush()
    made = camp_alloc.allocate_audiences(
        uow,
        _workspace_id(workspace),
        account,
        client_account_id=client,
        advertiser_id=advertiser,
        audience_ids=[audience.id],
    )
    return made[0].id


def _run(uow: UnitOfWork, workspace: Any) -> int:
    run = TikTokSyncRun(
        workspace_id=_workspace_id(workspace),
        ad_account_id=_ad_account(uow, workspace),
        scope="account",
        status="succeeded",
        cursor={},
        counts={},
        errors=[],
    )
    uow.session.add(run)
    uow.flush()
    return run.id


def _request(uow: UnitOfWork, workspace: Any) -> int:
    data = AccountRequestInput("New shop", "Retail", "SG", "USD", "Asia/Singapore")
    return requests_service.submit(uow, _workspace_id(workspace), data).id


ACCOUNTS_FACTORIES: dict[str, Callable[[UnitOfWork, Any], int]] = {
    "ad_account_id": _ad_account,
    "allocation_id": _allocation,
    "client_account_id": _client,
    "advertiser_id": _advertiser,
    "run_id": _run,
    "goal_id": _goal,
    "tag_id": _tag,
    "request_id": _request,
    "campaign_id": _campaign,
    "campaign_allocation_id": _campaign_allocation,
    "audience_allocation_id": _audience_allocation,
}
_V = "/api/v1"
# Valid bodies of id routes, so that a call gets past validation to the lookup.
ACCOUNTS_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", f"{_V}/client-accounts/{{client_account_id}}/default"): {"ad_account_id": 1},
    ("POST", f"{_V}/client-accounts/{{client_account_id}}/advertisers"): {"name": "Brand X"},
    ("POST", f"{_V}/advertisers/{{advertiser_id}}/conversion-goals"): {
        "ad_account_id": 1,
        "name": "Goal",
    },
    ("POST", f"{_V}/advertisers/{{advertiser_id}}/remarketing-tags"): {
        "ad_account_id": 1,
        "name": "Tag",
    },
    ("POST", f"{_V}/tiktok/account-requests/{{request_id}}/fulfil"): {"authorization_id": 1},
}


# cancellations (the cross-tenant test reaches every /api/v1/cancellations/{id} route) ----------


def make_failed_cancellation(uow: UnitOfWork, workspace_id: int, **kw: Any) -> tuple[int, int]:
    """A finished pause of two campaigns, one stopped and one failed (its page shows Retry and
    Switch on again): (cancellation id, id of the stopped item)."""
    from promodesk.models import CampaignCancellation, CampaignCancellationItem

    ad_account_id = int(kw.pop("ad_account_id", 0)) or make_ad_account(uow, workspace_id)
    campaign_row = make_campaign(uow, workspace_id, ad_account_id)
    row = CampaignCancellation(
        workspace_id=workspace_id,
        action=str(kw.pop("action", "pause")),
        reason_code=str(kw.pop("reason_code", "budget")),
        note="",
        status=str(kw.pop("status", "partial")),
        created_by="factory",
        action_items=[],
    )
    uow.session.add(row)
    uow.flush()
    item = CampaignCancellationItem(
        cancellation_id=row.id,
        workspace_id=workspace_id,
        ad_account_id=ad_account_id,
        level="campaign",
        object_id="1800000000001",
        row_id=campaign_row,
        currency="USD",
        status="done",
        snapshot={},
        verify_detail={},
    )
    failed = CampaignCancellationItem(
        cancellation_id=row.id,
        workspace_id=workspace_id,
        ad_account_id=ad_account_id,
        level="campaign",
        object_id="1800000000002",
        row_id=campaign_row,
        currency="USD",
        status="failed",
        error="TikTok refused: campaign_id 1800000000002 does not exist.",
        snapshot={},
        verify_detail={},
    )
    uow.session.add_all([item, failed])
    uow.flush()
    return row.id, item.id


_CANCELLATIONS: dict[tuple[str, int], tuple[int, int]] = {}


def _cancellation_pair(uow: UnitOfWork, workspace: Any) -> tuple[int, int]:
    """One cancellation per workspace (and database), so that the item is of the
    cancellation in the same route."""
    key = (str(uow.session.get_bind().url), _workspace_id(workspace))
    if key not in _CANCELLATIONS:
        _CANCELLATIONS[key] = make_failed_cancellation(uow, key[1])
    return _CANCELLATIONS[key]


ACCOUNTS_FACTORIES["cancellation_id"] = lambda uow, ws: _cancellation_pair(uow, ws)[0]
ACCOUNTS_FACTORIES["item_id"] = lambda uow, ws: _cancellation_pair(uow, ws)[1]
ACCOUNTS_BODIES[("POST", f"{_V}/cancellations/preview")] = {"ids": [1]}

# cancellations (monitoring and retrospective tests) ---------------------------------------------


def make_cancellation(
    uow: UnitOfWork,
    workspace_id: int,
    items: list[dict[str, Any]],
    *,
    reason_code: str = "poor_performance",
    action: str = "pause",
    note: str = "",
    status: str = "done",
    created_at: datetime | None = None,
    created_by: str = "user:1",
) -> int:
    """A cancellation with its items, written directly. Each item names at least
    ``ad_account_id`` and ``object_id``; the others have defaults (a campaign, done, USD)."""
    from promodesk.models import CampaignCancellation, CampaignCancellationItem

    row = CampaignCancellation(
        workspace_id=workspace_id,
        action=action,
        reason_code=reason_code,
        note=note,
        status=status,
        created_by=created_by,
        lessons="",
        action_items=[],
    )
    if created_at is not None:
        row.created_at = created_at
    uow.session.add(row)
    uow.flush()
    for item in items:
        values: dict[str, Any] = {
            "level": "campaign",
            "row_id": 0,
            "campaign_id": item.get("object_id", ""),
            "name": "Campaign",
            "currency": "USD",
            "budget_mode": "BUDGET_MODE_DAY",
            "status": "done",
            "status_before": "ENABLE",
            "snapshot": {},
            "verify_detail": {},
            **item,
        }
        uow.session.add(
            CampaignCancellationItem(cancellation_id=row.id, workspace_id=workspace_id, **values)
        )
    uow.flush()
    return row.id


# Reallocations of freed budget and Business Center transfers (the API's id routes) ---------


def make_reallocation(uow: UnitOfWork, workspace_id: int, **kw: object) -> int:
    """A reallocation of 10.00 USD from an ad account's pool (20.00 freed) to one of its
    campaigns, still waiting for TikTok (``status`` reserved, its item pending): the Budget
    page offers "Reallocate…" for the 10.00 left, the reallocation's page "Retry"."""
    from promodesk.campaigns.service import freed
    from promodesk.models import CampaignReallocation, CampaignReallocationItem

    account = make_ad_account(uow, workspace_id)
    campaign = make_campaign(uow, workspace_id, account, name="Budgeted campaign")
    row = uow.session.get(TikTokCampaign, campaign)
    assert row is not None
    row.budget_mode, row.budget_minor, row.operation_status = "BUDGET_MODE_DAY", 100_00, "ENABLE"
    pool = freed.pool_of(None, account, "USD")
    freed.post_freed(uow, workspace_id, pool, 20_00, f"item:factory-{account}")
    realloc = CampaignReallocation(
        workspace_id=workspace_id,
        pool_code=pool.code,
        advertiser_id=None,
        ad_account_id=account,
        currency="USD",
        total_minor=10_00,
        returned_minor=0,
        status=str(kw.pop("status", "reserved")),
        created_by="test",
    )
    uow.session.add(realloc)
    uow.flush()
    freed.use(uow, workspace_id, pool, 10_00, f"realloc:{realloc.id}")
    uow.session.add(
        CampaignReallocationItem(
            reallocation_id=realloc.id,
            workspace_id=workspace_id,
            ad_account_id=account,
            campaign_row_id=campaign,
            campaign_id=row.campaign_id,
            name=row.name,
            budget_mode="BUDGET_MODE_DAY",
            amount_minor=10_00,
            before_minor=100_00,
            after_minor=110_00,
            status="pending",
        )
    )
    uow.flush()
    return realloc.id


# ``cancellation_id`` and ``item_id`` above name one cancellation and its item.
ACCOUNTS_BODIES[("PUT", f"{_V}/cancellations/{{cancellation_id}}/lessons")] = {"lessons": "x"}
ACCOUNTS_BODIES[("POST", f"{_V}/cancellations/{{cancellation_id}}/action-items")] = {"text": "x"}


def make_budget_transfer(uow: UnitOfWork, workspace_id: int, **kw: object) -> int:
    from promodesk.models import BudgetTransfer

    first, second = make_ad_account(uow, workspace_id), make_ad_account(uow, workspace_id)
    row = BudgetTransfer(
        workspace_id=workspace_id,
        bc_id="7200000000000000001",
        from_ad_account_id=first,
        to_ad_account_id=second,
        currency="USD",
        amount_minor=int(str(kw.pop("amount_minor", 25_00))),
        status=str(kw.pop("status", "pending")),
        legs=[],
        created_by="test",
    )
    uow.session.add(row)
    uow.flush()
    return row.id


ACCOUNTS_FACTORIES.update(
    {
        "reallocation_id": lambda uow, ws: make_reallocation(uow, _workspace_id(ws)),
        "transfer_id": lambda uow, ws: make_budget_transfer(uow, _workspace_id(ws)),
    }
)
