"""Campaigns (read side), campaign allocation, audiences and their allocation over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from promodesk.accounts.schemas import Deleted
from promodesk.campaigns.domain.reports import Level
from promodesk.campaigns.schemas.campaigns import (
    AllocatedIds,
    AudienceAllocate,
    AudiencePage,
    AudienceRead,
    BudgetChange,
    CampaignAllocate,
    CampaignDetail,
    CampaignPage,
    CampaignRead,
    ObjectPage,
    SpendRead,
    StatusChange,
)
from promodesk.campaigns.service import allocation, campaigns, changes, exports, lists
from promodesk.kit.pagination import MAX_ID, after, fetch, page
from promodesk.web import ApiRoute, Caller, Cursor, Limit, OptId, Uow, Writer, errors, state

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["tiktok campaigns"])


Search = Annotated[
    str | None,
    Query(max_length=500, description="part of the name (any case), or an exact id"),
]
StatusWord = Annotated[
    str | None, Query(max_length=50, description="active, paused, deleted or not_delivering")
]
SortWord = Annotated[
    str | None,
    Query(
        max_length=50,
        description="name, id, budget (not for ads), status, last_change, spend, impressions, "
        "clicks, ctr, cpc, cpm, conversions or cost_per_result; a leading - for descending",
    ),
]
RangeWord = Annotated[
    str | None,
    Query(
        max_length=50,
        description="the metric columns' days: today, yesterday, last_7_days (default), "
        "last_30_days, or custom with since and until (each ad account's local days)",
    ),
]
Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (range=custom)")]
ExportFormat = Annotated[
    str | None,
    Query(
        max_length=10,
        description="csv or xlsx: the whole list (every page, totals) as a file instead of a page",
    ),
]
FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
        },
        "description": "with format=csv|xlsx: the whole list as a file",
    }
}


def _file(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/campaigns", response_model=CampaignPage, responses=FILE)
def list_campaigns(
    uow: Uow,
    caller: Caller,
    ad_account_id: OptId = None,
    advertiser_id: OptId = None,
    candidates: bool = False,
    include_deleted: bool = True,
    search: Search = None,
    status: StatusWord = None,
    sort: SortWord = None,
    range: RangeWord = None,
    since: Day = None,
    until: Day = None,
    format: ExportFormat = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> CampaignPage | Response:
    """The campaign list with metric columns over ``range`` and the totals of the whole
    filtered list (per currency). ``candidates=true``: the campaigns of ``ad_account_id`` still
    free to allocate. ``format=csv|xlsx``: the whole list as a file. An unknown ``status``,
    ``sort``, ``range`` or ``format``, or a cursor of another sort or range, is a 422 naming
    it."""
    kw: dict[str, Any] = {
        "ad_account_id": ad_account_id,
        "advertiser_id": advertiser_id,
        "candidates_only": candidates,
        "include_deleted": include_deleted,
        "search": search,
        "status": status,
        "sort": sort,
        "range": range,
        "since": since,
        "until": until,
    }
    if format is not None:
        return _file(*exports.export(uow, caller.workspace_id, Level.CAMPAIGN, format, **kw))
    return CampaignPage(
        **lists.object_page(
            uow, caller.workspace_id, Level.CAMPAIGN, cursor=cursor, limit=limit, **kw
        )
    )


def _children(
    level: Level,
    uow: Uow,
    caller: Caller,
    kw: dict[str, Any],
    fmt: str | None,
    cursor: str | None,
    limit: int,
) -> ObjectPage | Response:
    if fmt is not None:
        return _file(*exports.export(uow, caller.workspace_id, level, fmt, **kw))
    return ObjectPage(
        **lists.object_page(uow, caller.workspace_id, level, cursor=cursor, limit=limit, **kw)
    )


def _child_filters(
    ad_account_id: OptId = None,
    advertiser_id: OptId = None,
    campaign_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="promodesk's id of the campaign")
    ] = None,
    include_deleted: bool = True,
    search: Search = None,
    status: StatusWord = None,
    sort: SortWord = None,
    range: RangeWord = None,
    since: Day = None,
    until: Day = None,
) -> dict[str, Any]:
    """The filters the ad group and ad lists share, as ``lists.object_page`` names them."""
    return {
        "ad_account_id": ad_account_id,
        "advertiser_id": advertiser_id,
        "campaign_row_id": campaign_id,
        "include_deleted": include_deleted,
        "search": search,
        "status": status,
        "sort": sort,
        "range": range,
        "since": since,
        "until": until,
    }


ChildFilters = Annotated[dict[str, Any], Depends(_child_filters)]
# The ids among the shared filters (``ad_account_id``, ``advertiser_id``, ``campaign_id``) may
# name nothing of the caller's: a 404 the routes declare themselves, since the statuses read
# from a route's signature do not look into its dependencies.
CHILD_RESPONSES = {**FILE, **errors(404)}


@router.get("/adgroups", response_model=ObjectPage, responses=CHILD_RESPONSES)
def list_adgroups(
    uow: Uow,
    caller: Caller,
    kw: ChildFilters,
    format: ExportFormat = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> ObjectPage | Response:
    """The ad group list: as the campaign list (``advertiser_id``: its campaign's allocation;
    ``campaign_id``: the ad groups of one campaign)."""
    return _children(Level.ADGROUP, uow, caller, kw, format, cursor, limit)


@router.get("/ads", response_model=ObjectPage, responses=CHILD_RESPONSES)
def list_ads(
    uow: Uow,
    caller: Caller,
    kw: ChildFilters,
    format: ExportFormat = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> ObjectPage | Response:
    """The ad list: as the ad group list (``budget`` is no sort of ads)."""
    return _children(Level.AD, uow, caller, kw, format, cursor, limit)


@router.get("/campaigns/{campaign_id}", response_model=CampaignDetail)
def get_campaign(
    campaign_id: int,
    uow: Uow,
    caller: Caller,
    chart: Annotated[
        str | None, Query(max_length=20, description="daily points: life (default) or last_30_days")
    ] = None,
) -> CampaignDetail:
    """Everything a review needs: budget and mode, schedule, spent to date and today, remaining
    budget, daily spend and conversions, ad groups and ads with their status words."""
    return CampaignDetail(
        **campaigns.campaign_detail(uow, caller.workspace_id, campaign_id, chart=chart)
    )


@router.get("/campaigns/{campaign_id}/spend", response_model=SpendRead)
def campaign_spend(campaign_id: int, uow: Uow, caller: Caller) -> SpendRead:
    """Lifetime spend from TikTok's report endpoint (``available=false`` if unreachable)."""
    return SpendRead(**campaigns.spend(uow, caller.workspace_id, campaign_id))


