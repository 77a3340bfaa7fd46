"""The shop API over a real HTTP server, on both databases: the seed's whole procedure —
enroll, preview, a refusal with the rule and alternatives, cancel, snapshot export and restore,
batch with per-item errors, stock to zero then delist, replace, presale, compensation, an
announcement on the storefront, verification and the review with its CSV."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.shop.schemas.cancel import BatchRead
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import preview as preview_service
from promodesk.shop.service.batches import Selection
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
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain

V = "/api/v1/shop"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(f.NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def test_the_seed_procedure_over_http(
    db: Database, tmp_path: Path, frozen: clock.FrozenClock
) -> None:
    workspace = new_workspace(db, "shop")
    admin, operator = new_key(db, workspace, "admin"), new_key(db, workspace, "operator")
    with live_server(make_app(db, tmp_path)) as base:
        c = httpx.Client(base_url=base, headers=bearer(operator), timeout=30)
        adm = httpx.Client(base_url=base, headers=bearer(admin), timeout=30)
        assert c.post(f"{V}/shops", json={"name": "x", "timezone": "Mars/Base"}).status_code == 422
        shop = c.post(f"{V}/shops", json={"name": "月饼小铺"}).json()
        assert shop["timezone"] == "Asia/Shanghai"
        c.post(
            f"{V}/shops/{shop['id']}/members",
            json={"name": "运营", "role": "operations", "email": "ops@shop.example"},
        )
        now = clock.now()
        act = c.post(
            f"{V}/activities",
            json={
                "name": "中秋节",
                "registration_starts_at": (now - timedelta(days=1)).isoformat(),
                "registration_ends_at": (now + timedelta(days=1)).isoformat(),
                "starts_at": (now + timedelta(days=1)).isoformat(),
                "ends_at": (now + timedelta(days=8)).isoformat(),
            },
        ).json()
        assert (act["min_products_per_shop"], act["max_cancel_percent"]) == (5, 30)
        assert (act["low_traffic_start_minute"], act["delist_delay_minutes"]) == (60, 1440)
        enrollments = []
        first = c.post(
            f"{V}/shops/{shop['id']}/products",
            json={"title": "月饼", "price_minor": 19900, "stock": 50},
        ).json()
        # an activity price above the original price is refused, naming the field
        above = c.post(
            f"{V}/activities/{act['id']}/enrollments",
            json={"product_id": first["id"], "activity_price_minor": 19901, "activity_stock": 1},
        )
        assert above.status_code == 422, above.text
        assert above.json()["field"] == "activity_price_minor"
        for i in range(10):
            p = c.post(
                f"{V}/shops/{shop['id']}/products",
                json={
                    "title": f"月饼 {i}",
                    "price_minor": 19900,
                    "stock": 50,
                    "expected_sales": 100,
                },
            ).json()
            e = c.post(
                f"{V}/activities/{act['id']}/enrollments",
                json={"product_id": p["id"], "activity_price_minor": 15900, "activity_stock": 40},
            ).json()
            assert e["state"] == "pending_review"
            e = c.post(f"{V}/enrollments/{e['id']}/review", json={"approve": True}).json()
            c.post(f"{V}/enrollments/{e['id']}/offers", json={"kind": "coupon", "value_minor": 500})
            c.post(f"{V}/enrollments/{e['id']}/traffic", json={"views": 100, "orders": 5})
            enrollments.append(e)
        ids = [e["id"] for e in enrollments]
        spare = c.post(
            f"{V}/shops/{shop['id']}/products",
            json={"title": "替换款", "price_minor": 18800, "stock": 80},
        ).json()

        view = c.post(f"{V}/preview", json={"enrollment_ids": ids[:4]}).json()
        assert view["ok"] is False
        assert view["groups"][0]["traffic"]["views_share_percent"] == 40
        refused = c.post(
            f"{V}/cancel", json={"enrollment_ids": ids[:4], "reason": "stock_shortage"}
        )
        assert refused.status_code == 409
        body = refused.json()
        assert body["error"] == "GuardrailViolation"
        assert "stock_to_zero" in body["alternatives"]
        forced = c.post(
            f"{V}/cancel",
            json={"enrollment_ids": ids[:4], "reason": "stock_shortage", "force": True},
        )
        assert forced.status_code == 403  # an operator may not force

        # the alternatives instead
        zeroed = c.post(f"{V}/enrollments/{ids[3]}/stock-zero").json()
        assert zeroed["state"] == "stock_zeroed"
        replaced = c.post(f"{V}/enrollments/{ids[4]}/replace", json={"product_id": spare["id"]})
        assert replaced.status_code == 201
        assert replaced.json()["replaces_id"] == ids[4]
        assert len(c.get(f"{V}/enrollments/{replaced.json()['id']}/offers").json()) == 1
        assert (
            c.post(f"{V}/enrollments/{ids[5]}/presale", json={"shipping_days": 20}).status_code
            == 422
        )
        assert (
            c.post(f"{V}/enrollments/{ids[5]}/presale", json={"shipping_days": 10}).json()[
                "presale"
            ]
            is True
        )

        done = c.post(
            f"{V}/cancel",
            json={"enrollment_ids": ids[:3], "reason": "other", "reason_text": "供应商延迟"},
        ).json()
        batch = done["batches"][0]
        assert (batch["status"], batch["done"]) == ("done", 3)
        snaps = c.get(f"{V}/snapshots", params={"batch_id": batch["id"]}).json()["items"]
        export = c.get(f"{V}/snapshots/{snaps[0]['id']}/export")
        assert export.headers["content-type"].startswith("application/json")
        assert export.json()["enrollment"]["state"] == "approved"
        restored = c.post(f"{V}/snapshots/{snaps[0]['id']}/restore").json()
        assert restored["state"] == "approved"
        assert c.post(f"{V}/snapshots/{snaps[0]['id']}/restore").status_code == 409

        window = c.post(
            f"{V}/cancel",
            json={"enrollment_ids": [ids[6]], "mode": "window", "reason": "plan_change"},
        ).json()["batches"][0]
        assert window["status"] == "scheduled"
        assert c.post(f"{V}/batches/{window['id']}/call-off").json()["status"] == "cancelled"

        batch2 = adm.post(
            f"{V}/cancel",
            json={"enrollment_ids": [*ids[:3], ids[7]], "mode": "batch", "reason": "plan_change"},
        )
        assert batch2.status_code == 200
        drain(db, workspace.id)
        b2 = c.get(f"{V}/batches/{batch2.json()['batches'][0]['id']}").json()
        items = c.get(f"{V}/batches/{b2['id']}/items", params={"status": "failed"}).json()
        assert b2["status"] == "partial"
        assert items["items"]
        assert {i["error_code"] for i in items["items"]} <= {
            "ALREADY_CANCELLED",
            "GUARDRAIL_MAX_CANCEL_RATIO",
            "GUARDRAIL_MIN_PRODUCTS",
        }

        frozen.advance(timedelta(minutes=20))
        drain(db, workspace.id)
        results = c.get(f"{V}/verifications", params={"batch_id": batch["id"]}).json()
        assert results["items"]
        assert all(r["passed"] for r in results["items"])

        frozen.advance(timedelta(hours=24))
        drain(db, workspace.id)
        assert c.get(f"{V}/enrollments/{ids[3]}").json()["state"] == "delisted"

        c.post(
            f"{V}/products/{enrollments[0]['product_id']}/followers",
            json={"follower_ids": ["u1", "u2", "u2"]},
        )
        comp = c.post(
            f"{V}/products/{enrollments[0]['product_id']}/compensation",
            json={"value_minor": 1000, "valid_days": 7},
        )
        assert comp.status_code == 201
        assert comp.json()["issued"] == 2
        c.post(
            f"{V}/shops/{shop['id']}/announcements",
            json={
                "title": "商品调整说明",
                "body": "部分商品库存不足,推荐替换款。",
                "product_ids": [spare["id"]],
            },
        )
        front = c.get(f"{V}/shops/{shop['id']}/storefront").json()
        assert front["announcements"][0]["products"][0]["id"] == spare["id"]

        review = c.get(f"{V}/activities/{act['id']}/shops/{shop['id']}/review").json()
        assert review["threshold_percent"] == 30
        assert review["cancelled"] >= 2
        assert review["cancellations_by_reason"]
        csv_text = c.get(f"{V}/activities/{act['id']}/shops/{shop['id']}/review.csv").text
        assert csv_text.startswith("\ufeffSection,Item,Figure")
        listed = c.get(
            f"{V}/enrollments", params={"activity_id": act["id"], "state": ["removed"]}
        ).json()
        assert all(e["state"] == "removed" for e in listed["items"])
        assert c.get(f"{V}/enrollments", params={"state": ["nope"]}).status_code == 422


def test_shop_bodies_are_strict(db: Database, tmp_path: Path) -> None:
    """Issue 11: unknown fields were ignored, and true, "100", 100.0, 1e3 and non-ASCII digits
    were taken for 100 (a price, a stock)."""
    workspace = new_workspace(db, "shop")
    with live_server(make_app(db, tmp_path)) as base:
        c = httpx.Client(
            base_url=base, headers=bearer(new_key(db, workspace, "operator")), timeout=HANG_GUARD
        )
        ignored = c.post(f"{V}/shops", json={"name": "店", "owner_email": "a@b.example"})
        assert ignored.status_code == 422, ignored.text
        assert ignored.json()["field"] == "owner_email"
        shop = c.post(f"{V}/shops", json={"name": "店"}).json()
        products = f"{V}/shops/{shop['id']}/products"
        item = {"title": "月饼", "price_minor": 1999, "stock": 10}
        for field in ("price_minor", "stock"):
            for bad in NOT_JSON_INTEGERS:
                body = json_text({**item, field: bad})
                refused = c.post(products, content=body, headers=JSON)
                assert refused.status_code == 422, (field, bad, refused.text)
                assert refused.json()["field"] == field
        for currency in ("cny", "RMB", "XAU", ""):
            refused = c.post(products, json={**item, "currency": currency})
            assert refused.status_code == 422, (currency, refused.text)
            assert refused.json()["field"] == "currency"
        product = c.post(products, json=item)
        assert product.status_code == 201, product.text
        restock = f"{V}/products/{product.json()['id']}/restock"
        for bad in NOT_JSON_INTEGERS:
            refused = c.post(restock, content=json_text({"stock": bad}), headers=JSON)
            assert refused.status_code == 422, (bad, refused.text)
            assert refused.json()["field"] == "stock"
        assert c.post(restock, json={"stock": 5}).status_code == 200
        # a restock is capped (PROMODESK_SHOP_MAX_RESTOCK, 1,000,000 by default)
        assert c.post(restock, json={"stock": 1_000_000}).status_code == 200
        for huge in (1_000_001, 99_999_999_999):
            refused = c.post(restock, json={"stock": huge})
            assert refused.status_code == 422, refused.text
            assert refused.json()["field"] == "stock"
            assert "at most 1,000,000" in refused.json()["detail"]
        for cell in ("²", "١٠٠", "１００"):  # digits to str.isdigit(), not product ids
            csv = {"product_ids_csv": f"product_id\n{product.json()['id']}\n{cell}\n"}
            refused = c.post(f"{V}/preview", json=csv)
            assert refused.status_code == 422, (cell, refused.text)
            assert refused.json()["field"] == "product_ids_csv"
        # comma-separated cells are all read: one that is not an id is refused, not dropped
        pid = product.json()["id"]
        refused = c.post(f"{V}/preview", json={"product_ids_csv": f"{pid},{pid},abc"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "product_ids_csv"
        assert "'abc'" in refused.json()["detail"]


def test_the_preview_body_is_the_plan_as_the_service_gives_it(db: Database, tmp_path: Path) -> None:
    """The preview has a schema in OpenAPI (``CancelPreview``) and its JSON is the service's
    dict as it always was: an item's optional fields (``code``, ``batch_id``,
    ``target_state``) appear only where they apply."""
    workspace = new_workspace(db, "preview-shape")
    _s, _a, ids = f.setup(db, workspace.id, 10)
    with db.transaction() as uow:
        batch_service.cancel_now(
            uow, workspace.id, Selection(enrollment_ids=ids[:1]), reason="other", reason_text="x",
            actor="user:1", role="owner",
        )  # fmt: skip
    selection = {"enrollment_ids": ids[:3]}
    with TestClient(make_app(db, tmp_path)) as c:
        c.headers.update(bearer(new_key(db, workspace, "viewer")))
        body = c.post(f"{V}/preview", json=selection).json()
        spec = c.get("/api/v1/openapi.json").json()
        with db.transaction() as uow:
            expected = preview_service.preview(uow, workspace.id, Selection(enrollment_ids=ids[:3]))
        c.headers.update(bearer(new_key(db, workspace, "owner")))
        cancel = {**selection, "reason": "plan_change"}
        dry = c.post(f"{V}/cancel", json={**cancel, "dry_run": True}).json()
        done = c.post(f"{V}/cancel", json=cancel).json()
    assert dry == {"dry_run": True, "preview": body, "batches": []}
    assert (done["dry_run"], done["preview"]) == (False, None)
    (batch,) = done["batches"]
    assert set(batch) == set(BatchRead.model_fields)
    # the one already cancelled fails by itself, as the preview said
    assert (batch["status"], batch["done"], batch["failed"]) == ("partial", 2, 1)
    assert body == json.loads(json.dumps(expected))
    refused, ok = body["items"][0], body["items"][1]
    assert refused["code"] == "ALREADY_CANCELLED"
    assert "target_state" not in refused
    assert "code" not in ok
    assert "batch_id" not in ok
    answer = spec["paths"][f"{V}/preview"]["post"]["responses"]["200"]["content"]
    assert answer["application/json"]["schema"] == {"$ref": "#/components/schemas/CancelPreview"}
