"""Console Promote pages on SQLite and PostgreSQL: the whole journey (creator, recharge, coupon,
order wizard, review, delivery, stop with its refund preview, invoice), then the refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from babel.dates import format_date
from fastapi.testclient import TestClient

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.promote.domain.payout import expected_payout_date
from promodesk.promote.service import delivery as delivery_service
from tests.integration.console_forms import summary
from tests.integration.promote_factories import balances, drain, event
from tests.integration.test_console_support import console_client, log_in, new_member

LOCATION = re.compile(r"/promote/(?:creators|orders)/(\d+)")


def _post(client: TestClient, url: str, data: dict[str, str], csrf: str, referer: str = "") -> str:
    headers = {"referer": "http://testserver" + referer} if referer else {}
    response = client.post(
        url, data={"csrf_token": csrf, **data}, headers=headers, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _id(location: str) -> int:
    found = LOCATION.search(location)
    assert found, location
    return int(found.group(1))


def _refused(client: TestClient, url: str, data: dict[str, str], csrf: str) -> str:
    """POST a form that is refused: the form's page again (not a redirect); its HTML."""
    response = client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)
    assert response.status_code in (400, 409, 422), response.text
    return response.text


def _creator(client: TestClient, csrf: str, **fields: str) -> int:
    data = {
        "handle": f"mei{clock.now().microsecond}",
        "display_name": "Mei's studio",
        "birth_date": "1992-03-04",
        "account_type": "creator",
        "device_os": "android",
        "app_version": "21.0",
        "region": "US",
    }
    data.update(fields)
    return _id(_post(client, "/promote/creators", data, csrf))


def _content(client: TestClient, csrf: str, creator_id: int, **fields: str) -> int:
    data = {"kind": "video", "title": "Spring menu", "commercial_music": "1"}
    data.update(fields)
    _post(client, f"/promote/creators/{creator_id}/contents", data, csrf)
    page = client.get(f"/promote/creators/{creator_id}").text
    ids = re.findall(r"orders/new\?content_id=(\d+)", page)
    return max(int(i) for i in ids)


