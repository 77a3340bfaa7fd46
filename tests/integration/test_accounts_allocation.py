"""Allocation rules on both databases: every refusal with its reason, defaults, campaigns."""

from __future__ import annotations

import pytest

from promodesk.accounts.domain import Refusal
from promodesk.accounts.service import allocation as alloc
from promodesk.accounts.service import clients
from promodesk.campaigns.service import allocation as camp
from promodesk.campaigns.service import campaigns
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict, NotFound
from tests.conftest import make_workspace
from tests.integration.accounts_factories import (
    make_ad_account,
    make_advertiser,
    make_campaign,
    make_client,
    make_grant,
)


def _setup(db: Database) -> dict[str, int]:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        grant = make_grant(uow, workspace_id)
        ids = {
            "workspace_id": workspace_id,
            "a1": make_ad_account(uow, workspace_id, grant),
            "a2": make_ad_account(uow, workspace_id, grant),
            "client": make_client(uow, workspace_id),
        }
        ids["adv"] = make_advertiser(uow, workspace_id, ids["client"])
        ids["adv2"] = make_advertiser(uow, workspace_id, ids["client"])
    return ids


def _refusal(exc: pytest.ExceptionInfo[Refusal]) -> str:
    return exc.value.reason


def test_first_allocation_becomes_default_and_default_can_change(db: Database) -> None:
    ids = _setup(db)
    workspace_id = ids["workspace_id"]
    with db.transaction() as uow:
        alloc.allocate(
            uow,
            workspace_id,
            ids["a1"],
            client_account_id=ids["client"],
            advertiser_id=ids["adv"],
            payment_mode="agency",
        )
        alloc.allocate(
            uow, workspace_id, ids["a2"], client_account_id=ids["client"], advertiser_id=ids["adv"]
        )
        client = clients.get_client(uow, workspace_id, ids["client"])
        assert client.default_ad_account_id == ids["a1"]
        choice = alloc.default_choice(uow, workspace_id, ids["client"])
        assert {a.id for a in choice.candidates} == {ids["a1"], ids["a2"]}
        alloc.set_default(uow, workspace_id, ids["client"], ids["a2"])
        assert (
            clients.get_client(uow, workspace_id, ids["client"]).default_ad_account_id == ids["a2"]
        )


def test_same_ad_account_serves_several_advertisers(db: Database) -> None:
    ids = _setup(db)
    workspace_id = ids["workspace_id"]
    with db.transaction() as uow:
        alloc.allocate(
            uow, workspace_id, ids["a1"], client_account_id=ids["client"], advertiser_id=ids["adv"]
        )
        alloc.allocate(
            uow, workspace_id, ids["a1"], client_account_id=ids["client"], advertiser_id=ids["adv2"]
        )
        rows = alloc.allocations_by_account(uow, workspace_id, [ids["a1"]])[ids["a1"]]
        assert {r["advertiser_id"] for r in rows} == {ids["adv"], ids["adv2"]}
        # the default may go from one advertiser while another of the client still uses it
        first = alloc.find_allocation(uow, workspace_id, ids["a1"], ids["adv"])
        alloc.deallocate(uow, workspace_id, first.id)


def test_deallocating_default_requires_another_default(db: Database) -> None:
    ids = _setup(db)
    workspace_id = ids["workspace_id"]
    with db.transaction() as uow:
        first = alloc.allocate(
            uow, workspace_id, ids["a1"], client_account_id=ids["client"], advertiser_id=ids["adv"]
        )
        alloc.allocate(
            uow, workspace_id, ids["a2"], client_account_id=ids["client"], advertiser_id=ids["adv2"]
        )
        with pytest.raises(Refusal) as info:
            alloc.deallocate(uow, workspace_id, first.id)
        assert info.value.reason == "default_account"
        assert info.value.to_body()["candidates"] == [ids["a2"]]
        alloc.set_default(uow, workspace_id, ids["client"], ids["a2"])
        alloc.deallocate(uow, workspace_id, first.id)
        assert (
            clients.get_client(uow, workspace_id, ids["client"]).default_ad_account_id == ids["a2"]
        )


def test_last_allocation_clears_default(db: Database) -> None:
    ids = _setup(db)
    workspace_id = ids["workspace_id"]
    with db.transaction() as uow:
        only = alloc.allocate(
            uow, workspace_id, ids["a1"], client_account_id=ids["client"], advertiser_id=ids["adv"]
        )
        alloc.deallocate(uow, workspace_id, only.id)
        assert clients.get_client(uow, workspace_id, ids["client"]).default_ad_account_id is None


@pytest.mark.parametrize("what", ["campaign", "goal", "tag"])
def test_deallocation_refused_while_used(db: Database, what: str) -> None:
    ids = _setup(db)
    workspace_id = ids["workspace_id"]
    with db.transaction() as uow:
        pair = alloc.allocate(
            uow, workspace_id, ids["a2"], client_account_id=ids["client"], advertiser_id=ids["adv"]
        )
        alloc.allocate(
            uow, workspace_id, ids["a1"], client_account_id=ids["client"], advertiser_id=ids["adv2"]
        )
        alloc.set_default(uow, workspace_id, ids["client"], ids["a1"])
        if what == "campaign":
            row = make_campaign(uow, workspace_id, ids["a2"])
            camp.allocate_campaigns(
                uow,
                workspace_id,
                ids["a2"],
                client_account_id=ids["client"],
                advertiser_id=ids["adv"],
                campaign_ids=[row],
            )
            reason = "campaigns_allocated"
        elif what == "goal":
            clients.create_goal(uow, workspace_id, ids["adv"], ids["a2"], "Purchases")
            reason = "conversion_goals"
        else:
            clients.create_tag(uow, workspace_id, ids["adv"], ids["a2"], "Site visitors")
            reason = "remarketing_tags"
        with pytest.raises(Refusal) as info:
            alloc.deallocate(uow, workspace_id, pair.id)
        assert info.value.reason == reason


