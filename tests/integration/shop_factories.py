"""Shop test factories: plain functions with keyword defaults."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.models import ShopActivity, ShopEnrollment, ShopProduct
from promodesk.shop.service import catalog
from promodesk.shop.service import offers as offers_service
from promodesk.shop.service import shops as shops_service

NOW = datetime(2026, 9, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai: outside 01:00-05:00


def shop(uow: UnitOfWork, workspace_id: int, *, timezone: str = "Asia/Shanghai", **kw: Any) -> Any:
    return shops_service.create_shop(
        uow, workspace_id, name=kw.pop("name", f"shop-{uuid.uuid4().hex[:6]}"), timezone=timezone
    )


def activity(
    uow: UnitOfWork, workspace_id: int, *, started: bool = False, **rules: Any
) -> ShopActivity:
    now = clock.now()
    start = now - timedelta(hours=1) if started else now + timedelta(days=2)
    return catalog.create_activity(
        uow,
        workspace_id,
        name=rules.pop("name", "中秋节"),
        registration_starts_at=now - timedelta(days=10),
        registration_ends_at=start,
        starts_at=start,
        ends_at=start + timedelta(days=7),
        **rules,
    )


def product(uow: UnitOfWork, workspace_id: int, shop_id: int, **kw: Any) -> ShopProduct:
    return shops_service.create_product(
        uow,
        workspace_id,
        shop_id,
        title=kw.pop("title", "月饼礼盒"),
        price_minor=kw.pop("price_minor", 19900),
        currency=kw.pop("currency", "CNY"),
        stock=kw.pop("stock", 100),
        **kw,
    )


def enrolled(
    uow: UnitOfWork,
    workspace_id: int,
    activity_id: int,
    shop_id: int,
    n: int,
    *,
    state: str = "approved",
    offers: int = 2,
    views: int = 10,
) -> list[ShopEnrollment]:
    """``n`` products of the shop enrolled and moved to ``state`` (approved or live)."""
    act = catalog.get_activity(uow, workspace_id, activity_id)
    found = []
    for i in range(n):
        p = product(uow, workspace_id, shop_id, title=f"product {i}", expected_sales=100)
        e = catalog.enroll(
            uow,
            workspace_id,
            activity_id,
            p.id,
            activity_price_minor=15900,
            activity_stock=50,
            ignore_registration_window=True,
        )
        if state != "pending_review":
            catalog.review(uow, workspace_id, e.id, approve=True)
        for k in range(offers):
            offers_service.add_offer(
                uow,
                workspace_id,
                e.id,
                kind="coupon" if k % 2 == 0 else "discount",
                value_minor=1000,
                percent_off=0 if k % 2 == 0 else 10,
            )
        offers_service.record_traffic(uow, workspace_id, e.id, views=views + i, orders=i)
        found.append(e)
    if state == "live" and clock.now() >= act.starts_at:
        catalog.start_activity(uow, workspace_id, activity_id)
    for e in found:
        uow.session.refresh(e)
    return found


def setup(db: Database, workspace_id: int, n: int = 10, **kw: Any) -> tuple[Any, Any, list[int]]:
    with db.transaction() as uow:
        s = shop(uow, workspace_id, timezone=kw.pop("timezone", "Asia/Shanghai"))
        state = kw.pop("state", "approved")
        a = activity(uow, workspace_id, **kw)
        es = enrolled(uow, workspace_id, a.id, s.id, n, state=state)
        return s, a, [e.id for e in es]


# cross-tenant test support: one object of each id kind, in a workspace --------------------------


def _tenant_shop(uow: UnitOfWork, workspace: Any) -> int:
    return int(shop(uow, workspace.id).id)


def _tenant_product(uow: UnitOfWork, workspace: Any) -> int:
    return int(product(uow, workspace.id, shop(uow, workspace.id).id).id)


def _tenant_activity(uow: UnitOfWork, workspace: Any) -> int:
    # registration closed and immutable: state-changing routes answer 409 to the owner
    a = activity(uow, workspace.id, immutable=True)
    a.registration_ends_at = a.registration_starts_at
    uow.flush()
    return int(a.id)


def _tenant_enrollment(uow: UnitOfWork, workspace: Any) -> int:
    workspace_id = workspace.id
    s = shop(uow, workspace_id)
    a = activity(uow, workspace_id, immutable=True)
    return int(enrolled(uow, workspace_id, a.id, s.id, 1, state="pending_review")[0].id)


def _tenant_snapshot(uow: UnitOfWork, workspace: Any) -> int:
    from promodesk.shop.service import snapshots

    e = catalog.get_enrollment(uow, workspace.id, _tenant_enrollment(uow, workspace))
    return int(snapshots.take(uow, workspace.id, e, "cancel").id)


def _tenant_batch(uow: UnitOfWork, workspace: Any) -> int:
    from promodesk.models import ShopBatch

    batch = ShopBatch(
        workspace_id=workspace.id,
        mode="now",
        reason_code="other",
        reason_text="x",
        status="done",
        total=0,
        done=0,
        failed=0,
        all_or_nothing=True,
        force=False,
        created_by="test",
    )
    uow.session.add(batch)
    uow.flush()
    return int(batch.id)


SHOP_FACTORIES = {
    "shop_id": _tenant_shop,
    "product_id": _tenant_product,
    "activity_id": _tenant_activity,
    "enrollment_id": _tenant_enrollment,
    "snapshot_id": _tenant_snapshot,
    "batch_id": _tenant_batch,
}
_S = "/api/v1/shop"
SHOP_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", f"{_S}/shops/{{shop_id}}/members"): {"name": "客服", "role": "customer_service"},
    ("POST", f"{_S}/shops/{{shop_id}}/announcements"): {"title": "公告"},
    ("POST", f"{_S}/shops/{{shop_id}}/products"): {"title": "月饼", "price_minor": 100},
    ("POST", f"{_S}/products/{{product_id}}/followers"): {"follower_ids": ["f1"]},
    ("POST", f"{_S}/products/{{product_id}}/restock"): {"stock": 5},
    ("POST", f"{_S}/products/{{product_id}}/compensation"): {"value_minor": 100},
    ("POST", f"{_S}/activities/{{activity_id}}/enrollments"): {
        "product_id": 1,
        "activity_price_minor": 1,
        "activity_stock": 1,
    },
    ("POST", f"{_S}/enrollments/{{enrollment_id}}/review"): {"approve": True},
    ("POST", f"{_S}/enrollments/{{enrollment_id}}/offers"): {"kind": "coupon"},
    ("POST", f"{_S}/enrollments/{{enrollment_id}}/replace"): {"product_id": 1},
    ("POST", f"{_S}/enrollments/{{enrollment_id}}/replace/preview"): {"product_id": 1},
    ("POST", f"{_S}/enrollments/{{enrollment_id}}/presale"): {"shipping_days": 3},
    ("POST", f"{_S}/shops/{{shop_id}}/platform/authorize-url"): {"redirect_uri": "http://x/cb"},
}
