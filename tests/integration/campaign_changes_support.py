"""Shared by the campaign change tests: a sandbox, an imported and synced ad account, campaigns
picked by their state in the sandbox, an allocation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from promodesk.accounts.service import allocation as allocation_service
from promodesk.accounts.service import imports
from promodesk.accounts.service import sync as sync_service
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.kit.db import Database
from promodesk.models import TikTokAdGroup, TikTokCampaign, Workspace
from promodesk.sandbox import generate as gen
from tests.conftest import make_workspace
from tests.integration.accounts_factories import make_advertiser, make_client
from tests.sandbox_support import SandboxHandle, running_sandbox

ACCOUNT = 0  # the sandbox's first ad account: USD, minimum budget 50


@contextmanager
def fresh_sandbox() -> Iterator[SandboxHandle]:
    """A small sandbox; use one per test, so that status changes and deletions do not leak."""
    with running_sandbox(
        accounts=1,
        campaigns=16,
        adgroups=24,
        ads=32,
        audiences=1,
        deleted_percent=25,
        rate_limit=False,
    ) as handle:
        yield handle


@dataclass
class Synced:
    workspace_id: int
    slug: str
    account_id: int  # promodesk's row id of the ad account


def sync(db: Database, workspace_id: int, account_id: int) -> None:
    with db.transaction() as uow:
        run_id = sync_service.start(uow, workspace_id, account_id, "campaigns").id
    while True:
        with db.transaction() as uow:
            if sync_service.step(uow, run_id, max_pages=20):
                break
    with db.transaction() as uow:
        run = sync_service.get_run(uow, workspace_id, run_id)
        assert run.status == "succeeded", run.errors


def imported(
    db: Database, sb: SandboxHandle, token: str | None = None, workspace: Workspace | None = None
) -> Synced:
    """Import the sandbox's ad account into ``workspace`` (default: a new one) and sync its
    campaigns."""
    workspace = workspace or make_workspace(db)
    with db.transaction() as uow:
        result = imports.import_token(
            uow, workspace.id, token or sb.access_token(), sb.advertiser_ids
        )
        account_id = result.accounts[0].id
    sync(db, workspace.id, account_id)
    return Synced(workspace.id, workspace.slug, account_id)


def pick(
    sb: SandboxHandle,
    *,
    deleted: bool = False,
    modes: tuple[str, ...] = (),
    delivering_groups: bool = False,
) -> str:
    """A campaign id of the sandbox's account in the asked state (enabled unless ``deleted``;
    with ``delivering_groups``, one with an ad group delivering)."""
    world = sb.sandbox.world
    delivering = {
        world.campaign_of(ACCOUNT, g)
        for g in range(world.size("adgroup", ACCOUNT))
        if world.adgroup_status(ACCOUNT, g) == "ADGROUP_STATUS_DELIVERY_OK"
    }
    for index in range(world.size("campaign", ACCOUNT)):
        status = world.campaign_status(ACCOUNT, index)
        mode, _ = gen.campaign_budget(world.config.seed, ACCOUNT, index)
        wanted = "CAMPAIGN_STATUS_DELETE" if deleted else "CAMPAIGN_STATUS_ENABLE"
        if (
            status == wanted
            and (not modes or mode in modes)
            and (not delivering_groups or index in delivering)
        ):
            return gen.entity_id("campaign", ACCOUNT, index)
    raise AssertionError(f"no campaign with deleted={deleted} modes={modes} in the sandbox")


def sandbox_status(sb: SandboxHandle, campaign_id: str) -> str:
    decoded = gen.decode_id("campaign", campaign_id)
    assert decoded is not None
    return sb.sandbox.world.campaign_status(*decoded)


def row(db: Database, account_id: int, campaign_id: str) -> TikTokCampaign:
    with db.transaction() as uow:
        found = uow.session.scalars(
            select(TikTokCampaign).where(
                TikTokCampaign.ad_account_id == account_id,
                TikTokCampaign.campaign_id == campaign_id,
            )
        ).one()
        uow.session.expunge(found)
        return found


def ad_group_statuses(db: Database, account_id: int, campaign_id: str) -> set[str]:
    with db.transaction() as uow:
        return set(
            uow.session.scalars(
                select(TikTokAdGroup.secondary_status).where(
                    TikTokAdGroup.ad_account_id == account_id,
                    TikTokAdGroup.campaign_id == campaign_id,
                )
            )
        )


def allocate(db: Database, workspace_id: int, account_id: int, campaign_row_id: int) -> int:
    """Allocate the ad account and then the campaign to a new client's advertiser."""
    with db.transaction() as uow:
        client = make_client(uow, workspace_id)
        advertiser = make_advertiser(uow, workspace_id, client)
        allocation_service.allocate(
            uow, workspace_id, account_id, client_account_id=client, advertiser_id=advertiser
        )
        made = camp_alloc.allocate_campaigns(
            uow,
            workspace_id,
            account_id,
            client_account_id=client,
            advertiser_id=advertiser,
            campaign_ids=[campaign_row_id],
        )
        return made[0].id
