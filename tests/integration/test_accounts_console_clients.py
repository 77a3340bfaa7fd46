"""Accounts console without TikTok: the campaign list's filter bar and pages, a client
account's advertisers (rename, archive) with their conversion goals and remarketing tags, every
deallocation refusal with its reason, and the "Manage default TikTok accounts" dialog that
finishes a deallocation of the default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from promodesk.accounts.service import allocation as allocation_service
from promodesk.accounts.service import clients as clients_service
from promodesk.console.routes.accounts.campaigns import lists as campaign_lists
from promodesk.kit.db import Database
from promodesk.models import ClientAccount, TikTokCampaign
from tests.integration.accounts_factories import (
    make_ad_account,
    make_advertiser,
    make_campaign,
    make_client,
    make_grant,
)
from tests.integration.test_console_support import (
    console_client,
    flashes_at,
    log_in,
    new_member,
    post_form,
    refused_form,
)


def _setup(db: Database, workspace_id: int) -> dict[str, Any]:
    """Two ad accounts allocated to one advertiser of "Acme" (the first is the default)."""
    with db.transaction() as uow:
        a1 = make_ad_account(
            uow, workspace_id, name="First account", advertiser_id="7100000000000000001"
        )
        a2 = make_ad_account(
            uow, workspace_id, name="Second account", advertiser_id="7100000000000000002"
        )
        client = make_client(uow, workspace_id, "Acme")
        shoes = make_advertiser(uow, workspace_id, client, "Shoes")
        for account in (a1, a2):
            allocation_service.allocate(
                uow, workspace_id, account, client_account_id=client, advertiser_id=shoes
            )
        alloc1 = allocation_service.find_allocation(uow, workspace_id, a1, shoes).id
    return {"a1": a1, "a2": a2, "client": client, "shoes": shoes, "alloc1": alloc1}


def _default(db: Database, client_id: int) -> int | None:
    with db.transaction() as uow:
        row = uow.session.get(ClientAccount, client_id)
        assert row is not None
        return row.default_ad_account_id


def test_every_deallocation_refusal_and_the_default_dialog(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    ids = _setup(db, workspace_id)
    a1, client_id, alloc1 = ids["a1"], ids["client"], str(ids["alloc1"])
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get(f"/accounts/clients/{client_id}").text
        assert "Conversion goals and remarketing tags" in page
        pin = f"{ids['shoes']}:{a1}"
        assert f'<option value="{pin}">' in page
        dealloc = {"confirm": "yes"}

        # a conversion goal, then a remarketing tag, pin the ad account: refused with the count
        for kind, name, reason in (
            ("goal", "Purchases", "1 conversion goal(s) of this advertiser"),
            ("tag", "Visitors", "1 remarketing tag(s) of this advertiser"),
        ):
            loc = post_form(
                client,
                f"/accounts/clients/{client_id}/pins",
                {"pin": pin, "kind": kind, "name": name},
                csrf,
            )
            assert loc.endswith("#pins")
            row = client.get(loc).text
            assert name in row
            assert reason in refused_form(
                client, f"/accounts/allocations/{alloc1}/delete", dealloc, csrf
            )
            deletes = re.findall(
                rf'href="(/accounts/clients/{client_id}/pins/{kind}/\d+/delete)"',
                client.get(f"/accounts/clients/{client_id}").text,
            )
            assert len(deletes) == 1
            loc = post_form(client, deletes[0], {"confirm": "yes"}, csrf)
            assert f"{name} is deleted." in flashes_at(client, loc)

        # a campaign of the advertiser on that ad account
        with db.transaction() as uow:
            campaign = make_campaign(uow, workspace_id, a1, name="Spring sale")
        loc = post_form(
            client,
            "/campaigns/allocate",
            {"ad_account_id": str(a1), "pair": f"{client_id}:{ids['shoes']}", f"c_{campaign}": "1"},
            csrf,
        )
        assert "1 campaign(s) allocated" in flashes_at(client, loc)
        shown = refused_form(client, f"/accounts/allocations/{alloc1}/delete", dealloc, csrf)
        assert "1 campaign(s) of this advertiser use the ad account" in shown
        detail = client.get(f"/campaigns/{campaign}").text
        assert "Acme</a> / Shoes" in detail  # names, not ids
        deallocate = re.search(r'href="(/campaigns/allocations/\d+/delete)"', detail)
        assert deallocate
        post_form(client, deallocate.group(1), {"confirm": "yes"}, csrf)

        # nothing uses it now, but it is the default: the dialog finishes the deallocation
        assert _default(db, client_id) == a1
        loc = post_form(client, f"/accounts/allocations/{alloc1}/delete", dealloc, csrf)
        assert loc == f"/accounts/clients/{client_id}?deallocate={alloc1}#defaults"
        dialog = client.get(loc).text
        assert '<dialog class="dialog" id="manage-defaults" open' in dialog
        assert "is the default TikTok account of Acme" in dialog
        assert f'name="then_deallocate" value="{alloc1}"' in dialog
        shown = dialog.split('id="manage-defaults"')[1]
        assert f'value="{ids["a2"]}" checked' in shown
        assert f'name="ad_account_id" value="{a1}"' not in shown  # the one going away
        loc = post_form(
            client,
            f"/accounts/clients/{client_id}/default",
            {"ad_account_id": str(ids["a2"]), "then_deallocate": alloc1},
            csrf,
        )
        assert loc == f"/accounts/{a1}"
        assert "deallocated" in flashes_at(client, loc)
        assert _default(db, client_id) == ids["a2"]
        with db.transaction() as uow, pytest.raises(Exception, match="not found"):
            allocation_service.get_allocation(uow, workspace_id, int(alloc1))


def test_the_dialog_changes_nothing_when_the_deallocation_is_refused(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    ids = _setup(db, workspace_id)
    with db.transaction() as uow:
        clients_service.create_goal(uow, workspace_id, ids["shoes"], ids["a1"], "Purchases")
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        shown = refused_form(
            client,
            f"/accounts/clients/{ids['client']}/default",
            {"ad_account_id": str(ids["a2"]), "then_deallocate": str(ids["alloc1"])},
            csrf,
        )
        assert "conversion goal(s)" in shown
        assert _default(db, ids["client"]) == ids["a1"]  # one transaction: nothing changed
        # a stale or foreign ?deallocate= shows the page without the dialog
        for odd in ("abc", "99999999"):
            page = client.get(f"/accounts/clients/{ids['client']}?deallocate={odd}").text
            assert 'id="manage-defaults"' not in page


def test_advertisers_are_renamed_and_archived(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    ids = _setup(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        url = f"/accounts/advertisers/{ids['shoes']}"
        assert "Saved." in flashes_at(
            client, post_form(client, url, {"name": "Shoes & Boots"}, csrf)
        )
        page = client.get(f"/accounts/clients/{ids['client']}").text
        assert "Shoes &amp; Boots" in page
        post_form(client, url, {"status": "archived"}, csrf)
        page = client.get(f"/accounts/clients/{ids['client']}").text
        assert 'class="row-muted"' in page
        assert "Restore" in page
        # an archived advertiser gets no new goals or tags
        assert 'id="new-pin"' not in page
        listing = client.get("/accounts").text
        assert "Manage default TikTok accounts" in listing
        assert "7100000000000000001" in listing.split('id="clients"')[1]  # the default


def test_pins_of_another_workspace_are_404(db: Database, tmp_path: Path) -> None:
    mine, theirs = new_member(db, "operator"), new_member(db, "operator")
    their = _setup(db, theirs.workspace.id)
    with db.transaction() as uow:
        goal = clients_service.create_goal(
            uow, theirs.workspace.id, their["shoes"], their["a1"], "Theirs"
        ).id
    ours = _setup(db, mine.workspace.id)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, mine)
        gone = client.post(
            f"/accounts/clients/{ours['client']}/pins/goal/{goal}/delete",
            data={"csrf_token": csrf, "confirm": "yes"},
        )
        assert gone.status_code == 404
        odd = client.post(
            f"/accounts/clients/{ours['client']}/pins/nonsense/1/delete",
            data={"csrf_token": csrf},
        )
        assert odd.status_code == 404
        foreign = client.post(
            f"/accounts/clients/{ours['client']}/pins",
            data={"csrf_token": csrf, "pin": f"{their['shoes']}:{their['a1']}", "name": "x"},
        )
        assert foreign.status_code == 404
        bad_kind = client.post(
            f"/accounts/clients/{ours['client']}/pins",
            data={"csrf_token": csrf, "pin": f"{ours['shoes']}:{ours['a1']}", "kind": "x"},
            follow_redirects=False,
        )
        assert bad_kind.status_code in (303, 422)


def test_the_campaign_filter_bar(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = new_member(db, "viewer")
    workspace_id = member.workspace.id
    ids = _setup(db, workspace_id)
    with db.transaction() as uow:
        made = [make_campaign(uow, workspace_id, ids["a1"], name=f"Campaign {i}") for i in range(5)]
        make_campaign(uow, workspace_id, ids["a1"], name="Removed one", deleted=True)
        unlimited = uow.session.get(TikTokCampaign, made[0])
        assert unlimited is not None
        unlimited.budget_mode = "BUDGET_MODE_INFINITE"
        camp_alloc_made = made[1]
    with db.transaction() as uow:
        from promodesk.campaigns.service import allocation as camp_alloc

        camp_alloc.allocate_campaigns(
            uow,
            workspace_id,
            ids["a1"],
            client_account_id=ids["client"],
            advertiser_id=ids["shoes"],
            campaign_ids=[camp_alloc_made],
        )
    monkeypatch.setattr(campaign_lists, "LIMIT", 4)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        page = client.get("/campaigns").text
        assert 'class="panel filter-form filter-bar" id="campaign-filter"' in page
        assert 'label class="check"><input type="checkbox" name="candidates"' in page
        assert "No limit" in page
        assert "Clear" not in page.split('id="campaign-filter"')[1].split("</form>")[0]
        names = re.findall(r'<a href="/campaigns/\d+">([^<]+)</a>', page)
        assert names == ["Campaign 0", "Campaign 1", "Campaign 2", "Campaign 3"]
        nxt = re.search(r'href="(/campaigns\?cursor=[^"]+)">Next', page)
        assert nxt
        second = client.get(nxt.group(1).replace("&amp;", "&")).text
        assert re.findall(r'<a href="/campaigns/\d+">([^<]+)</a>', second) == [
            "Campaign 4",
            "Removed one",
        ]
        assert "First" in second

        hidden = client.get(f"/campaigns?ad_account_id={ids['a1']}&hide_deleted=1").text
        assert "Removed one" not in hidden
        assert "Clear" in hidden

        allocated = client.get(f"/campaigns?advertiser_id={ids['shoes']}").text
        assert re.findall(r'<a href="/campaigns/\d+">([^<]+)</a>', allocated) == ["Campaign 1"]
        assert f'<option value="{ids["shoes"]}" selected>Acme / Shoes</option>' in allocated

        # "only campaigns to allocate" needs an ad account: say so instead of ignoring it
        asked = client.get("/campaigns?candidates=1").text
        assert 'id="choose-account"' in asked
        candidates = client.get(f"/campaigns?ad_account_id={ids['a1']}&candidates=1").text
        assert "Campaign 1" not in candidates  # allocated ones leave the list
        assert "Removed one" not in candidates

        empty = client.get(f"/campaigns?ad_account_id={ids['a2']}").text
        assert "No campaigns match" in empty

        # an ad account or advertiser that is not this workspace's shows none, and says so
        for query in ("ad_account_id=999999", "ad_account_id=xyz", "advertiser_id=999999"):
            unknown = client.get(f"/campaigns?{query}").text
            assert 'id="unknown-filter"' in unknown, query
            assert not re.findall(r'<a href="/campaigns/\d+">', unknown), query


def test_a_revoked_authorization_asks_to_authorize_again(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    with db.transaction() as uow:
        grant = make_grant(uow, workspace_id, status="revoked")
        account = make_ad_account(uow, workspace_id, grant, advertiser_id="7100000000000000009")
        client_id = make_client(uow, workspace_id, "Acme")
        adv = make_advertiser(uow, workspace_id, client_id, "Shoes")
        allocation_service.allocate(
            uow, workspace_id, account, client_account_id=client_id, advertiser_id=adv
        )
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        listing = client.get("/accounts").text
        row = listing.split('data-advertiser-id="7100000000000000009"')[1].split("</tr>")[0]
        assert "Authorization revoked" in row
        assert 'href="/accounts/tiktok/authorize" target="tiktok-auth" data-popup' in row
        assert "Acme / Shoes" in row  # the allocation is kept
        page = client.get(f"/accounts/{account}").text
        assert 'id="reauthorize"' in page
        assert 'id="sync-form"' not in page
        # a sync asked for anyway is refused with the reason, not a 500
        shown = refused_form(client, f"/accounts/{account}/sync", {"scope": "account"}, csrf)
        assert "revoked" in shown