@router.post("/campaigns/{campaign_id}/status", response_model=CampaignRead)
def change_status(
    campaign_id: int, body: StatusChange, request: Request, uow: Uow, caller: Writer
) -> CampaignRead:
    """Switch the campaign on (ENABLE), pause it (DISABLE) or delete it (DELETE) on TikTok.

    The campaign becomes initialized (it stays allocated). 409 ``Refusal`` for a deleted or
    vanished campaign; 409 ``AuthorizationRevoked`` when TikTok revoked the token (import the
    ad account again); 409 ``TikTokRefused`` / ``TikTokUnavailable`` when TikTok says no or does
    not answer (nothing changed)."""
    uow.commit()  # the caller is known: no transaction stays open while TikTok answers
    changed = changes.change_status(
        state(request).db, caller.workspace_id, campaign_id, body.status, actor=caller.actor
    )
    return CampaignRead(**changed)


@router.post("/campaigns/{campaign_id}/budget", response_model=CampaignRead)
def change_budget(
    campaign_id: int, body: BudgetChange, request: Request, uow: Uow, caller: Writer
) -> CampaignRead:
    """Set a daily or lifetime budget on TikTok ("120.50", in the ad account's currency).

    422 for an amount that is not a positive decimal with at most the currency's decimals;
    409 ``Refusal`` (reason ``budget_unlimited``) for a campaign without a budget limit;
    409 ``BudgetConfirmationNeeded`` (with ``before_minor``, ``after_minor``, ``currency``,
    ``budget_mode``) for a raise above PROMODESK_ACCOUNTS_BUDGET_CONFIRM_FACTOR times the current
    budget without ``confirm: true``: nothing changes until the client confirms. Other errors
    as for the status."""
    uow.commit()  # the caller is known: no transaction stays open while TikTok answers
    changed = changes.change_budget(
        state(request).db,
        caller.workspace_id,
        campaign_id,
        body.budget,
        confirm=body.confirm,
        actor=caller.actor,
    )
    return CampaignRead(**changed)


@router.post("/campaign-allocations", response_model=AllocatedIds, status_code=201)
def allocate_campaigns(body: CampaignAllocate, uow: Uow, caller: Writer) -> AllocatedIds:
    """Tick campaigns of an ad account for one advertiser; all or nothing."""
    made = allocation.allocate_campaigns(
        uow,
        caller.workspace_id,
        body.ad_account_id,
        client_account_id=body.client_account_id,
        advertiser_id=body.advertiser_id,
        campaign_ids=body.campaign_ids,
        actor=caller.actor,
    )
    return AllocatedIds(allocation_ids=[a.id for a in made])


@router.delete("/campaign-allocations/{campaign_allocation_id}", response_model=Deleted)
def deallocate_campaign(campaign_allocation_id: int, uow: Uow, caller: Writer) -> Deleted:
    """409 ``Refusal`` (reason ``campaign_initialized``) once promodesk initialized it."""
    allocation.deallocate_campaign(
        uow, caller.workspace_id, campaign_allocation_id, actor=caller.actor
    )
    return Deleted(id=campaign_allocation_id)


@router.get("/ad-accounts/{ad_account_id}/audiences", response_model=AudiencePage)
def list_audiences(
    ad_account_id: int, uow: Uow, caller: Caller, limit: Limit = 100, cursor: Cursor = None
) -> AudiencePage:
    items = campaigns.list_audiences(
        uow, caller.workspace_id, ad_account_id, after_id=after(cursor) or 0, limit=fetch(limit)
    )
    return AudiencePage(**page([AudienceRead(**i) for i in items], limit))


@router.post("/audience-allocations", response_model=AllocatedIds, status_code=201)
def allocate_audiences(body: AudienceAllocate, uow: Uow, caller: Writer) -> AllocatedIds:
    """Allocate audiences of an ad account to an advertiser (several advertisers may share)."""
    made = allocation.allocate_audiences(
        uow,
        caller.workspace_id,
        body.ad_account_id,
        client_account_id=body.client_account_id,
        advertiser_id=body.advertiser_id,
        audience_ids=body.audience_ids,
        actor=caller.actor,
    )
    return AllocatedIds(allocation_ids=[a.id for a in made])


@router.delete("/audience-allocations/{audience_allocation_id}", response_model=Deleted)
def deallocate_audience(audience_allocation_id: int, uow: Uow, caller: Writer) -> Deleted:
    allocation.deallocate_audience(
        uow, caller.workspace_id, audience_allocation_id, actor=caller.actor
    )
    return Deleted(id=audience_allocation_id)
