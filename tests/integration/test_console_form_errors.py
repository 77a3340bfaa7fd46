"""A console form with an error comes back with the input kept and the message beside the
field: the page the form lives on, answered with the error's status (never a redirect to the
dashboard), in the member's language; the corrected form can then be sent."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from promodesk.kit.db import Database
from promodesk.models import PromoteRecharge, TikTokCampaign
from promodesk.shop.service import batches, catalog, shops
from promodesk.shop.service.batches import Selection
from tests.integration import promote_factories as promote
from tests.integration import shop_factories as shopf
from tests.integration.accounts_factories import (
    make_ad_account,
    make_advertiser,
    make_campaign,
    make_client,
)
from tests.integration.console_forms import field_error, form_of, forms_of, shown_value, summary
from tests.integration.test_console_support import console_client, log_in, new_member


def _send(client: TestClient, page_url: str, action: str, **typed: str):  # type: ignore[no-untyped-def]
    """Fill the form to ``action`` on ``page_url`` as a person would, and send it."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    body = dict(form_of(page.text, action).default_body())
    body.update(typed)
    return client.post(action, data=body, follow_redirects=False)


def _switch_to_chinese(client: TestClient) -> None:
    page = client.get("/").text
    body = dict(form_of(page, "/locale").hidden())
    response = client.post("/locale", data={**body, "locale": "zh_Hans"}, follow_redirects=False)
    assert response.status_code == 303


