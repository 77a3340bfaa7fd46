"""Reallocations as the API, the console and the CLI show them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from promodesk.campaigns.repository.reallocations import ReallocationsRepository
from promodesk.campaigns.service import freed
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import CampaignReallocation, CampaignReallocationItem


def row(uow: UnitOfWork, workspace_id: int, reallocation_id: int) -> CampaignReallocation:
    """The reallocation of this workspace; ``NotFound`` otherwise."""
    found = ReallocationsRepository(uow).get(workspace_id, reallocation_id)
    if found is None:
        raise NotFound(f"reallocation {reallocation_id} not found")
    return found


def pool_of(realloc: CampaignReallocation) -> freed.Pool:
    """The pool the reallocation took its money from."""
    return freed.Pool(realloc.advertiser_id, realloc.ad_account_id, realloc.currency)


def view(uow: UnitOfWork, workspace_id: int, reallocation_id: int) -> dict[str, Any]:
    realloc = row(uow, workspace_id, reallocation_id)
    return _view(realloc, ReallocationsRepository(uow).items(realloc.id))


def _view(
    realloc: CampaignReallocation, items: Sequence[CampaignReallocationItem] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": realloc.id,
        "pool": freed.key_of(pool_of(realloc)),
        "advertiser_id": realloc.advertiser_id,
        "ad_account_id": realloc.ad_account_id,
        "currency": realloc.currency,
        "total_minor": realloc.total_minor,
        "returned_minor": realloc.returned_minor,
        "used_minor": realloc.total_minor - realloc.returned_minor,
        "status": realloc.status,
        "note": realloc.note,
        "created_by": realloc.created_by,
        "created_at": realloc.created_at,
        "finished_at": realloc.finished_at,
    }
    if items is not None:
        out["items"] = [
            {
                "id": i.id,
                "campaign_id": i.campaign_row_id,
                "tiktok_campaign_id": i.campaign_id,
                "ad_account_id": i.ad_account_id,
                "name": i.name,
                "budget_mode": i.budget_mode,
                "amount_minor": i.amount_minor,
                "before_minor": i.before_minor,
                "after_minor": i.after_minor,
                "status": i.status,
                "error": i.error,
                "read_back_minor": i.read_back_minor,
                "verified": i.verified,
                "returned": i.returned,
                "finished_at": i.finished_at,
            }
            for i in items
        ]
    return out


def reallocation_page(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    pool: freed.Pool | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Newest first, without items; ``limit + 1`` rows tell whether there is a next page."""
    rows = ReallocationsRepository(uow).page(
        workspace_id,
        before_id=before_id,
        limit=limit,
        pool_code=None if pool is None else pool.code,
    )
    return [_view(r, None) for r in rows]
