"""Allocate synced campaigns and audiences to a client account's advertiser (seed E, F).

Flow: choose the ad account -> one client account allocated to it -> one advertiser of that
client account using the ad account -> tick campaigns. A campaign belongs to at most one
(client account, advertiser) — a unique key makes that hold under races — and allocated
campaigns leave the candidates. Deallocation only while the campaign is not initialized.
"""

from __future__ import annotations

from dataclasses import dataclass

from promodesk.accounts.domain import (
    Refusal,
    check_allocatable,
    check_campaign_allocate,
    check_campaign_deallocate,
)
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import clients
from promodesk.audit.service import record
from promodesk.campaigns.repository.campaigns import CampaignsRepository
from promodesk.kit.db import IntegrityViolation, UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.models import (
    AudienceAllocation,
    CampaignAllocation,
    ClientAccount,
    ClientAdvertiser,
    TikTokAdAccount,
)

MAX_BATCH = 500


def _pair(
    uow: UnitOfWork, workspace_id: int, ad_account_id: int, client_id: int, advertiser_id: int
) -> bool:
    """Check the chosen advertiser is of the client account; True if it uses the ad account."""
    client = clients.get_client(uow, workspace_id, client_id)
    advertiser = clients.get_advertiser(uow, workspace_id, advertiser_id)
    check_allocatable(client.status, advertiser.status, advertiser.client_account_id == client.id)
    accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id)
    try:
        accounts_alloc.find_allocation(uow, workspace_id, ad_account_id, advertiser_id)
    except NotFound:
        return False
    return True


def _ids(ids: list[int], field: str) -> list[int]:
    unique = list(dict.fromkeys(ids))
    if not 1 <= len(unique) <= MAX_BATCH:
        raise ValidationFailed(f"give 1 to {MAX_BATCH} ids", field=field)
    return unique


def allocate_campaigns(
    uow: UnitOfWork,
    workspace_id: int,
    ad_account_id: int,
    *,
    client_account_id: int,
    advertiser_id: int,
    campaign_ids: list[int],
    actor: str = "system",
) -> list[CampaignAllocation]:
    """All or nothing: any refusal names the campaign and writes nothing."""
    pair_ok = _pair(uow, workspace_id, ad_account_id, client_account_id, advertiser_id)
    repo = CampaignsRepository(uow)
    made: list[CampaignAllocation] = []
    for row_id in _ids(campaign_ids, "campaign_ids"):
        campaign = repo.get(workspace_id, row_id)
        if campaign is None or campaign.ad_account_id != ad_account_id:
            raise NotFound(f"campaign {row_id} not found in that ad account", field="campaign_ids")
        try:
            check_campaign_allocate(repo.allocation_of_campaign(row_id) is not None, pair_ok)
        except Refusal as refusal:
            refusal.extra["campaign_id"] = row_id
            raise
        alloc = CampaignAllocation(
            workspace_id=workspace_id,
            campaign_row_id=row_id,
            ad_account_id=ad_account_id,
            client_account_id=client_account_id,
            advertiser_id=advertiser_id,
            initialized=False,
        )
        try:
            with uow.savepoint():
                repo.add_allocation(alloc)
        except IntegrityViolation:
            raise Refusal(
                "campaign_allocated", "the campaign is already allocated", campaign_id=row_id
            ) from None
        made.append(alloc)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="campaign.allocate",
        object_type="ad_account",
        object_id=ad_account_id,
        after={"advertiser_id": advertiser_id, "campaigns": [a.campaign_row_id for a in made]},
    )
    return made


def deallocate_campaign(
    uow: UnitOfWork, workspace_id: int, allocation_id: int, *, actor: str = "system"
) -> None:
    repo = CampaignsRepository(uow)
    alloc = repo.campaign_allocation(workspace_id, allocation_id)
    if alloc is None:
        raise NotFound(f"campaign allocation {allocation_id} not found")
    check_campaign_deallocate(alloc.initialized)
    before = {"campaign_row_id": alloc.campaign_row_id, "advertiser_id": alloc.advertiser_id}
    repo.delete(alloc)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="campaign.deallocate",
        object_type="campaign_allocation",
        object_id=allocation_id,
        before=before,
    )


def mark_initialized(uow: UnitOfWork, workspace_id: int, campaign_row_id: int) -> bool:
    """promodesk changed the campaign's budget or status, or reserved budget for it: from now
    on it cannot be deallocated. False when the campaign is not allocated."""
    repo = CampaignsRepository(uow)
    if repo.get(workspace_id, campaign_row_id) is None:
        raise NotFound(f"campaign {campaign_row_id} not found")
    return repo.set_initialized(campaign_row_id) > 0