def test_allocation_refusals(db: Database) -> None:
    ids = _setup(db)
    workspace_id = ids["workspace_id"]
    with db.transaction() as uow:
        other_client = make_client(uow, workspace_id)
        with pytest.raises(Refusal) as info:
            alloc.allocate(
                uow,
                workspace_id,
                ids["a1"],
                client_account_id=other_client,
                advertiser_id=ids["adv"],
            )
        assert info.value.reason == "advertiser_not_of_client"
        clients.update_client(uow, workspace_id, ids["client"], status="archived")
        with pytest.raises(Refusal) as info:
            alloc.allocate(
                uow,
                workspace_id,
                ids["a1"],
                client_account_id=ids["client"],
                advertiser_id=ids["adv"],
            )
        assert info.value.reason == "client_archived"
        clients.update_client(uow, workspace_id, ids["client"], status="active", name="Renamed")
        with pytest.raises(Refusal) as info:
            alloc.set_default(uow, workspace_id, ids["client"], ids["a2"])
        assert info.value.reason == "not_allocated"


def test_campaign_allocation_flow(db: Database) -> None:
    ids = _setup(db)
    workspace_id = ids["workspace_id"]
    with db.transaction() as uow:
        alloc.allocate(
            uow, workspace_id, ids["a1"], client_account_id=ids["client"], advertiser_id=ids["adv"]
        )
        c1 = make_campaign(uow, workspace_id, ids["a1"])
        c2 = make_campaign(uow, workspace_id, ids["a1"])
        make_campaign(uow, workspace_id, ids["a1"], deleted=True)
        cands = campaigns.list_campaigns(
            uow, workspace_id, ad_account_id=ids["a1"], candidates_only=True
        )
        assert {c["id"] for c in cands} == {c1, c2}
        made = camp.allocate_campaigns(
            uow,
            workspace_id,
            ids["a1"],
            client_account_id=ids["client"],
            advertiser_id=ids["adv"],
            campaign_ids=[c1],
        )
        cands = campaigns.list_campaigns(
            uow, workspace_id, ad_account_id=ids["a1"], candidates_only=True
        )
        assert {c["id"] for c in cands} == {c2}
        with pytest.raises(Refusal) as info:
            camp.allocate_campaigns(
                uow,
                workspace_id,
                ids["a1"],
                client_account_id=ids["client"],
                advertiser_id=ids["adv"],
                campaign_ids=[c1],
            )
        assert info.value.reason == "campaign_allocated"
        # advertiser 2 does not use ad account 1
        with pytest.raises(Refusal) as info:
            camp.allocate_campaigns(
                uow,
                workspace_id,
                ids["a1"],
                client_account_id=ids["client"],
                advertiser_id=ids["adv2"],
                campaign_ids=[c2],
            )
        assert info.value.reason == "ad_account_not_allocated"
        with pytest.raises(NotFound):
            camp.allocate_campaigns(
                uow,
                workspace_id,
                ids["a2"],
                client_account_id=ids["client"],
                advertiser_id=ids["adv"],
                campaign_ids=[c2],
            )
        camp.mark_initialized(uow, workspace_id, c1)
        with pytest.raises(Refusal) as info:
            camp.deallocate_campaign(uow, workspace_id, made[0].id)
        assert info.value.reason == "campaign_initialized"
        more = camp.allocate_campaigns(
            uow,
            workspace_id,
            ids["a1"],
            client_account_id=ids["client"],
            advertiser_id=ids["adv"],
            campaign_ids=[c2],
        )
        camp.deallocate_campaign(uow, workspace_id, more[0].id)


def test_other_workspace_is_not_found(db: Database) -> None:
    ids = _setup(db)
    other = make_workspace(db).id
    with db.transaction() as uow:
        with pytest.raises(NotFound):
            alloc.allocate(
                uow, other, ids["a1"], client_account_id=ids["client"], advertiser_id=ids["adv"]
            )
        with pytest.raises(NotFound):
            clients.get_client(uow, other, ids["client"])


def test_duplicate_client_name(db: Database) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        clients.create_client(uow, workspace_id, "Acme")
        with pytest.raises(Conflict):
            clients.create_client(uow, workspace_id, "Acme")


def test_rename_clash_is_a_conflict_and_changes_nothing(db: Database) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        clients.create_client(uow, workspace_id, "Acme")
        other = clients.create_client(uow, workspace_id, "Beta")
        with pytest.raises(Conflict, match="Acme"):
            clients.update_client(uow, workspace_id, other.id, name="Acme", status="archived")
        assert clients.get_client(uow, workspace_id, other.id).name == "Beta"
