"""Deallocating a campaign or an audience from an advertiser goes through a confirmation page
(the campaign page's and the audiences page's links lead there): it says what will happen, or
shows the refusal up front (an initialized campaign stays allocated); the POST acts only once
confirmed, with its CSRF token; another workspace's ids are 404."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from promodesk.accounts.service import allocation
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.kit.db import Database
from promodesk.models import AudienceAllocation, CampaignAllocation, TikTokAudience
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


def _setup(db: Database, workspace_id: int) -> dict[str, Any]:
    """A campaign and an audience of one ad account, both allocated to "Shoes" of "Acme"."""
    with db.transaction() as uow:
        account = make_ad_account(
            uow, workspace_id, name="Shop", advertiser_id="7400000000000000001"
        )
        client = make_client(uow, workspace_id, "Acme")
        shoes = make_advertiser(uow, workspace_id, client, "Shoes")
        allocation.allocate(
            uow, workspace_id, account, client_account_id=client, advertiser_id=shoes
        )
        campaign = make_campaign(
            uow, workspace_id, account, name="Spring sale", campaign_id="1810000000001"
        )
        audience = TikTokAudience(
            workspace_id=workspace_id,
            ad_account_id=account,
            audience_id=uuid.uuid4().hex[:12],
            name="Buyers",
            raw={},
        )
        uow.session.add(audience)
        uow.flush()
        campaign_alloc = camp_alloc.allocate_campaigns(
            uow,
            workspace_id,
            account,
            client_account_id=client,
            advertiser_id=shoes,
            campaign_ids=[campaign],
        )[0].id
        audience_alloc = camp_alloc.allocate_audiences(
            uow,
            workspace_id,
            account,
            client_account_id=client,
            advertiser_id=shoes,
            audience_ids=[audience.id],
        )[0].id
        return {
            "account": account,
            "campaign": campaign,
            "audience": audience.id,
            "campaign_alloc": campaign_alloc,
            "audience_alloc": audience_alloc,
        }


def _exists(db: Database, model: Any, row_id: int) -> bool:
    with db.transaction() as uow:
        return uow.session.get(model, row_id) is not None


def test_a_campaign_is_deallocated_after_its_confirmation(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    ids = _setup(db, member.workspace.id)
    url = f"/campaigns/allocations/{ids['campaign_alloc']}/delete"
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        detail = client.get(f"/campaigns/{ids['campaign']}").text
        assert f'href="{url}"' in detail
        assert 'method="post" action="/campaigns/allocations/' not in detail

        html = client.get(url).text
        assert "Deallocate the campaign Spring sale?" in html
        facts = html.split('class="facts"')[1].split("</dl>")[0]
        assert "<code>1810000000001</code>" in facts
        assert "Shop <code>7400000000000000001</code>" in facts
        assert ">Acme</a>" in facts
        assert "<dd>Shoes</dd>" in facts
        assert "Spring sale is no longer allocated to Shoes of Acme." in html
        assert "The campaign goes back to the campaigns to allocate." in html
        assert 'id="confirm-deallocate"' in html

        assert post_form(client, url, {}, csrf) == url  # not confirmed: to the page
        assert client.post(url, data={"csrf_token": "x", "confirm": "yes"}).status_code == 403
        assert _exists(db, CampaignAllocation, ids["campaign_alloc"])
        loc = post_form(client, url, {"confirm": "yes"}, csrf)
        assert loc == f"/campaigns/{ids['campaign']}"
        assert "The campaign is deallocated." in flashes_at(client, loc)
        assert not _exists(db, CampaignAllocation, ids["campaign_alloc"])
        assert client.get(url).status_code == 404


def test_an_initialized_campaign_shows_its_refusal_up_front(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    ids = _setup(db, workspace_id)
    with db.transaction() as uow:
        assert camp_alloc.mark_initialized(uow, workspace_id, ids["campaign"])
    url = f"/campaigns/allocations/{ids['campaign_alloc']}/delete"
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        html = client.get(url).text
        found = re.search(r'<p class="notice" id="refusal">([^<]*)</p>', html)
        assert found
        assert "The campaign is initialized in promodesk and stays allocated." in found.group(1)
        assert 'id="confirm-deallocate"' not in html
        assert 'name="confirm"' not in html
        assert "stays allocated" in refused_form(client, url, {"confirm": "yes"}, csrf)
        assert _exists(db, CampaignAllocation, ids["campaign_alloc"])


def test_an_audience_is_deallocated_after_its_confirmation(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    ids = _setup(db, member.workspace.id)
    url = f"/accounts/audience-allocations/{ids['audience_alloc']}/delete"
    audiences = f"/accounts/{ids['account']}/audiences"
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get(audiences).text
        assert f'href="{url}"' in page
        assert 'id="dealloc-' not in page

        html = client.get(url).text
        assert "Deallocate the audience Buyers?" in html
        assert "Buyers is no longer allocated to Shoes of Acme." in html
        assert f'<a class="button ghost" href="{audiences}">Cancel</a>' in html

        assert post_form(client, url, {}, csrf) == url
        assert client.post(url, data={"csrf_token": "x", "confirm": "yes"}).status_code == 403
        assert _exists(db, AudienceAllocation, ids["audience_alloc"])
        loc = post_form(client, url, {"confirm": "yes"}, csrf)
        assert loc == audiences
        assert "The audience is deallocated." in flashes_at(client, loc)
        assert not _exists(db, AudienceAllocation, ids["audience_alloc"])


def test_other_workspaces_and_viewers(db: Database, tmp_path: Path) -> None:
    mine, theirs = new_member(db, "operator"), new_member(db, "operator")
    their = _setup(db, theirs.workspace.id)
    viewer = new_member(db, "viewer", workspace=mine.workspace)
    ours = _setup(db, mine.workspace.id)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, mine)
        for url in (
            f"/campaigns/allocations/{their['campaign_alloc']}/delete",
            f"/accounts/audience-allocations/{their['audience_alloc']}/delete",
        ):
            assert client.get(url).status_code == 404, url
            assert client.post(url, data={"csrf_token": csrf, "confirm": "yes"}).status_code == 404
    assert _exists(db, CampaignAllocation, their["campaign_alloc"])
    assert _exists(db, AudienceAllocation, their["audience_alloc"])
    with console_client(db, tmp_path) as client:
        log_in(client, viewer)
        assert "Deallocate…" not in client.get(f"/campaigns/{ours['campaign']}").text
        for url in (
            f"/campaigns/allocations/{ours['campaign_alloc']}/delete",
            f"/accounts/audience-allocations/{ours['audience_alloc']}/delete",
        ):
            assert client.get(url).status_code == 403, url


def test_in_chinese(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    ids = _setup(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/"}, csrf)
        html = client.get(f"/campaigns/allocations/{ids['campaign_alloc']}/delete").text
        assert "是否取消分配广告系列 Spring sale？" in html
        assert "该广告系列将回到待分配的广告系列中。" in html
        html = client.get(f"/accounts/audience-allocations/{ids['audience_alloc']}/delete").text
        assert "是否取消分配受众 Buyers？" in html
        assert "Buyers 将不再分配给 Acme 的 Shoes。" in html
