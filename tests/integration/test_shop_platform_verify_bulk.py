"""The verification of a large linked-shop cancel reads every item on the platform, in bulk,
against the shop sandbox over real HTTP (both databases): a scaled batch (every enrollment of
several activities, more items than the shop's catalog has pages) is read with one Get
Activity per activity and the catalog's Search Products pages (100 products a page), not one
Get Product per item, and every item is checked there; the same batch acknowledged but not
applied by the platform fails item by item; past the safety cap, the rest is checked
locally only."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select

from promodesk.kit.db import Database
from promodesk.models import ShopEnrollment, ShopSnapshot, ShopVerification
from promodesk.shop.settings import shop_settings
from tests.integration.promote_factories import drain
from tests.integration.test_shop_platform_actions import cancel_now, enrollments, linked
from tests.integration.test_shop_platform_verification import verify_now
from tests.shop_platform_support import sandbox_platform
from tests.shop_sandbox_support import ShopSandboxHandle

PRODUCTS = 260  # three pages of 100
ACTIVITIES = 4
PER_ACTIVITY = 90


def calls(sb: ShopSandboxHandle) -> dict[str, int]:
    return dict(sb.sandbox.stats()["requests"])


def count(made: dict[str, int], endpoint: str) -> int:
    return made.get(endpoint, 0)


def orderable(sb: ShopSandboxHandle) -> None:
    """Every generated product listed with stock (the world draws some delisted ones)."""
    world = sb.sandbox.world
    with world.lock:
        for product in world.products.values():
            product.status = "ACTIVATE"
            for sku in product.skus:
                sku.stock = max(sku.stock, 5)


def cancelled_items(db: Database, sb: ShopSandboxHandle, shop_id: int) -> list[Any]:
    """Every live enrollment of the ongoing mutable activities (at most ``ACTIVITIES``)."""
    world = sb.sandbox.world
    now = world.now()
    chosen = [
        a.id for a in world.activities.values() if a.status(now) == "ONGOING" and not a.immutable
    ][:ACTIVITIES]
    assert len(chosen) >= 2
    rows = [r for a in chosen for r in enrollments(db, shop_id, a)]
    with db.transaction() as uow:
        live = set(
            uow.session.execute(
                select(ShopEnrollment.id).where(
                    ShopEnrollment.id.in_([r[1] for r in rows]), ShopEnrollment.state == "live"
                )
            ).scalars()
        )
    return [r for r in rows if r[1] in live]


def platform_rows(rows: list[ShopVerification]) -> list[dict[str, Any]]:
    return [r.platform for r in rows if r.platform is not None]


def test_every_item_is_read_in_bulk(db: Database) -> None:
    knobs = {"products": PRODUCTS, "activities": ACTIVITIES, "enrollments": PER_ACTIVITY}
    with sandbox_platform(shops=1, coupons=0, activity_status="ONGOING", **knobs) as sb:
        orderable(sb)
        ws, shop_id = linked(db, sb)
        items = cancelled_items(db, sb, shop_id)
        products = {r[3] for r in items}
        assert len(products) > math.ceil(PRODUCTS / 100)
        batch = cancel_now(db, ws, [r[1] for r in items])
        drain(db, ws)
        sb.sandbox.reset_stats()
        rows = verify_now(db, ws, batch)
        made = calls(sb)
        assert len(rows) == len(items)
        seen = platform_rows(rows)
        assert len(seen) == len(items)  # every item checked on the platform
        bad = [p for p in seen if not p["read"] or p["problems"]]
        assert bad == []
        assert all(r.passed for r in rows)
        assert all(all(p["request_ids"]) for p in seen)
        # One read per activity, the catalog's pages, no product read one by one.
        activities = {r[0] for r in items}
        assert count(made, "/promotion/202309/activities/{activity_id}") == len(activities)
        assert count(made, "/product/202502/products/search") == math.ceil(PRODUCTS / 100)
        assert count(made, "/product/202309/products/{product_id}") == 0
        assert sum(made.values()) == len(activities) + math.ceil(PRODUCTS / 100)


def test_a_bulk_batch_acknowledged_but_not_applied_fails(db: Database) -> None:
    knobs = {"products": PRODUCTS, "activities": ACTIVITIES, "enrollments": PER_ACTIVITY}
    with sandbox_platform(shops=1, coupons=0, activity_status="ONGOING", **knobs) as sb:
        orderable(sb)
        ws, shop_id = linked(db, sb)
        items = cancelled_items(db, sb, shop_id)
        sb.sandbox.update(remove_noop=True)
        batch = cancel_now(db, ws, [r[1] for r in items])
        drain(db, ws)
        rows = verify_now(db, ws, batch)
        seen = platform_rows(rows)
        assert len(seen) == len(items)
        assert not any(r.passed for r in rows)
        assert all(p["problems"] == ["activity_price"] for p in seen)
        assert all(p["still_in_activity"] for p in seen)
        assert sb.sandbox.stats()["remove_noops_total"] > 0


def test_past_the_safety_cap_the_rest_is_checked_locally(db: Database, monkeypatch: Any) -> None:
    knobs = {"products": PRODUCTS, "activities": ACTIVITIES, "enrollments": PER_ACTIVITY}
    with sandbox_platform(shops=1, coupons=0, activity_status="ONGOING", **knobs) as sb:
        orderable(sb)
        ws, shop_id = linked(db, sb)
        items = cancelled_items(db, sb, shop_id)
        monkeypatch.setenv("PROMODESK_SHOP_PLATFORM_VERIFY_MAX_PRODUCTS", "50")
        shop_settings.cache_clear()
        try:
            batch = cancel_now(db, ws, [r[1] for r in items])
            drain(db, ws)
            rows = verify_now(db, ws, batch)
        finally:
            monkeypatch.delenv("PROMODESK_SHOP_PLATFORM_VERIFY_MAX_PRODUCTS")
            shop_settings.cache_clear()
        assert len(rows) == len(items)
        assert len(platform_rows(rows)) == 50
        assert all(r.passed for r in rows)


def test_a_product_listed_without_stock_fails_unless_it_had_none_before(db: Database) -> None:
    """Read in bulk, a listed product the platform shows without stock fails (it cannot be
    ordered at its normal price) when its snapshot had stock before the cancel, and passes
    when it had none then either."""
    knobs = {"products": PRODUCTS, "activities": ACTIVITIES, "enrollments": PER_ACTIVITY}
    with sandbox_platform(shops=1, coupons=0, activity_status="ONGOING", **knobs) as sb:
        orderable(sb)
        ws, shop_id = linked(db, sb)
        items = cancelled_items(db, sb, shop_id)
        batch = cancel_now(db, ws, [r[1] for r in items])
        drain(db, ws)
        once = [r for r in items if sum(1 for o in items if o[3] == r[3]) == 1]
        had_stock, had_none = once[0], once[1]
        world = sb.sandbox.world
        with world.lock:
            for row in (had_stock, had_none):
                for sku in world.products[row[3]].skus:
                    sku.stock = 0
        with db.transaction() as uow:
            snapshot = uow.session.execute(
                select(ShopSnapshot).where(
                    ShopSnapshot.batch_id == batch, ShopSnapshot.enrollment_id == had_none[1]
                )
            ).scalar_one()
            snapshot.data = {**snapshot.data, "product": {**snapshot.data["product"], "stock": 0}}
        rows = {r.enrollment_id: r for r in verify_now(db, ws, batch)}
        assert len(rows) == len(items)
        failed = rows[had_stock[1]]
        assert not failed.passed
        assert failed.platform is not None
        assert failed.platform["problems"] == ["not_orderable"]
        assert failed.platform["stock"] == 0
        assert rows[had_none[1]].passed
        assert rows[had_none[1]].platform is not None
        assert rows[had_none[1]].platform["problems"] == []
        others = [r for e, r in rows.items() if e not in (had_stock[1], had_none[1])]
        assert all(r.passed and r.platform is not None for r in others)