def _flashes(client: TestClient, location: str) -> str:
    page = client.get(location)
    assert page.status_code == 200, page.text
    return " ".join(re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', page.text))


def test_the_promote_journey_in_the_console(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)

    home = client.get("/promote")
    assert home.status_code == 200
    assert "New creator" in home.text
    assert "Not available yet" not in home.text
    creator = _creator(client, csrf)
    video = _content(client, csrf, creator)

    # recharge: the price before paying, then the test provider confirms at once
    preview = client.get(
        f"/promote/creators/{creator}/recharge?coins=1000&method=card&outcome=succeed"
    )
    assert preview.status_code == 200
    assert "$9.90" in preview.text  # 1,000 coins at 100 = US$0.99
    assert "Payment succeeds" in preview.text  # the outcome and method read as chosen
    assert "<code>succeed</code>" not in preview.text
    where = _post(
        client,
        f"/promote/creators/{creator}/recharge",
        {"coins": "1000", "method": "card", "outcome": "succeed"},
        csrf,
    )
    assert "1,000 coins are in the wallet" in _flashes(client, where)
    # a pending payment, confirmed afterwards through the signed webhook path
    _post(
        client,
        f"/promote/creators/{creator}/recharge",
        {"coins": "500", "method": "paypal", "outcome": "pending"},
        csrf,
    )
    page = client.get(f"/promote/creators/{creator}").text
    pending = re.search(r"/promote/recharges/(\d+)/confirm", page)
    assert pending, "a pending recharge offers a confirmation"
    where = _post(client, pending.group(0), {"outcome": "succeed"}, csrf)
    assert "500 coins are in the wallet" in _flashes(client, where)
    assert balances(db, workspace_id, creator)["wallet"] == 1500

    # a coupon; the wizard offers it, with the rule
    _post(client, f"/promote/creators/{creator}/coupons", {"value_coins": "300"}, csrf)
    wizard = client.get(f"/promote/creators/{creator}/orders/new?content_id={video}")
    assert wizard.status_code == 200
    for goal in ("More video views", "More website visits", "More followers"):
        assert goal in wizard.text
    assert "More LIVE viewers" not in wizard.text
    assert "greater than its value" in wizard.text
    coupon = re.search(r'name="coupon_id" value="(\d+)"', wizard.text)
    assert coupon
    query = (
        f"content_id={video}&goal=video_views&budget_coins=1000&duration_hours=24"
        f"&audience=custom&gender=female&age=18-24&age=25-34&interests=cooking"
        f"&coupon_id={coupon.group(1)}"
    )
    shown = client.get(f"/promote/creators/{creator}/orders/preview?{query}")
    assert shown.status_code == 200, shown.text
    assert 'id="held-paid">700<' in shown.text
    assert 'id="held-coupon">300<' in shown.text
    assert balances(db, workspace_id, creator)["wallet"] == 1500  # the preview holds nothing
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', shown.text))
    hidden.pop("csrf_token", None)
    assert hidden["ages"] == "18-24,25-34"
    order = _id(_post(client, f"/promote/creators/{creator}/orders", hidden, csrf))
    assert balances(db, workspace_id, creator, order)["escrow"] == 1000
    assert balances(db, workspace_id, creator)["wallet"] == 800

    # review queue → approve
    assert f'href="/promote/review/{order}"' in client.get("/promote/review").text
    assert "Yes, approve" in client.get(f"/promote/review/{order}").text
    _post(client, f"/promote/orders/{order}/approve", {}, csrf)
    assert "Delivering" in client.get(f"/promote/orders/{order}").text

    # delivery (the host platform's feed), then the order page with its series
    with db.transaction() as uow:
        delivery_service.ingest_batch(
            uow,
            workspace_id,
            [event("e1", order, 60, views=900), event("e2", order, 40, views=100)],
        )
    page = client.get(f"/promote/orders/{order}").text
    assert 'id="spent">100<' in page
    assert 'id="cost-per-result">0.10 coins<' in page
    assert 'id="order-series"' in page
    assert '"spend":100' in page
    assert "not paused" in page
    assert "Pause" not in page

    # stop: the preview says what comes back (spent 100 < coupon 300: all 700 paid coins)
    stop = client.get(f"/promote/orders/{order}/stop")
    assert 'id="refund-wallet">700<' in stop.text
    assert 'id="refund-coupon">200<' in stop.text
    assert "coupon is used up" in stop.text
    _post(client, f"/promote/orders/{order}/stop", {"reason": "enough"}, csrf)
    drain(db, workspace_id)
    page = client.get(f"/promote/orders/{order}").text
    assert 'id="refunded">700<' in page
    assert "Stopped" in page
    assert balances(db, workspace_id, creator)["wallet"] == 1500

    # invoices: one per confirmed recharge, as PDF
    page = client.get(f"/promote/creators/{creator}").text
    links = re.findall(r"/promote/invoices/(\d+)/pdf", page)
    assert len(links) == 2
    pdf = client.get(f"/promote/invoices/{links[0]}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    # filters on the order list
    assert (
        f'href="/promote/orders/{order}"'
        in client.get(
            f"/promote/creators/{creator}?status=stopped&goal=video_views&kind=video"
        ).text
    )
    assert (
        "No order matches the filter."
        in client.get(f"/promote/creators/{creator}?status=delivering").text
    )


def test_refusals_come_back_on_the_form_with_the_reasons(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    young = (clock.now() - timedelta(days=365 * 16)).date().isoformat()
    # under age, old app, region without video Promote; the video has no commercial music
    creator = _creator(client, csrf, birth_date=young, app_version="19.0", region="NZ")
    video = _content(client, csrf, creator, commercial_music="")
    wizard = client.get(f"/promote/creators/{creator}/orders/new?content_id={video}").text
    for reason in (
        "aged 18 or older",
        "version 20.4 or later",
        "commercial music",
        "not launched in this region",
    ):
        assert reason in wizard
    assert 'id="order-form"' not in wizard  # no way to pay for an ineligible content
    query = f"content_id={video}&goal=video_views&budget_coins=1000&duration_hours=24"
    refused = client.get(
        f"/promote/creators/{creator}/orders/preview?{query}", follow_redirects=True
    )
    # The wizard again, its values kept, the reasons at the top.
    assert refused.status_code == 422
    assert refused.text.count("Not eligible:") == 4
    assert 'class="form-errors"' in refused.text

    # an eligible creator without coins, then the coupon rule
    rich = _creator(client, csrf, region="GB")
    clip = _content(client, csrf, rich)
    query = f"content_id={clip}&goal=video_views&budget_coins=1000&duration_hours=24"
    refused = client.get(f"/promote/creators/{rich}/orders/preview?{query}", follow_redirects=True)
    assert refused.status_code == 409
    assert "Not enough coins" in summary(refused.text)
    assert 'name="budget_coins"' in refused.text
    assert 'value="1000"' in refused.text  # the values are kept
    # limits in words, with separators, never the storage limit
    for values, said in (
        ("budget_coins=99999999999999", "The budget is 100 to 10,000,000 coins."),
        ("budget_coins=99", "The budget is 100 to 10,000,000 coins."),
        ("budget_coins=0", "Budget (coins) must be at least 1"),
        (f"budget_coins=1000&content_id={2**63}", "Content id is too large"),
    ):
        query = f"content_id={clip}&goal=video_views&duration_hours=24&{values}"
        refused = client.get(
            f"/promote/creators/{rich}/orders/preview?{query}", follow_redirects=True
        )
        shown = summary(refused.text)
        assert said in shown
        assert "budget_coins" not in shown
        assert "9,223,372" not in shown
    # the limits in the reader's language
    client.post("/locale", data={"csrf_token": csrf, "locale": "zh_Hans", "next": "/promote"})
    query = f"content_id={clip}&goal=video_views&duration_hours=24&budget_coins=99"
    zh = client.get(f"/promote/creators/{rich}/orders/preview?{query}", follow_redirects=True)
    assert "预算为 100 至 10,000,000 金币。" in summary(zh.text)
    client.post("/locale", data={"csrf_token": csrf, "locale": "en", "next": "/promote"})
    _post(client, f"/promote/creators/{rich}/coupons", {"value_coins": "500"}, csrf)
    page = client.get(f"/promote/creators/{rich}/orders/new?content_id={clip}").text
    coupon = re.search(r'name="coupon_id" value="(\d+)"', page)
    assert coupon
    refused = client.get(
        f"/promote/creators/{rich}/orders/preview?content_id={clip}&goal=video_views"
        f"&budget_coins=500&duration_hours=24&coupon_id={coupon.group(1)}",
        follow_redirects=True,
    )
    assert "greater than its value" in summary(refused.text)
    # a coupon id that names no coupon is refused, naming it, never ignored
    for bad in ("999999", "abc", "0"):
        refused = client.get(
            f"/promote/creators/{rich}/orders/preview?content_id={clip}&goal=video_views"
            f"&budget_coins=1000&duration_hours=24&coupon_id={bad}",
            follow_redirects=True,
        )
        assert refused.status_code in (404, 409, 422), bad
        assert f"coupon {bad}" in summary(refused.text), bad
    # the goal must fit the content; placing directly is refused the same way
    shown = _refused(
        client,
        f"/promote/creators/{rich}/orders",
        {"content_id": str(clip), "goal": "live_viewers", "budget_coins": "1000",
         "duration_hours": "24"},
        csrf,
    )  # fmt: skip
    assert "live_viewers" in summary(shown)

    # fewer coins than the minimum charge buys: refused with the least allowed, nothing paid
    indo = _creator(client, csrf, region="ID")
    page = client.get(f"/promote/creators/{indo}").text
    packs = re.findall(r'name="package" value="(\d+)"', page)
    assert packs == ["100", "500", "1000", "5000", "10000"]
    assert "IDR80,438" in page  # 500 coins, in whole rupiah
    few = client.get(f"/promote/creators/{indo}/recharge?coins=99&method=ovo")
    assert few.status_code == 422
    assert "At least 100 coins (the minimum charge, IDR16,088)." in few.text
    shown = _refused(
        client, f"/promote/creators/{indo}/recharge", {"coins": "1", "method": "ovo"}, csrf
    )
    assert "At least 100 coins (the minimum charge, IDR16,088)." in shown
    assert balances(db, member.workspace.id, indo)["wallet"] == 0
    picked = client.get(f"/promote/creators/{indo}/recharge?package=500&coins=&method=ovo")
    assert picked.status_code == 200
    assert "Pay IDR80,438 for 500 coins?" in picked.text
    assert "Pay IDR80,438" in picked.text
    typed = client.get(f"/promote/creators/{indo}/recharge?package=500&coins=1000&method=ovo")
    assert "for 1,000 coins?" in typed.text  # a typed amount wins over the package

    # a method the creator may not use (GB Android pays in-app only)
    bad = client.get(f"/promote/creators/{rich}/recharge?coins=100&method=card")
    assert bad.status_code == 422
    assert "google_pay" in bad.text
    # withdrawals: GB users are told to use the store; nothing to withdraw yet
    page = client.get(f"/promote/creators/{rich}").text
    assert "withdraw through Google Pay" in page


def test_odd_input_never_breaks_a_page(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    creator = _creator(client, csrf)
    video = _content(client, csrf, creator)
    base = f"/promote/creators/{creator}"
    for url in (
        "/promote?after=abc",
        "/promote/creators/abc",
        "/promote/creators/999999999",
        f"{base}?status=nope&goal=%00&kind=x&from=2026-13-40&to=x",
        f"{base}?before=-1",
        f"{base}/recharge?coins=abc&method=card",
        f"{base}/recharge?coins=²&method=card",
        "/promote?after=²",
        f"{base}/recharge?coins=99999999999999999999999&method=card",
        f"{base}/recharge?coins=10&method=card&outcome=explode",
        f"{base}/orders/new?content_id=abc",
        f"{base}/orders/new?content_id=999999999",
        f"{base}/orders/preview?content_id={video}&budget_coins=1e9&duration_hours=-1",
        f"{base}/orders/preview?content_id={video}&goal=video_views&budget_coins=1000"
        "&duration_hours=24&audience=custom&age=99-100",
        f"{base}/orders/preview",
        "/promote/orders/999999999",
        "/promote/orders/999999999/stop",
        "/promote/review/999999999",
        "/promote/invoices/999999999/pdf",
    ):
        response = client.get(url, follow_redirects=True)
        assert response.status_code < 500, url
    for url, data in (
        ("/promote/creators", {"handle": "x", "birth_date": "yesterday"}),
        ("/promote/creators", {"handle": "ok_handle", "birth_date": "1990-01-01",
                               "region": "ZZ", "account_type": "x", "device_os": "x"}),
        (f"{base}/coupons", {"value_coins": "-5"}),
        (f"{base}/coupons", {"value_coins": "10", "days": "99999"}),
        (f"{base}/contents", {"kind": "podcast"}),
        (f"{base}/recharge", {"coins": "0", "method": "card"}),
        (f"{base}/withdraw", {"coins": "abc"}),
        (f"{base}/withdraw", {"coins": "²"}),
        (f"{base}/recharge", {"coins": "١٠٠", "method": "card"}),
        (f"{base}/withdraw", {}),
        (f"{base}/orders", {"content_id": "abc"}),
        ("/promote/orders/999999999/stop", {}),
        ("/promote/orders/999999999/approve", {}),
        ("/promote/orders/999999999/reject", {"reason": ""}),
        ("/promote/recharges/999999999/confirm", {}),
    ):  # fmt: skip
        response = client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)
        # refused input: the form again with the error's status, never a redirect home
        assert response.status_code in (303, 404, 409, 422), (url, response.status_code)
        assert response.headers.get("location") != "/", url
    # a form without the CSRF token is refused
    response = client.post(f"{base}/coupons", data={"value_coins": "10"})
    assert response.status_code == 403


def test_viewers_see_but_cannot_act(db: Database, tmp_path: Path) -> None:
    owner = new_member(db, "owner")
    viewer = new_member(db, "viewer", workspace=owner.workspace)
    client = console_client(db, tmp_path)
    csrf = log_in(client, owner)
    creator = _creator(client, csrf)
    other = console_client(db, tmp_path)
    csrf = log_in(other, viewer)
    page = other.get(f"/promote/creators/{creator}")
    assert page.status_code == 200
    assert "Issue coupon" not in page.text
    assert "Promote content…" not in page.text
    where = _post(
        other, f"/promote/creators/{creator}/coupons", {"value_coins": "10"}, csrf,
        referer=f"/promote/creators/{creator}",
    )  # fmt: skip
    assert "Not allowed" in _flashes(other, where)


def test_the_chinese_pages(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    client.post("/locale", data={"csrf_token": csrf, "locale": "zh_Hans", "next": "/promote"})
    creator = _creator(client, csrf)
    _content(client, csrf, creator)
    page = client.get(f"/promote/creators/{creator}").text
    assert 'lang="zh-Hans"' in page
    assert "充值" in page
    assert "提现" in page
    assert "发票" in page


def _payout_words(region: str, locale: str) -> str:
    day = expected_payout_date(clock.now(), region, 15)
    return str(format_date(day, format="long", locale=locale))


def test_a_withdrawal_is_confirmed_with_its_cash_and_payout_date(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    creator = _creator(client, csrf)  # US, Android: paid back to the card
    _post(
        client,
        f"/promote/creators/{creator}/recharge",
        {"coins": "1000", "method": "card", "outcome": "succeed"},
        csrf,
    )
    page = client.get(f"/promote/creators/{creator}").text
    assert f'action="/promote/creators/{creator}/withdraw" method="get"' in page
    # the confirmation: coins, the cash that arrives, the date in words; nothing moves yet
    confirm = client.get(f"/promote/creators/{creator}/withdraw?coins=400")
    assert confirm.status_code == 200, confirm.text
    assert "Withdraw 400 coins?" in confirm.text
    assert "$3.96" in confirm.text  # 400 coins at 100 = US$0.99
    words = _payout_words("US", "en")
    assert words in confirm.text
    assert expected_payout_date(clock.now(), "US", 15).isoformat() not in confirm.text
    assert balances(db, workspace_id, creator)["wallet"] == 1000
    # a post without the confirmation is sent to the confirmation page, nothing requested
    unconfirmed = client.post(
        f"/promote/creators/{creator}/withdraw",
        data={"csrf_token": csrf, "coins": "400"},
        follow_redirects=False,
    )
    assert unconfirmed.status_code == 303
    assert f"/promote/creators/{creator}/withdraw?coins=400" in unconfirmed.headers["location"]
    assert balances(db, workspace_id, creator)["wallet"] == 1000
    where = _post(
        client, f"/promote/creators/{creator}/withdraw", {"coins": "400", "confirm": "1"}, csrf
    )
    flashes = _flashes(client, where)
    assert "Withdrawal of 400 coins ($3.96) requested" in flashes
    assert words in flashes
    assert balances(db, workspace_id, creator)["wallet"] == 600
    # the whole balance when no amount is given; and in Chinese, the date in Chinese words
    client.post("/locale", data={"csrf_token": csrf, "locale": "zh_Hans", "next": "/promote"})
    whole = client.get(f"/promote/creators/{creator}/withdraw?coins=")
    assert whole.status_code == 200, whole.text
    assert "600" in whole.text
    assert _payout_words("US", "zh_Hans_CN") in whole.text
    # more than the wallet holds: refused before any confirmation
    too_much = client.get(f"/promote/creators/{creator}/withdraw?coins=601")
    assert too_much.status_code == 409
