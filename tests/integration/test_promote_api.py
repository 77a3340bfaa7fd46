"""The promote core API over a real HTTP server, on SQLite and PostgreSQL: creator, content,
coupon, order, review, delivery, stop, pause refused, analytics, errors never 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promodesk.kit.db import Database
from promodesk.models import Workspace
from promodesk.promote.api.orders import router as promote_router
from tests.api_support import (
    JSON,
    NOT_JSON_INTEGERS,
    bearer,
    json_text,
    live_server,
    make_app,
    new_key,
    new_workspace,
)
from tests.integration.promote_factories import balances, drain, fund, make_creator, make_video


def with_promote_routes(app: FastAPI) -> FastAPI:
    if not any(getattr(r, "path", "") == "/api/v1/promote/orders" for r in app.routes):
        app.include_router(promote_router)
    return app


@pytest.fixture
def workspace(db: Database) -> Workspace:
    return new_workspace(db)


@pytest.fixture
def http(db: Database, tmp_path: Path, workspace: Workspace) -> Iterator[httpx.Client]:
    app = with_promote_routes(make_app(db, tmp_path))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        client.headers.update(bearer(new_key(db, workspace, "admin")))
        yield client


def ok(response: httpx.Response, code: int = 200) -> Any:
    assert response.status_code == code, response.text
    return response.json()


def test_the_whole_order_flow(http: httpx.Client, db: Database, workspace: Workspace) -> None:
    creator = ok(
        http.post(
            "/api/v1/promote/creators",
            json={
                "handle": "tom.shop",
                "birth_date": "1991-04-02",
                "account_type": "business",
                "device_os": "android",
                "app_version": "21.1",
                "region": "GB",
            },
        ),
        201,
    )
    assert creator["region"] == "GB"
    cid = creator["id"]
    with db.transaction() as uow:
        fund(uow, workspace.id, cid, 1000)
    video = ok(
        http.post(
            "/api/v1/promote/contents",
            json={"creator_id": cid, "kind": "video", "title": "Spring", "commercial_music": True},
        ),
        201,
    )
    elig = ok(http.get(f"/api/v1/promote/creators/{cid}/eligibility?content_id={video['id']}"))
    assert elig == {
        "eligible": True,
        "reasons": [],
        "promote_type": "video",
        "allowed_goals": ["video_views", "website_visits", "followers"],
    }
    coupon = ok(
        http.post(
            "/api/v1/promote/coupons",
            json={"creator_id": cid, "value_coins": 300, "valid_until": "2099-01-01T00:00:00Z"},
        ),
        201,
    )
    refused = http.post(
        "/api/v1/promote/orders",
        json={
            "creator_id": cid,
            "content_id": video["id"],
            "goal": "product_clicks",
            "budget_coins": 1000,
            "duration_hours": 24,
        },
    )
    assert refused.status_code == 422
    assert refused.json()["allowed_goals"] == ["video_views", "website_visits", "followers"]
    order = ok(
        http.post(
            "/api/v1/promote/orders",
            json={
                "creator_id": cid,
                "content_id": video["id"],
                "goal": "video_views",
                "budget_coins": 1000,
                "duration_hours": 24,
                "coupon_id": coupon["id"],
                "audience": {"mode": "custom", "gender": "male", "age_ranges": ["18-24"]},
            },
        ),
        201,
    )
    oid = order["id"]
    assert (order["status"], order["paid_coins"], order["coupon_coins"]) == ("in_review", 700, 300)
    queue = ok(http.get("/api/v1/promote/review-queue"))
    assert [o["id"] for o in queue["items"]] == [oid]
    ok(http.post(f"/api/v1/promote/orders/{oid}/approve"))
    batch = ok(
        http.post(
            "/api/v1/promote/delivery/batches",
            json={
                "events": [
                    {
                        "event_id": "e1",
                        "order_id": oid,
                        "spend_coins": 200,
                        "results": {"views": 80},
                    },
                    {
                        "event_id": "e2",
                        "order_id": oid,
                        "spend_coins": 200,
                        "results": {"views": 20},
                    },
                    {"event_id": "e3", "order_id": 999999, "spend_coins": 5},
                ]
            },
        )
    )
    assert (batch["accepted"], batch["charged_coins"], batch["unknown_orders"]) == (
        2,
        400,
        [999999],
    )
    paused = http.post(f"/api/v1/promote/orders/{oid}/pause")
    assert paused.status_code == 409
    assert paused.json()["error"] == "PauseNotSupported"
    assert "stop" in paused.json()["detail"]
    stopped = ok(http.post(f"/api/v1/promote/orders/{oid}/stop", json={"reason": "enough"}))
    assert stopped["status"] == "stopped"
    drain(db, workspace.id)
    stats = ok(http.get(f"/api/v1/promote/orders/{oid}/stats"))
    got = stats["order"]
    assert (got["spent_coins"], got["refunded_coins"], got["remaining_coins"]) == (400, 600, 0)
    assert (got["goal_results"], got["cost_per_result"]) == (100, "4.00")
    assert [p["spend_coins"] for p in stats["series"]] == [400]
    assert balances(db, workspace.id, cid)["wallet"] == 900
    wallet = ok(http.get(f"/api/v1/promote/creators/{cid}/wallet"))
    assert (wallet["balance"], wallet["held"], wallet["open_orders"]) == (900, 0, 0)
    listed = ok(
        http.get("/api/v1/promote/orders", params={"status": "stopped", "goal": "video_views"})
    )
    assert [o["id"] for o in listed["items"]] == [oid]
    assert ok(http.get("/api/v1/promote/orders", params={"status": "delivering"}))["items"] == []
    coupon_after = ok(http.get(f"/api/v1/promote/coupons/{coupon['id']}"))
    assert coupon_after["status"] == "consumed"


def test_a_second_stop_is_a_conflict(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    cid = ok(
        http.post(
            "/api/v1/promote/creators",
            json={
                "handle": "ann",
                "birth_date": "1990-01-01",
                "account_type": "personal",
                "device_os": "ios",
                "app_version": "20.4",
                "region": "ID",
            },
        ),
        201,
    )["id"]
    with db.transaction() as uow:
        fund(uow, workspace.id, cid, 500)
    live = ok(
        http.post(
            "/api/v1/promote/contents", json={"creator_id": cid, "kind": "live", "on_air": True}
        ),
        201,
    )
    order = ok(
        http.post(
            "/api/v1/promote/orders",
            json={
                "creator_id": cid,
                "content_id": live["id"],
                "goal": "live_viewers",
                "budget_coins": 500,
                "duration_hours": 2,
            },
        ),
        201,
    )
    assert (order["status"], order["review_status"]) == ("delivering", "pending")
    ok(http.post(f"/api/v1/promote/orders/{order['id']}/stop"))
    again = http.post(f"/api/v1/promote/orders/{order['id']}/stop")
    assert again.status_code == 409
    assert again.json()["error"] == "InvalidTransition"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/promote/creators", {"handle": "x\x00y"}),
        (
            "post",
            "/api/v1/promote/creators",
            {
                "handle": "ok",
                "birth_date": "1990-01-01",
                "account_type": "personal",
                "device_os": "android",
                "app_version": "1.2.3.4.5",
                "region": "GB",
            },
        ),
        ("post", "/api/v1/promote/orders", {"creator_id": 2**63, "content_id": 1}),
        (
            "post",
            "/api/v1/promote/delivery/batches",
            {"events": [{"event_id": "", "order_id": 1, "spend_coins": -1}]},
        ),
        ("post", "/api/v1/promote/orders/1/pause", None),
        ("get", "/api/v1/promote/orders?created_from=99999-01-01", None),
        ("get", "/api/v1/promote/orders?cursor=%%%", None),
        ("get", "/api/v1/promote/orders/99999999999999999999", None),
        (
            "post",
            "/api/v1/promote/coupons",
            {"creator_id": 1, "value_coins": 5, "valid_until": "2000-01-01T00:00:00Z"},
        ),
    ],
)
def test_bad_input_is_a_4xx(http: httpx.Client, method: str, path: str, body: Any) -> None:
    response = http.request(method.upper(), path, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()


def test_order_budgets_and_durations_are_json_integers(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    """Issue 11: true, "100", 100.0, 1e3 and non-ASCII digits were taken for a budget of 100."""
    with db.transaction() as uow:
        creator = make_creator(uow, workspace.id)
        video = make_video(uow, workspace.id, creator)
        fund(uow, workspace.id, creator, 1000)
    order = {"creator_id": creator, "content_id": video, "goal": "video_views"}
    valid = {"budget_coins": 100, "duration_hours": 24}
    for field in ("budget_coins", "duration_hours", "creator_id"):
        for bad in NOT_JSON_INTEGERS:
            body = {**order, **valid, field: bad}
            refused = http.post("/api/v1/promote/orders", content=json_text(body), headers=JSON)
            assert refused.status_code == 422, (field, bad, refused.text)
            assert refused.json()["field"] == field
    placed = ok(http.post("/api/v1/promote/orders", json={**order, **valid}), 201)
    assert placed["budget_coins"] == 100


def test_ending_a_live_ends_its_orders_and_refunds_the_rest_once(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    cid = ok(
        http.post(
            "/api/v1/promote/creators",
            json={
                "handle": "rani",
                "birth_date": "1990-01-01",
                "account_type": "creator",
                "device_os": "android",
                "app_version": "21.0",
                "region": "ID",
            },
        ),
        201,
    )["id"]
    with db.transaction() as uow:
        fund(uow, workspace.id, cid, 1000)
    live = ok(
        http.post(
            "/api/v1/promote/contents", json={"creator_id": cid, "kind": "live", "on_air": True}
        ),
        201,
    )
    order = ok(
        http.post(
            "/api/v1/promote/orders",
            json={
                "creator_id": cid,
                "content_id": live["id"],
                "goal": "live_viewers",
                "budget_coins": 600,
                "duration_hours": 4,
            },
        ),
        201,
    )
    assert order["status"] == "delivering"
    ok(
        http.post(
            "/api/v1/promote/delivery/batches",
            json={"events": [{"event_id": "l-1", "order_id": order["id"], "spend_coins": 150}]},
        )
    )
    # the LIVE goes off air: its delivering order ends and the unspent rest comes back
    off = ok(http.post(f"/api/v1/promote/contents/{live['id']}/live-state", json={"on_air": False}))
    assert off["on_air"] is False
    ended = ok(http.get(f"/api/v1/promote/orders/{order['id']}"))
    assert ended["status"] == "stopped"
    drain(db, workspace.id)
    assert balances(db, workspace.id, cid, order["id"])["wallet"] == 1000 - 150
    assert balances(db, workspace.id, cid, order["id"])["escrow"] == 0
    # saying it again changes nothing and returns nothing more
    ok(http.post(f"/api/v1/promote/contents/{live['id']}/live-state", json={"on_air": False}))
    drain(db, workspace.id)
    assert balances(db, workspace.id, cid, order["id"])["wallet"] == 1000 - 150


def test_a_scheduled_live_start_in_the_past_is_refused(
    http: httpx.Client, db: Database, workspace: Workspace
) -> None:
    cid = ok(
        http.post(
            "/api/v1/promote/creators",
            json={
                "handle": "tono",
                "birth_date": "1990-01-01",
                "account_type": "creator",
                "device_os": "android",
                "app_version": "21.0",
                "region": "ID",
            },
        ),
        201,
    )["id"]
    past = "2020-01-01T10:00:00Z"
    created = http.post(
        "/api/v1/promote/contents",
        json={"creator_id": cid, "kind": "live", "scheduled_start": past},
    )
    assert created.status_code == 422, created.text
    assert created.json()["field"] == "scheduled_start"
    live = ok(http.post("/api/v1/promote/contents", json={"creator_id": cid, "kind": "live"}), 201)
    refused = http.post(
        f"/api/v1/promote/contents/{live['id']}/live-state",
        json={"on_air": False, "scheduled_start": past},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "scheduled_start"
