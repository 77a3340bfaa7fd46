"""Accounts console: deallocating an ad account and deleting a conversion goal or a remarketing
tag go through a confirmation page that says what will happen, or shows the service's refusal
up front instead of the button; the POST acts only once confirmed, with its CSRF token, and
another workspace's ids are 404."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from promodesk.accounts.service import accounts as accounts_service
from promodesk.accounts.service import allocation
from promodesk.accounts.service import clients as clients_service
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound
from promodesk.models import AudienceAllocation, ClientAccount, TikTokAudience
from tests.integration.accounts_factories import (
    make_ad_account,
    make_advertiser,
    make_campaign,
    make_client,
)
from tests.integration.test_console_support import (
    console_client,
    flashes_at,
    log_in,
    new_member,
    post_form,
    refused_form,
)

A1, A2 = "7200000000000000001", "7200000000000000002"


def _setup(db: Database, workspace_id: int) -> dict[str, Any]:
    """Two ad accounts allocated to "Shoes" of "Acme" (the first is the default), an audience
    of the second allocated to "Shoes" too."""
    with db.transaction() as uow:
        a1 = make_ad_account(uow, workspace_id, name="First account", advertiser_id=A1)
        a2 = make_ad_account(uow, workspace_id, name="Second account", advertiser_id=A2)
        client = make_client(uow, workspace_id, "Acme")
        shoes = make_advertiser(uow, workspace_id, client, "Shoes")
        for account in (a1, a2):
            allocation.allocate(
                uow, workspace_id, account, client_account_id=client, advertiser_id=shoes
            )
        audience = TikTokAudience(
            workspace_id=workspace_id, ad_account_id=a2, audience_id=uuid.uuid4().hex[:12], raw={}
        )
        uow.session.add(audience)
        uow.flush()
        camp_alloc.allocate_audiences(
            uow,
            workspace_id,
            a2,
            client_account_id=client,
            advertiser_id=shoes,
            audience_ids=[audience.id],
        )
        return {
            "a1": a1,
            "a2": a2,
            "client": client,
            "shoes": shoes,
            "alloc1": allocation.find_allocation(uow, workspace_id, a1, shoes).id,
            "alloc2": allocation.find_allocation(uow, workspace_id, a2, shoes).id,
        }


def _allocated(db: Database, workspace_id: int, allocation_id: int) -> bool:
    with db.transaction() as uow:
        try:
            allocation.get_allocation(uow, workspace_id, allocation_id)
        except NotFound:
            return False
        return True


def _count(db: Database, model: Any) -> int:
    with db.transaction() as uow:
        return len(list(uow.session.query(model).all()))


def _default(db: Database, client_id: int) -> int | None:
    with db.transaction() as uow:
        row = uow.session.get(ClientAccount, client_id)
        assert row is not None
        return row.default_ad_account_id


def test_deallocation_is_previewed_then_confirmed(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    ids = _setup(db, workspace_id)
    url = f"/accounts/allocations/{ids['alloc2']}/delete"
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        account_page = client.get(f"/accounts/{ids['a2']}").text
        assert f'href="{url}"' in account_page
        assert 'method="post" action="/accounts/allocations/' not in account_page

        page = client.get(url)
        assert page.status_code == 200
        html = page.text
        assert "Deallocate Second account (7200000000000000002) from Shoes?" in html
        facts = html.split('class="facts"')[1].split("</dl>")[0]
        assert "Second account <code>7200000000000000002</code>" in facts
        assert f'<a href="/accounts/clients/{ids["client"]}">Acme</a>' in facts
        assert "<dd>Shoes</dd>" in facts
        assert "Second account (7200000000000000002) is no longer allocated to Shoes of Acme." in (
            html
        )
        assert "1 audience(s) of this ad account allocated to Shoes are deallocated too." in html
        assert "no default TikTok account afterwards" not in html  # a1 is the default
        assert 'id="refusal"' not in html
        assert 'id="confirm-deallocate"' in html
        assert 'name="confirm" value="yes"' in html

        # without "confirm", the POST only leads to the confirmation page
        assert post_form(client, url, {}, csrf) == url
        assert _allocated(db, workspace_id, ids["alloc2"])

        # a forged form changes nothing
        forged = client.post(url, data={"csrf_token": "forged", "confirm": "yes"})
        assert forged.status_code == 403
        assert _allocated(db, workspace_id, ids["alloc2"])

        audiences = _count(db, AudienceAllocation)
        loc = post_form(client, url, {"confirm": "yes"}, csrf)
        assert loc == f"/accounts/{ids['a2']}"
        assert "The ad account is deallocated." in flashes_at(client, loc)
        assert not _allocated(db, workspace_id, ids["alloc2"])
        assert _count(db, AudienceAllocation) == audiences - 1
        assert client.get(url).status_code == 404  # gone

        # the last ad account of the client account: its default clears
        html = client.get(f"/accounts/allocations/{ids['alloc1']}/delete").text
        assert "Acme: the client account has no default TikTok account afterwards." in html
        assert 'id="confirm-deallocate"' in html
        post_form(client, f"/accounts/allocations/{ids['alloc1']}/delete", {"confirm": "yes"}, csrf)
        assert _default(db, ids["client"]) is None


def test_every_refusal_is_shown_up_front(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    ids = _setup(db, workspace_id)
    url = f"/accounts/allocations/{ids['alloc1']}/delete"
    with db.transaction() as uow:
        goal = clients_service.create_goal(
            uow, workspace_id, ids["shoes"], ids["a1"], "Purchases"
        ).id
        tag = clients_service.create_tag(uow, workspace_id, ids["shoes"], ids["a1"], "Visitors").id
        campaign = make_campaign(uow, workspace_id, ids["a1"], name="Spring sale")
        made = camp_alloc.allocate_campaigns(
            uow,
            workspace_id,
            ids["a1"],
            client_account_id=ids["client"],
            advertiser_id=ids["shoes"],
            campaign_ids=[campaign],
        )
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)

        def refusal() -> str:
            html: str = client.get(url).text
            assert 'id="confirm-deallocate"' not in html
            assert 'name="confirm"' not in html
            found = re.search(r'<p class="notice" id="refusal">([^<]*)</p>', html)
            assert found, html
            return found.group(1) + html.split('id="refusal"')[1].split("</section>")[0]

        shown = refusal()
        assert "1 campaign(s) of this advertiser use the ad account" in shown
        assert f"/campaigns?ad_account_id={ids['a1']}&amp;advertiser_id={ids['shoes']}" in shown
        with db.transaction() as uow:
            camp_alloc.deallocate_campaign(uow, workspace_id, made[0].id)

        shown = refusal()
        assert "1 conversion goal(s) of this advertiser use the ad account" in shown
        assert f'href="/accounts/clients/{ids["client"]}#pins"' in shown
        with db.transaction() as uow:
            clients_service.delete_goal(uow, workspace_id, goal)

        assert "1 remarketing tag(s) of this advertiser" in refusal()
        with db.transaction() as uow:
            clients_service.delete_tag(uow, workspace_id, tag)

        # nothing uses it now, but it is the default: the dialog finishes the deallocation
        shown = refusal()
        assert "This is the client account&#39;s default TikTok account." in shown
        dialog = f"/accounts/clients/{ids['client']}?deallocate={ids['alloc1']}#defaults"
        assert f'id="choose-default" href="{dialog}"' in shown
        assert 'id="manage-defaults" open' in client.get(dialog).text

        # confirmed anyway (a form left open): the refusal is still enforced
        loc = post_form(client, url, {"confirm": "yes"}, csrf)
        assert loc == dialog
        assert "Choose another default TikTok account first" in flashes_at(client, loc)
        with db.transaction() as uow:
            clients_service.create_goal(uow, workspace_id, ids["shoes"], ids["a1"], "Late goal")
        assert "1 conversion goal(s)" in refused_form(client, url, {"confirm": "yes"}, csrf)
        assert _allocated(db, workspace_id, ids["alloc1"])


def test_goals_and_tags_are_deleted_after_their_confirmation(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    ids = _setup(db, workspace_id)
    with db.transaction() as uow:
        goal = clients_service.create_goal(
            uow, workspace_id, ids["shoes"], ids["a1"], "Purchases"
        ).id
        tag = clients_service.create_tag(uow, workspace_id, ids["shoes"], ids["a1"], "Visitors").id
    base = f"/accounts/clients/{ids['client']}/pins"
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        client_page = client.get(f"/accounts/clients/{ids['client']}").text
        assert f'href="{base}/goal/{goal}/delete"' in client_page
        assert f'href="{base}/tag/{tag}/delete"' in client_page
        assert f'action="{base}/goal/{goal}/delete"' not in client_page

        html = client.get(f"{base}/goal/{goal}/delete").text
        assert "Delete the conversion goal Purchases?" in html
        facts = html.split('class="facts"')[1].split("</dl>")[0]
        assert "<dd>Conversion goal</dd>" in facts
        assert "<dd>Acme</dd>" in facts
        assert "<dd>Shoes</dd>" in facts
        assert "<code>7200000000000000001</code>" in facts
        assert "deleted from promodesk (nothing changes on TikTok)" in html
        assert (
            "Shoes still uses the ad account First account (7200000000000000001) afterwards: "
            "0 campaign(s), 0 conversion goal(s) and 1 remarketing tag(s)."
        ) in html
        assert "Yes, delete the conversion goal" in html

        url = f"{base}/goal/{goal}/delete"
        assert post_form(client, url, {}, csrf) == url  # not confirmed: back to the page
        assert client.post(url, data={"csrf_token": "x", "confirm": "yes"}).status_code == 403
        assert "Purchases" in client.get(f"/accounts/clients/{ids['client']}").text
        loc = post_form(client, url, {"confirm": "yes"}, csrf)
        assert loc == f"/accounts/clients/{ids['client']}#pins"
        assert "The conversion goal Purchases is deleted." in flashes_at(client, loc)
        assert client.get(url).status_code == 404

        html = client.get(f"{base}/tag/{tag}/delete").text
        assert "Delete the remarketing tag Visitors?" in html
        assert "<dd>Remarketing tag</dd>" in html
        assert "Nothing else of Shoes uses the ad account First account" in html
        loc = post_form(client, f"{base}/tag/{tag}/delete", {"confirm": "yes"}, csrf)
        assert "The remarketing tag Visitors is deleted." in flashes_at(client, loc)
        with db.transaction() as uow:
            assert (
                accounts_service.client_overview(uow, workspace_id, ids["client"])[0]["tags"] == []
            )

        # an unknown kind is not found
        assert client.get(f"{base}/nonsense/{tag}/delete").status_code == 404


def test_other_workspaces_and_other_client_accounts_are_404(db: Database, tmp_path: Path) -> None:
    mine, theirs = new_member(db, "operator"), new_member(db, "operator")
    their = _setup(db, theirs.workspace.id)
    ours = _setup(db, mine.workspace.id)
    with db.transaction() as uow:
        workspace_id = theirs.workspace.id
        their_goal = clients_service.create_goal(
            uow, workspace_id, their["shoes"], their["a1"], "G"
        ).id
        their_tag = clients_service.create_tag(
            uow, workspace_id, their["shoes"], their["a1"], "T"
        ).id
        workspace_id = mine.workspace.id
        other_client = make_client(uow, workspace_id, "Other client")
        our_goal = clients_service.create_goal(
            uow, workspace_id, ours["shoes"], ours["a1"], "Ours"
        ).id
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, mine)
        urls = [
            f"/accounts/allocations/{their['alloc1']}/delete",
            f"/accounts/clients/{ours['client']}/pins/goal/{their_goal}/delete",
            f"/accounts/clients/{ours['client']}/pins/tag/{their_tag}/delete",
            f"/accounts/clients/{their['client']}/pins/goal/{their_goal}/delete",
            # our goal, under another of our client accounts
            f"/accounts/clients/{other_client}/pins/goal/{our_goal}/delete",
            "/accounts/allocations/abc/delete",
        ]
        for url in urls:
            assert client.get(url).status_code == 404, url
            posted = client.post(url, data={"csrf_token": csrf, "confirm": "yes"})
            assert posted.status_code == 404, url
    assert _allocated(db, theirs.workspace.id, their["alloc1"])
    with db.transaction() as uow:
        assert [g["name"] for g in accounts_service.client_overview(
            uow, mine.workspace.id, ours["client"]
        )[0]["goals"]] == ["Ours"]  # fmt: skip


def test_viewers_see_no_confirmation_pages(db: Database, tmp_path: Path) -> None:
    viewer = new_member(db, "viewer")
    ids = _setup(db, viewer.workspace.id)
    with db.transaction() as uow:
        goal = clients_service.create_goal(
            uow, viewer.workspace.id, ids["shoes"], ids["a1"], "Purchases"
        ).id
    with console_client(db, tmp_path) as client:
        log_in(client, viewer)
        assert "Deallocate…" not in client.get(f"/accounts/{ids['a1']}").text
        for url in (
            f"/accounts/allocations/{ids['alloc1']}/delete",
            f"/accounts/clients/{ids['client']}/pins/goal/{goal}/delete",
        ):
            assert client.get(url).status_code == 403, url


def test_confirmation_pages_in_chinese(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    ids = _setup(db, workspace_id)
    with db.transaction() as uow:
        goal = clients_service.create_goal(
            uow, workspace_id, ids["shoes"], ids["a1"], "Purchases"
        ).id
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/accounts"}, csrf)
        html = client.get(f"/accounts/allocations/{ids['alloc2']}/delete").text
        assert "是否将 Second account (7200000000000000002) 从 Shoes 取消分配？" in html
        assert "是的，取消分配" in html
        html = client.get(f"/accounts/allocations/{ids['alloc1']}/delete").text
        assert "现在无法取消分配。" in html
        html = client.get(f"/accounts/clients/{ids['client']}/pins/goal/{goal}/delete").text
        assert "是否删除转化目标 Purchases？" in html
        assert "是的，删除该转化目标" in html