def allocate_audiences(
    uow: UnitOfWork,
    workspace_id: int,
    ad_account_id: int,
    *,
    client_account_id: int,
    advertiser_id: int,
    audience_ids: list[int],
    actor: str = "system",
) -> list[AudienceAllocation]:
    """An audience may serve several advertisers; allocating twice is a no-op."""
    if not _pair(uow, workspace_id, ad_account_id, client_account_id, advertiser_id):
        raise Refusal(
            "ad_account_not_allocated", "the ad account is not allocated to that advertiser"
        )
    repo = CampaignsRepository(uow)
    made: list[AudienceAllocation] = []
    for row_id in _ids(audience_ids, "audience_ids"):
        audience = repo.audience(workspace_id, row_id)
        if audience is None or audience.ad_account_id != ad_account_id:
            raise NotFound(f"audience {row_id} not found in that ad account", field="audience_ids")
        existing = repo.audience_allocation_for(row_id, advertiser_id)
        if existing is not None:
            made.append(existing)
            continue
        alloc = AudienceAllocation(
            workspace_id=workspace_id,
            audience_row_id=row_id,
            client_account_id=client_account_id,
            advertiser_id=advertiser_id,
        )
        try:
            with uow.savepoint():
                repo.add_allocation(alloc)
        except IntegrityViolation:
            continue  # a concurrent request allocated it: the outcome is the same
        made.append(alloc)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="audience.allocate",
        object_type="ad_account",
        object_id=ad_account_id,
        after={"advertiser_id": advertiser_id, "audiences": [a.audience_row_id for a in made]},
    )
    return made


def deallocate_audience(
    uow: UnitOfWork, workspace_id: int, allocation_id: int, *, actor: str = "system"
) -> None:
    repo = CampaignsRepository(uow)
    alloc = repo.audience_allocation(workspace_id, allocation_id)
    if alloc is None:
        raise NotFound(f"audience allocation {allocation_id} not found")
    before = {"audience_row_id": alloc.audience_row_id, "advertiser_id": alloc.advertiser_id}
    repo.delete(alloc)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="audience.deallocate",
        object_type="audience_allocation",
        object_id=allocation_id,
        before=before,
    )


@dataclass(frozen=True, slots=True)
class Deallocation:
    """What deallocating a campaign or an audience would do, or the ``Refusal`` it would meet
    (the same rule as the deallocation itself), for a confirmation page."""

    allocation_id: int
    row_id: int  # the campaign's or the audience's
    name: str
    tiktok_id: str  # TikTok's campaign_id or audience_id
    ad_account: TikTokAdAccount
    client: ClientAccount
    advertiser: ClientAdvertiser
    refusal: Refusal | None = None


def _deallocation(
    uow: UnitOfWork,
    workspace_id: int,
    allocation_id: int,
    row: tuple[int, str, str, int],
    client_id: int,
    advertiser_id: int,
    refusal: Refusal | None,
) -> Deallocation:
    row_id, name, tiktok_id, ad_account_id = row
    return Deallocation(
        allocation_id=allocation_id,
        row_id=row_id,
        name=name,
        tiktok_id=tiktok_id,
        ad_account=accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id),
        client=clients.get_client(uow, workspace_id, client_id),
        advertiser=clients.get_advertiser(uow, workspace_id, advertiser_id),
        refusal=refusal,
    )


def campaign_deallocation_preview(
    uow: UnitOfWork, workspace_id: int, allocation_id: int
) -> Deallocation:
    repo = CampaignsRepository(uow)
    alloc = repo.campaign_allocation(workspace_id, allocation_id)
    campaign = repo.get(workspace_id, alloc.campaign_row_id) if alloc else None
    if alloc is None or campaign is None:
        raise NotFound(f"campaign allocation {allocation_id} not found")
    refusal: Refusal | None = None
    try:
        check_campaign_deallocate(alloc.initialized)
    except Refusal as exc:
        refusal = exc
    row = (campaign.id, campaign.name, campaign.campaign_id, campaign.ad_account_id)
    return _deallocation(
        uow, workspace_id, alloc.id, row, alloc.client_account_id, alloc.advertiser_id, refusal
    )


def audience_deallocation_preview(
    uow: UnitOfWork, workspace_id: int, allocation_id: int
) -> Deallocation:
    repo = CampaignsRepository(uow)
    alloc = repo.audience_allocation(workspace_id, allocation_id)
    audience = repo.audience(workspace_id, alloc.audience_row_id) if alloc else None
    if alloc is None or audience is None:
        raise NotFound(f"audience allocation {allocation_id} not found")
    row = (audience.id, audience.name, audience.audience_id, audience.ad_account_id)
    return _deallocation(
        uow, workspace_id, alloc.id, row, alloc.client_account_id, alloc.advertiser_id, None
    )
