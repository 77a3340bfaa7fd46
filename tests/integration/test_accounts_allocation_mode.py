"""A saved allocation keeps its payment mode unless a mode is sent on purpose: the console form
shows the pair's current mode and "Save" without a choice keeps it; the API's ``payment_mode``
is optional (absent keeps an existing pair's mode, a new pair starts as self); a change is
flashed as "changed from agency to self"."""

from __future__ import annotations

from pathlib import Path

import httpx

from promodesk.accounts.service import allocation as allocation_service
from promodesk.kit.db import Database
from tests.api_support import bearer, live_server, make_app, new_key
from tests.integration.accounts_factories import make_ad_account, make_advertiser, make_client
from tests.integration.test_console_support import (
    console_client,
    flashes_at,
    log_in,
    new_member,
    post_form,
)


def _agency_pair(db: Database, workspace_id: int) -> tuple[int, int, int]:
    with db.transaction() as uow:
        account = make_ad_account(uow, workspace_id, advertiser_id="7100000000000000071")
        client = make_client(uow, workspace_id, "Acme")
        adv = make_advertiser(uow, workspace_id, client, "Shoes")
        allocation_service.allocate(
            uow,
            workspace_id,
            account,
            client_account_id=client,
            advertiser_id=adv,
            payment_mode="agency",
        )
    return account, client, adv


def _mode(db: Database, workspace_id: int, account: int, adv: int) -> str:
    with db.transaction() as uow:
        return allocation_service.find_allocation(uow, workspace_id, account, adv).payment_mode


def test_the_service_keeps_the_mode_unless_one_is_given(db: Database) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    account, client, adv = _agency_pair(db, workspace_id)
    with db.transaction() as uow:
        allocation_service.allocate(
            uow, workspace_id, account, client_account_id=client, advertiser_id=adv
        )
    assert _mode(db, workspace_id, account, adv) == "agency"
    with db.transaction() as uow:
        other = make_ad_account(uow, workspace_id, advertiser_id="7100000000000000072")
        allocation_service.allocate(
            uow, workspace_id, other, client_account_id=client, advertiser_id=adv
        )
    assert _mode(db, workspace_id, other, adv) == "self"  # a new pair starts as self


def test_the_console_form_shows_and_keeps_the_current_mode(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    account, _client, adv = _agency_pair(db, workspace_id)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get(f"/accounts/{account}").text
        form = page.split('id="allocate-form"')[1].split("</form>")[0]
        assert "Acme / Shoes (now: agency)" in form
        assert '<option value="" selected>' in form  # "keep the current mode" is the default

        # Save with the form's defaults keeps agency
        loc = post_form(
            client, f"/accounts/{account}/allocations", {"advertiser_id": str(adv)}, csrf
        )
        assert _mode(db, workspace_id, account, adv) == "agency"
        assert "changed from" not in flashes_at(client, loc)
        loc = post_form(
            client,
            f"/accounts/{account}/allocations",
            {"advertiser_id": str(adv), "payment_mode": ""},
            csrf,
        )
        assert _mode(db, workspace_id, account, adv) == "agency"

        # an explicit choice changes it, and the flash says from what to what
        loc = post_form(
            client,
            f"/accounts/{account}/allocations",
            {"advertiser_id": str(adv), "payment_mode": "self"},
            csrf,
        )
        assert _mode(db, workspace_id, account, adv) == "self"
        assert "The payment mode changed from agency to self." in flashes_at(client, loc)


def test_the_api_keeps_the_mode_when_none_is_sent(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    workspace_id = member.workspace.id
    account, _client, adv = _agency_pair(db, workspace_id)
    headers = bearer(new_key(db, member.workspace, "admin"))
    with live_server(make_app(db, tmp_path)) as base:
        url = f"{base}/api/v1/allocations"
        body = {"ad_account_id": account, "advertiser_id": adv}
        answer = httpx.post(url, json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        assert answer.json()["allocations"][0]["payment_mode"] == "agency"
        assert _mode(db, workspace_id, account, adv) == "agency"
        answer = httpx.post(url, json={**body, "payment_mode": None}, headers=headers)
        assert answer.status_code == 201, answer.text
        assert _mode(db, workspace_id, account, adv) == "agency"
        answer = httpx.post(url, json={**body, "payment_mode": "self"}, headers=headers)
        assert answer.status_code == 201, answer.text
        assert _mode(db, workspace_id, account, adv) == "self"