def test_a_new_creator_with_a_bad_region_comes_back_typed(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        typed = {
            "handle": "@mei.studio",
            "display_name": 'Mei "<b>" Studio',
            "birth_date": "2000-02-29",
            "account_type": "business",
            "region": "ZZZ",
        }
        answer = _send(client, "/promote", "/promote/creators", **typed)
        # Before: 303 to the dashboard with a flash; the typed values were gone.
        assert answer.status_code == 422
        assert "location" not in answer.headers
        page = answer.text
        for name, value in typed.items():
            if name != "region":  # a picker: "ZZZ" is no option, so the message names it
                assert shown_value(page, "/promote/creators", name) == value, name
        message = field_error(page, "region")
        assert message
        assert "ZZZ" in message
        assert "Please check what you entered" in summary(page)
        assert field_error(page, "handle") is None

        # The corrected form, from the page shown again, is done.
        again = dict(form_of(page, "/promote/creators").default_body())
        done = client.post(
            "/promote/creators", data={**again, "region": "GB"}, follow_redirects=False
        )
        assert done.status_code == 303
        assert done.headers["location"].startswith("/promote/creators/")

        # In Chinese: the same page, the title and the labels in Chinese.
        _switch_to_chinese(client)
        answer = _send(client, "/promote", "/promote/creators", **{**typed, "handle": "@mei.two"})
        assert answer.status_code == 422
        assert "请检查您输入的内容" in summary(answer.text)
        assert shown_value(answer.text, "/promote/creators", "handle") == "@mei.two"
        assert "ZZZ" in (field_error(answer.text, "region") or "")


def test_a_key_with_a_bad_role_keeps_its_name(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        answer = _send(client, "/keys", "/keys", name="reporting script", role="emperor")
        assert answer.status_code == 422
        assert shown_value(answer.text, "/keys", "name") == "reporting script"
        assert field_error(answer.text, "role")


def test_recharge_coins_typed_wrong_come_back_on_the_creator_page(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "owner")
    with db.transaction() as uow:
        creator = promote.make_creator(uow, member.workspace.id, region="US")
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        page_url = f"/promote/creators/{creator}"
        action = f"/promote/creators/{creator}/recharge"
        form = form_of(client.get(page_url).text, action, method="get")
        query = {**dict(form.default_body()), "package": "other", "coins": "12abc"}
        answer = client.get(
            action, params=query, headers={"referer": f"http://testserver{page_url}"}
        )
        assert answer.status_code == 422, answer.text
        again = form_of(answer.text, action, method="get")
        assert [c.value for c in again.controls if c.name == "coins"] == ["12abc"]
        assert ("package", "other") in again.default_body()
        assert field_error(answer.text, "coins")

        # in Chinese, the message beside the field too
        _switch_to_chinese(client)
        answer = client.get(
            action, params=query, headers={"referer": f"http://testserver{page_url}"}
        )
        assert answer.status_code == 422
        assert field_error(answer.text, "coins") == "请输入整数。"
        low = {**query, "coins": "0"}
        answer = client.get(action, params=low, headers={"referer": f"http://testserver{page_url}"})
        assert field_error(answer.text, "coins") == "至少为 1。"


def _recharges(db: Database, creator: int) -> int:
    with db.read() as uow:
        query = select(func.count()).where(PromoteRecharge.creator_id == creator)
        return int(uow.session.execute(query).scalar_one())


def test_a_refused_payment_keeps_its_token_usable(db: Database, tmp_path: Path) -> None:
    """A refused money form did nothing: its one-time token is not spent, so the corrected
    form (from the page shown again, or sent again as it was) is done, once."""
    member = new_member(db, "owner")
    with db.transaction() as uow:
        creator = promote.make_creator(uow, member.workspace.id, region="US")
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        url = f"/promote/creators/{creator}/recharge"
        preview = client.get(url + "?coins=1000&method=card&outcome=succeed")
        assert preview.status_code == 200
        preview_url = str(preview.url).split("testserver", 1)[1]
        body = dict(form_of(preview.text, url).default_body())
        refused = client.post(url, data={**body, "coins": "1000000000000"}, follow_redirects=False)
        assert refused.status_code == 422, refused.text
        assert _recharges(db, creator) == 0
        assert 'name="form_page" value="' + preview_url.replace("&", "&amp;") in refused.text
        # The same token, the right amount: done once, then a repeat shows the first result.
        done = client.post(url, data=body, follow_redirects=False)
        assert done.status_code == 303
        again = client.post(url, data=body, follow_redirects=False)
        assert again.status_code == 303
        assert _recharges(db, creator) == 1


def test_campaign_budget_allocation_and_restock_come_back_typed(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "owner")
    ws = member.workspace.id
    with db.transaction() as uow:
        account = make_ad_account(uow, ws)
        client_id = make_client(uow, ws)
        make_advertiser(uow, ws, client_id)
        campaign = make_campaign(uow, ws, account)
        row = uow.session.get(TikTokCampaign, campaign)
        assert row is not None
        row.budget_mode, row.budget_minor = "BUDGET_MODE_DAY", 5000
    _, _, enrollments = shopf.setup(db, ws, n=3)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        # allocation: a payment mode that does not exist
        page = f"/accounts/{account}"
        action = f"/accounts/{account}/allocations"
        answer = _send(client, page, action, payment_mode="both")
        assert answer.status_code == 422, answer.text
        assert field_error(answer.text, "payment_mode")

        # campaign budget (the form is there when the campaign has a budget)
        page = f"/campaigns/{campaign}"
        assert 'id="budget-form"' in client.get(page).text
        answer = _send(client, page, f"{page}/budget", budget="12,5x")
        assert answer.status_code == 422, answer.text
        assert shown_value(answer.text, f"{page}/budget", "budget") == "12,5x"
        assert "Enter a budget above 0" in (field_error(answer.text, "budget") or "")

        # restock after stock to zero: an amount out of range
        page = f"/shop/enrollments/{enrollments[0]}"
        answer = _send(client, page, f"/shop/enrollments/{enrollments[0]}/stock-zero")
        assert answer.status_code == 303, answer.text
        html = client.get(page).text
        restock = next(f for f in forms_of(html) if f.action.endswith("/restock"))
        answer = _send(client, page, restock.action, stock="99,999,999,999")
        assert answer.status_code == 422, answer.text
        assert shown_value(answer.text, restock.action, "stock") == "99,999,999,999"
        assert "1,000,000" in (field_error(answer.text, "stock") or "")


def test_a_refused_form_from_an_unknown_page_gets_the_error_page_not_the_dashboard(
    db: Database, tmp_path: Path
) -> None:
    """No page named in the form, the Referer the action itself (a page answered by a POST):
    the error page with the error's status and the message, never a redirect."""
    member = new_member(db, "owner")
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        answer = client.post(
            "/promote/creators",
            data={
                "csrf_token": csrf,
                "handle": "@mei.x",
                "birth_date": "1990-01-01",
                "account_type": "personal",
                "device_os": "ios",
                "app_version": "21.0",
                "region": "ZZ",
            },
            headers={"referer": "http://testserver/promote/creators"},
            follow_redirects=False,
        )
        assert answer.status_code == 422
        assert "location" not in answer.headers
        assert "error-panel" in answer.text
        assert "ZZ" in answer.text


def test_a_compensation_typed_wrong_comes_back_on_the_enrollment_page(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "owner")
    ws = member.workspace.id
    _, _, ids = shopf.setup(db, ws, 10)
    with db.transaction() as uow:
        batches.cancel_now(
            uow,
            ws,
            Selection(enrollment_ids=ids[:1]),
            reason="stock_shortage",
            actor="user:1",
            role="owner",
        )
        product_id = catalog.get_enrollment(uow, ws, ids[0]).product_id
        shops.add_followers(uow, ws, product_id, ["buyer-1", "buyer-2"])
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        page = f"/shop/enrollments/{ids[0]}"
        action = f"/shop/products/{product_id}/compensation"
        answer = _send(client, page, action, value="10.505", valid_days="30")
        assert answer.status_code == 422, answer.text
        assert shown_value(answer.text, action, "value") == "10.505"
        assert shown_value(answer.text, action, "valid_days") == "30"
        assert summary(answer.text)  # the money parser names no field of this form
        # a coupon worth nothing: the service's value_minor is the form's value
        answer = _send(client, page, action, value="0", valid_days="30")
        assert answer.status_code == 422, answer.text
        assert shown_value(answer.text, action, "value") == "0"
        assert field_error(answer.text, "value")


def test_in_chinese_a_choice_left_empty_says_so_in_chinese(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    ws = member.workspace.id
    with db.transaction() as uow:
        account = make_ad_account(uow, ws)
        make_advertiser(uow, ws, make_client(uow, ws))
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        _switch_to_chinese(client)
        page = f"/accounts/{account}"
        answer = _send(client, page, f"{page}/allocations", advertiser_id="")
        assert answer.status_code == 422, answer.text
        assert field_error(answer.text, "advertiser_id") == "请选择一项。"
        assert "请检查您输入的内容" in summary(answer.text)
