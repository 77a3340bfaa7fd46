"""The promote money API over a real HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promodesk.kit.db import Database
from promodesk.kit.money import Money
from promodesk.models import Workspace
from promodesk.promote.api.money import router as money_router
from promodesk.promote.payments import SIGNATURE_HEADER, TestProvider, sign
from promodesk.promote.settings import derive_webhook_secret
from tests.api_support import (
    HANG_GUARD,
    JSON,
    NOT_JSON_INTEGERS,
    bearer,
    json_text,
    live_server,
    make_app,
    new_key,
    new_workspace,
)
from tests.integration.promote_money_helpers import make_creator
from tests.unit.test_promote_money_invoice_pdf import pdf_text

WEBHOOK = "/api/v1/promote/payments/webhook"
PROVIDER = TestProvider(derive_webhook_secret("test-secret"))  # make_app's secret key


def with_money_routes(app: FastAPI) -> FastAPI:
    if not any(getattr(r, "path", "") == WEBHOOK for r in app.routes):
        app.include_router(money_router)
    return app


@pytest.fixture
def workspace(db: Database) -> Workspace:
    return new_workspace(db)


@pytest.fixture
def http(db: Database, tmp_path: Path, workspace: Workspace) -> Iterator[httpx.Client]:
    app = with_money_routes(make_app(db, tmp_path))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        client.headers.update(bearer(new_key(db, workspace, "admin")))
        yield client


def ok(response: httpx.Response, code: int = 200) -> Any:
    assert response.status_code == code, response.text
    return response.json()


def test_recharge_invoice_and_pdf(http: httpx.Client, db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id, region="GB", device_os="android", display_name="Tom")
    methods = ok(http.get("/api/v1/promote/payment-methods", params={"region": "GB"}))
    assert {(m["os"], m["code"]) for m in methods} == {
        ("android", "google_pay"),
        ("ios", "apple_pay"),
    }
    quote = ok(http.get(f"/api/v1/promote/creators/{creator}/recharge-quote?coins=1000"))
    assert (quote["amount"], quote["currency"], quote["amount_display"]) == (782, "GBP", "7.82 GBP")
    assert [m["code"] for m in quote["methods"]] == ["google_pay"]

    refused = http.post(
        "/api/v1/promote/recharges", json={"creator_id": creator, "coins": 1000, "method": "card"}
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "MethodNotAllowed"
    assert refused.json()["allowed"] == ["google_pay"]

    body = {"creator_id": creator, "coins": 1000, "method": "google_pay"}
    recharge = ok(http.post("/api/v1/promote/recharges", json=body), 201)
    assert (recharge["status"], recharge["amount"], recharge["currency"]) == (
        "confirmed",
        782,
        "GBP",
    )
    assert ok(http.get(f"/api/v1/promote/recharges/{recharge['id']}"))["status"] == "confirmed"
    page = ok(http.get("/api/v1/promote/invoices", params={"creator_id": creator}))
    [invoice] = page["items"]
    assert invoice["number"].endswith("-000001")
    assert invoice["recharge_id"] == recharge["id"]
    pdf = http.get(invoice["pdf_url"])
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert invoice["number"] in pdf.headers["content-disposition"]
    text = pdf_text(pdf.content)
    assert invoice["number"] in text
    assert "7.82 GBP" in text
    assert "@" + invoice["buyer_handle"] + " (Tom)" in text


def test_pending_recharge_confirmed_by_signed_webhook(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    creator = make_creator(db, workspace.id)
    body = {"creator_id": creator, "coins": 500, "method": "dana", "test_mode": "pending"}
    r = ok(http.post("/api/v1/promote/recharges", json=body), 201)
    assert r["status"] == "pending"
    payload, signature = PROVIDER.webhook(
        provider_ref=r["provider_ref"], reference=str(r["id"]), amount=Money(r["amount"], "IDR")
    )
    anonymous = httpx.Client(base_url=str(http.base_url), timeout=HANG_GUARD)
    forged = anonymous.post(WEBHOOK, content=payload, headers={SIGNATURE_HEADER: "sha256=00"})
    assert forged.status_code == 401
    assert forged.json()["error"] == "InvalidSignature"
    assert anonymous.post(WEBHOOK, content=payload).status_code == 401
    first = ok(anonymous.post(WEBHOOK, content=payload, headers={SIGNATURE_HEADER: signature}))
    assert first == {"recharge_id": r["id"], "status": "confirmed", "changed": True}
    replay = ok(anonymous.post(WEBHOOK, content=payload, headers={SIGNATURE_HEADER: signature}))
    assert replay["changed"] is False
    junk = b"not json"
    bad = anonymous.post(WEBHOOK, content=junk, headers={SIGNATURE_HEADER: sign(junk, "x")})
    assert bad.status_code == 401
    listed = ok(http.get("/api/v1/promote/recharges", params={"status": "confirmed"}))
    assert [x["id"] for x in listed["items"]] == [r["id"]]


def test_simulated_payment_and_withdrawal_lifecycle(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    creator = make_creator(db, workspace.id, region="US")
    body = {"creator_id": creator, "coins": 300, "method": "paypal", "test_mode": "pending"}
    r = ok(http.post("/api/v1/promote/recharges", json=body), 201)
    done = ok(http.post(f"/api/v1/promote/recharges/{r['id']}/simulate-payment", json={}))
    assert done["status"] == "confirmed"
    w = ok(http.post("/api/v1/promote/withdrawals", json={"creator_id": creator}), 201)
    assert (w["coins"], w["route"], w["payout_method"], w["status"]) == (
        300,
        "original_method",
        "paypal",
        "requested",
    )
    assert "original payment method" in w["message"]
    again = http.post("/api/v1/promote/withdrawals", json={"creator_id": creator})
    assert again.status_code == 409
    url = f"/api/v1/promote/withdrawals/{w['id']}/advance"
    assert ok(http.post(url, json={"status": "processing"}))["status"] == "processing"
    assert ok(http.post(url, json={"status": "paid"}))["status"] == "paid"
    late = http.post(url, json={"status": "failed"})
    assert late.status_code == 409
    assert late.json()["error"] == "InvalidTransition"
    assert ok(http.get("/api/v1/promote/withdrawals"))["items"][0]["status"] == "paid"


def test_bad_inputs_and_other_tenants(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    creator = make_creator(db, workspace.id)
    r = ok(
        http.post(
            "/api/v1/promote/recharges", json={"creator_id": creator, "coins": 100, "method": "ovo"}
        ),
        201,
    )
    for bad in (
        {"creator_id": creator, "coins": 0, "method": "ovo"},
        {"creator_id": creator, "coins": 1.5, "method": "ovo"},
        {"creator_id": creator, "coins": 100, "method": "ovo", "extra": 1},
        {"creator_id": creator, "coins": 100, "method": "ovo", "currency": "ZZZ"},
        {"creator_id": creator, "coins": 100, "method": "ovo", "test_mode": "maybe"},
    ):
        response = http.post("/api/v1/promote/recharges", json=bad)
        assert response.status_code == 422, (bad, response.text)
    assert (
        http.post(
            "/api/v1/promote/recharges", json={"creator_id": 2**62, "coins": 1, "method": "ovo"}
        ).status_code
        == 404
    )
    assert http.get("/api/v1/promote/invoices/99999999999/pdf").status_code == 404
    assert http.get("/api/v1/promote/recharges?cursor=!!").status_code == 422
    other = new_workspace(db)
    stranger = httpx.Client(
        base_url=str(http.base_url), headers=bearer(new_key(db, other)), timeout=HANG_GUARD
    )
    assert stranger.get(f"/api/v1/promote/recharges/{r['id']}").status_code == 404
    assert ok(stranger.get("/api/v1/promote/invoices"))["items"] == []
    viewer = httpx.Client(
        base_url=str(http.base_url),
        headers=bearer(new_key(db, workspace, "viewer")),
        timeout=HANG_GUARD,
    )
    denied = viewer.post(
        "/api/v1/promote/recharges", json={"creator_id": creator, "coins": 1, "method": "ovo"}
    )
    assert denied.status_code == 403


def test_payment_methods_table_is_editable(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    creator = make_creator(db, workspace.id, region="JP")
    body = {"creator_id": creator, "coins": 100, "method": "card"}
    refused = http.post("/api/v1/promote/recharges", json=body)
    assert refused.status_code == 422
    assert refused.json()["error"] == "RegionNotSupported"
    table = ok(http.get("/api/v1/promote/payment-methods"))
    assert len(table) == 25  # the seed's table: 6 iOS + GB Android + 18 non-IAP
    table.append(
        {"region": "JP", "os": "android", "code": "card", "label": "Card", "channel": "non_iap"}
    )
    assert len(ok(http.put("/api/v1/promote/payment-methods", json={"methods": table}))) == 26
    assert ok(http.post("/api/v1/promote/recharges", json=body), 201)["currency"] == "JPY"
    twice = http.put("/api/v1/promote/payment-methods", json={"methods": table + table[-1:]})
    assert twice.status_code == 422


def test_reads_after_the_payment_methods_table_was_replaced(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    """Issue 11: the stored table came back with a bare-string OS, and every read of it
    (the table, a creator's quote) answered 500."""
    creator = make_creator(db, workspace.id, region="GB", device_os="android")
    table = ok(http.get("/api/v1/promote/payment-methods"))
    ok(http.put("/api/v1/promote/payment-methods", json={"methods": table}))
    stored = sorted(table, key=lambda m: (m["region"], m["os"], m["code"]))
    assert ok(http.get("/api/v1/promote/payment-methods")) == stored
    gb_android = ok(http.get("/api/v1/promote/payment-methods?region=GB&os=android"))
    assert [(m["os"], m["code"], m["channel"]) for m in gb_android] == [
        ("android", "google_pay", "iap")
    ]
    quote = ok(http.get(f"/api/v1/promote/creators/{creator}/recharge-quote?coins=1000"))
    assert [(m["os"], m["code"]) for m in quote["methods"]] == [("android", "google_pay")]


def test_coins_are_json_integers(http: httpx.Client, db: Database, workspace: Workspace) -> None:
    """Issue 11: true, "100", 100.0, 1e3 and non-ASCII digits were taken for 100 coins."""
    creator = make_creator(db, workspace.id, region="GB", device_os="android")
    recharge = {"creator_id": creator, "method": "google_pay"}
    for bad in NOT_JSON_INTEGERS:
        for path, body in (("recharges", recharge), ("withdrawals", {"creator_id": creator})):
            refused = http.post(
                f"/api/v1/promote/{path}", content=json_text({**body, "coins": bad}), headers=JSON
            )
            assert refused.status_code == 422, (path, bad, refused.text)
            assert refused.json()["field"] == "coins"
    assert ok(http.post("/api/v1/promote/recharges", json={**recharge, "coins": 100}), 201)


def test_payment_method_regions_are_iso_codes(http: httpx.Client) -> None:
    """Issue 11: "" was stored, and on SQLite so was any pair of characters."""
    url = "/api/v1/promote/payment-methods"
    row = {"region": "JP", "os": "android", "code": "card", "label": "Card", "channel": "non_iap"}
    for region in ("", "jp", "J", "JPN", "ÄÖ", "ＪＰ", "ZZ", "XK", 81, None):
        refused = http.put(url, json={"methods": [{**row, "region": region}]})
        assert refused.status_code == 422, (region, refused.text)
        assert refused.json()["field"] == "methods.0.region"
    extra = http.put(url, json={"methods": [{**row, "fee": 1}]})
    assert extra.status_code == 422
    assert extra.json()["field"] == "methods.0.fee"
    assert ok(http.put(url, json={"methods": [row]}))[0]["region"] == "JP"


def test_fewer_coins_than_the_minimum_charge_are_refused(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    creator = make_creator(db, workspace.id, region="ID")
    for coins in (1, 99):
        quote = http.get(f"/api/v1/promote/creators/{creator}/recharge-quote?coins={coins}")
        assert quote.status_code == 422, quote.text
        created = http.post(
            "/api/v1/promote/recharges",
            json={"creator_id": creator, "coins": coins, "method": "ovo"},
        )
        assert created.status_code == 422, created.text
        for body in (quote.json(), created.json()):
            assert (body["error"], body["field"]) == ("ValidationFailed", "coins")
            assert body["detail"] == "at least 100 coins (the minimum charge, IDR16,088)"
    assert ok(http.get("/api/v1/promote/recharges", params={"creator_id": creator}))["items"] == []
    least = ok(http.get(f"/api/v1/promote/creators/{creator}/recharge-quote?coins=100"))
    assert (least["amount"], least["amount_display"], least["at_minimum"]) == (
        1608800,
        "16,088 IDR",
        True,
    )
