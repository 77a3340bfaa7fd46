"""Mirroring a linked shop from the shop sandbox (both databases): products with SKUs, prices
and stock; activities with their enrollments; coupons as offers; incremental re-sync reading
no unchanged activity again; a platform-side removal reaching the mirror through a signed
webhook; a bad signature refused; a redelivery applied once; a revoked token stopping the
sync with everything kept."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

import promodesk.shop.jobs  # noqa: F401  (registers the platform handlers)
from promodesk.kit.db import Database
from promodesk.models import (
    Operation,
    ShopActivity,
    ShopActivityCounter,
    ShopEnrollment,
    ShopOffer,
    ShopPlatformEvent,
    ShopProduct,
    ShopProductSku,
)
from promodesk.shop.domain.enrollments import IN_ACTIVITY
from promodesk.shop.platform import providers
from promodesk.shop.platform.port import ShopAccess
from promodesk.shop.service.platform_links import reads as link_reads
from promodesk.shop.service.platform_sync import steps
from promodesk.shop_sandbox.signing import webhook_signature
from tests.api_support import HANG_GUARD, live_server, make_app, new_workspace
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain
from tests.shop_platform_support import link_shop, sandbox_platform
from tests.shop_sandbox_support import ShopSandboxHandle

SIZES = {"shops": 1, "products": 30, "activities": 6, "enrollments": 8, "coupons": 4}


def _count(db: Database, model: type, *where: object) -> int:
    with db.transaction() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _setup(db: Database, sb: ShopSandboxHandle) -> tuple[int, int]:
    ws = new_workspace(db, "sync")
    with db.transaction() as uow:
        shop_id = f.shop(uow, ws.id).id
    link_shop(db, ws.id, shop_id, sb)
    return ws.id, shop_id


def _sync(db: Database, ws: int, shop_id: int, *, full: bool = False) -> int:
    with db.transaction() as uow:
        _, op_id = steps.start_sync(uow, ws, shop_id, actor="test", full=full)
    drain(db, ws)
    return op_id


def _platform_activities(sb: ShopSandboxHandle) -> list[dict[str, object]]:
    token = sb.access_token()
    found, cursor = [], ""
    while True:
        body = {"page_size": 100, **({"page_token": cursor} if cursor else {})}
        data = sb.data("POST", "/promotion/202309/activities/search", token, shop=0, body=body)
        found += data["activities"]
        cursor = data["next_page_token"]
        if not cursor:
            return found


def test_sync_mirrors_products_activities_and_coupons(db: Database) -> None:
    with sandbox_platform(**SIZES) as sb:
        ws, shop_id = _setup(db, sb)
        op_id = _sync(db, ws, shop_id)
        with db.transaction() as uow:
            op = uow.session.get(Operation, op_id)
            assert op is not None
            assert op.state == "succeeded", op.errors
            link = link_reads.get_link(uow, ws, shop_id)
            assert link is not None
            assert link.synced_at is not None
            assert link.sync_state["status"] == "done"
        world = sb.sandbox.world
        assert _count(db, ShopProduct, ShopProduct.shop_id == shop_id) == 30
        skus = sum(len(p.skus) for p in world.products.values())
        assert _count(db, ShopProductSku, ShopProductSku.workspace_id == ws) == skus
        with db.transaction() as uow:
            product = uow.session.execute(
                select(ShopProduct).where(ShopProduct.shop_id == shop_id).limit(1)
            ).scalar_one()
            source = world.products[str(product.platform_product_id)]
            assert product.stock == sum(s.stock for s in source.skus)
        platform = _platform_activities(sb)
        assert _count(db, ShopActivity, ShopActivity.platform_shop_id == shop_id) == len(platform)
        running = [a for a in platform if a["status"] in ("DRAFT", "NOT_START", "ONGOING")]
        # Read from the sandbox's own world (calls of the test would count against the
        # shop's rate limit the connector keeps to).
        expected = sum(len(world.activities[str(a["id"])].products) for a in running)
        in_activity = [s.value for s in IN_ACTIVITY]
        assert (
            _count(
                db,
                ShopEnrollment,
                ShopEnrollment.shop_id == shop_id,
                ShopEnrollment.state.in_(in_activity),
            )
            == expected
        )
        with db.transaction() as uow:
            active = uow.session.execute(
                select(func.sum(ShopActivityCounter.active)).where(
                    ShopActivityCounter.shop_id == shop_id
                )
            ).scalar_one()
        assert active == expected
        assert (
            _count(
                db,
                ShopOffer,
                ShopOffer.workspace_id == ws,
                ShopOffer.platform_coupon_id.is_not(None),
            )
            > 0
        )

        # Incremental: nothing changed, so no activity is read again.
        sb.sandbox.reset_stats()
        _sync(db, ws, shop_id)
        reads = sb.sandbox.stats()["requests"]
        assert reads.get("/promotion/202309/activities/{activity_id}", 0) == 0
        assert reads.get("/promotion/202309/activities/search", 0) >= 1
        assert sb.sandbox.stats()["throttled_total"] == 0


def test_a_platform_removal_reaches_the_mirror_by_webhook(db: Database, tmp_path: Path) -> None:
    with sandbox_platform(**SIZES) as sb, live_server(make_app(db, tmp_path)) as base:
        ws, shop_id = _setup(db, sb)
        _sync(db, ws, shop_id)
        hook = f"{base}/api/v1/shop-platform/webhooks/tiktok"
        sb.sandbox.update(webhook_url=hook, webhook_backoff_seconds=0.1)
        world = sb.sandbox.world
        ongoing = next(
            a
            for a in world.activities.values()
            if a.status(world.now()) == "ONGOING" and not a.immutable
        )
        removed = list(ongoing.products)[:2]
        # Through the connector, which keeps to the shop's rate limit the sync just used.
        access = ShopAccess(sb.access_token(), sb.cipher(0))
        providers.platform().remove_from_activity(access, ongoing.id, removed)
        deadline = time.monotonic() + HANG_GUARD
        while not any(d["delivered"] for d in sb.sandbox.webhooks.deliveries()):
            assert time.monotonic() < deadline, sb.sandbox.webhooks.deliveries()
            time.sleep(0.05)
        drain(db, ws)
        with db.transaction() as uow:
            states = uow.session.execute(
                select(ShopProduct.platform_product_id, ShopEnrollment.state)
                .join(ShopProduct, ShopProduct.id == ShopEnrollment.product_id)
                .join(ShopActivity, ShopActivity.id == ShopEnrollment.activity_id)
                .where(
                    ShopActivity.platform_shop_id == shop_id,
                    ShopActivity.platform_activity_id == ongoing.id,
                )
            ).all()
        by_product = dict(states)
        assert all(by_product[p] == "terminated" for p in removed)
        assert sum(1 for s in by_product.values() if s == "live") == len(by_product) - 2

        data = {"product_id": int(removed[0]), "status": "SELLER_DEACTIVATED"}
        event = {"type": 5, "tts_notification_id": "n-1", "timestamp": 1, "data": data}
        event["shop_id"] = sb.sandbox.world.shops[0].id
        body = json.dumps(event, separators=(",", ":")).encode()
        good = webhook_signature(sb.app_key, sb.app_secret, body)
        bad = httpx.post(hook, content=body, headers={"Authorization": good[::-1]})
        assert bad.status_code == 401
        first = httpx.post(hook, content=body, headers={"Authorization": good})
        again = httpx.post(hook, content=body, headers={"Authorization": good})
        assert first.json()["message"] == "accepted"
        assert again.json()["message"] == "duplicate"
        assert _count(db, ShopPlatformEvent, ShopPlatformEvent.digest == "n:n-1") == 1
        garbage = httpx.post(hook, content=b"\xff\x00not json", headers={"Authorization": "x"})
        assert garbage.status_code == 401


def test_a_revoked_token_stops_the_sync_and_keeps_the_mirror(db: Database) -> None:
    with sandbox_platform(**SIZES) as sb:
        ws, shop_id = _setup(db, sb)
        _sync(db, ws, shop_id)
        products = _count(db, ShopProduct, ShopProduct.shop_id == shop_id)
        shop = sb.sandbox.world.shops[0].id
        assert (
            httpx.post(f"{sb.base_url}/sandbox-admin/revoke", json={"shop_id": shop}).status_code
            == 200
        )
        op_id = _sync(db, ws, shop_id, full=True)
        with db.transaction() as uow:
            op = uow.session.get(Operation, op_id)
            assert op is not None
            assert op.state == "failed"
            link = link_reads.get_link(uow, ws, shop_id)
            assert link is not None
            assert link.status == "needs_reauth"
        assert _count(db, ShopProduct, ShopProduct.shop_id == shop_id) == products
