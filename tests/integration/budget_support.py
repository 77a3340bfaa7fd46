"""Shared by the budget and reallocation tests: an imported ad account with two campaigns
allocated to one client advertiser, and money in that advertiser's freed-budget pool."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from promodesk.accounts import settings as accounts_settings
from promodesk.accounts.service import allocation as allocation_service
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.campaigns.service import freed
from promodesk.kit.db import Database
from promodesk.models import Workspace
from promodesk.sandbox import generate as gen
from promodesk.sandbox.config import DEFAULT_BC_ID
from tests.integration.accounts_factories import make_advertiser, make_client
from tests.integration.campaign_changes_support import ACCOUNT, imported, row
from tests.sandbox_support import SandboxHandle

BUDGETED = ("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL")


@dataclass
class Setup:
    workspace_id: int
    slug: str
    account_id: int
    client_id: int
    advertiser_id: int
    campaigns: list[int]  # mirror row ids, enabled, with a daily or lifetime budget
    tiktok_ids: list[str]
    pool: freed.Pool


def enabled_budgeted(sb: SandboxHandle, count: int) -> list[str]:
    world = sb.sandbox.world
    found: list[str] = []
    for index in range(world.size("campaign", ACCOUNT)):
        mode, _ = gen.campaign_budget(world.config.seed, ACCOUNT, index)
        if world.campaign_status(ACCOUNT, index) == "CAMPAIGN_STATUS_ENABLE" and mode in BUDGETED:
            found.append(gen.entity_id("campaign", ACCOUNT, index))
    assert len(found) >= count, found
    return found[:count]


def setup(
    db: Database,
    sb: SandboxHandle,
    *,
    pool_minor: int = 0,
    campaigns: int = 2,
    mode: str = "self",
    workspace: Workspace | None = None,
) -> Setup:
    s = imported(db, sb, workspace=workspace)
    ids = enabled_budgeted(sb, campaigns)
    rows = [row(db, s.account_id, cid).id for cid in ids]
    with db.transaction() as uow:
        client = make_client(uow, s.workspace_id)
        advertiser = make_advertiser(uow, s.workspace_id, client)
        allocation_service.allocate(
            uow,
            s.workspace_id,
            s.account_id,
            client_account_id=client,
            advertiser_id=advertiser,
            payment_mode=mode,
        )
        camp_alloc.allocate_campaigns(
            uow,
            s.workspace_id,
            s.account_id,
            client_account_id=client,
            advertiser_id=advertiser,
            campaign_ids=rows,
        )
        pool = freed.pool_of(advertiser, s.account_id, "USD")
        if pool_minor:
            freed.post_freed(uow, s.workspace_id, pool, pool_minor, "item:test-1", memo="test")
    return Setup(s.workspace_id, s.slug, s.account_id, client, advertiser, rows, ids, pool)


def sandbox_budget(sb: SandboxHandle, campaign_id: str) -> float:
    decoded = gen.decode_id("campaign", campaign_id)
    assert decoded is not None
    world = sb.sandbox.world
    change = world.changes.get(campaign_id, {})
    if "budget" in change:
        return float(change["budget"])
    return world.campaign_budget(*decoded)[1]


def delete_on_tiktok(sb: SandboxHandle, campaign_id: str) -> None:
    """Delete the campaign in the sandbox behind promodesk's back (the mirror still shows it)."""
    decoded = gen.decode_id("campaign", campaign_id)
    assert decoded is not None
    sb.sandbox.world.set_status("campaign", decoded[0], decoded[1], "DELETE")


@contextmanager
def business_center(monkeypatch: pytest.MonkeyPatch, bc_id: str = DEFAULT_BC_ID) -> Iterator[str]:
    monkeypatch.setenv("PROMODESK_ACCOUNTS_BUSINESS_CENTER_ID", bc_id)
    accounts_settings.reload()
    try:
        yield bc_id
    finally:
        monkeypatch.delenv("PROMODESK_ACCOUNTS_BUSINESS_CENTER_ID")
        accounts_settings.reload()
