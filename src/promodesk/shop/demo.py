"""Shop demo data: a mooncake shop in Asia/Shanghai with its team, products, a 中秋节 activity
that has started (products live, pending review, stock-zeroed and one cancelled yesterday for a
stock shortage, verified, with compensation coupons and a storefront announcement), and a
国庆节 activity not started yet (approved and pending products; 五仁月饼 is in both), so every
stage, the preview, the guardrails, the cross-activity stock-to-zero plan and the review have
something to show at once.

Everything goes through the services (the same rules, snapshots and audit rows as real use).
History is written with the clock moved back, then restored. Idempotent: nothing is written
when the demo shop exists already.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.models import ShopProduct
from promodesk.shop.platform import port
from promodesk.shop.service import (
    alternatives,
    batches,
    catalog,
    remediation,
    shops,
    verification,
)
from promodesk.shop.service import offers as offers_service
from promodesk.shop.service.batches import Selection
from promodesk.shop.service.platform_links import authorization, linking
from promodesk.shop.service.platform_sync import steps

ACTOR = "demo"
SHOP_NAME = "月明食品旗舰店 Moonlight Foods"

# title, price (fen), stock, safety stock, expected sales
PRODUCTS = (
    ("广式莲蓉蛋黄月饼礼盒 8 枚装", 19800, 320, 40, 300),
    ("流心奶黄月饼 6 枚装", 16800, 12, 0, 260),
    ("苏式鲜肉月饼 10 枚装", 8800, 500, 60, 400),
    ("冰皮榴莲月饼礼盒", 22800, 140, 20, 150),
    ("五仁月饼经典款 4 枚装", 5900, 800, 90, 500),
    ("低糖黑芝麻月饼礼盒", 13800, 210, 30, 180),
    ("云腿月饼 8 枚装", 12800, 260, 30, 220),
    ("豆沙蛋黄月饼家庭装", 9900, 430, 50, 350),
    ("抹茶红豆冰皮月饼", 15800, 95, 10, 120),
    ("桂花酒酿月饼礼盒", 17800, 180, 25, 160),
    ("中秋团圆茶礼套装", 26800, 75, 10, 90),
    ("月饼 + 普洱茶企业礼盒", 39800, 60, 8, 70),
    ("国潮手绘月饼礼盒 (新款)", 18800, 300, 40, 200),
    ("金秋大闸蟹月饼礼盒", 29800, 120, 15, 100),
)
TEAM = (
    ("王芳", "owner", "wang.fang@moonlight.example", None),
    ("李强", "operations", "li.qiang@moonlight.example",
     "https://ops.moonlight.example/hooks/promodesk"),
    ("陈静", "customer_service", "chen.jing@moonlight.example", None),
)  # fmt: skip


class _Earlier:
    def __init__(self, base: clock.Clock, delta: timedelta) -> None:
        self.base, self.delta = base, delta

    def now(self) -> datetime:
        return self.base.now() - self.delta


@contextmanager
def _hours_ago(hours: float) -> Iterator[None]:
    previous = clock.set_clock(clock.SystemClock())
    clock.set_clock(_Earlier(previous, timedelta(hours=hours)))
    try:
        yield
    finally:
        clock.set_clock(previous)


def _exists(uow: UnitOfWork, workspace_id: int) -> bool:
    return any(s.name == SHOP_NAME for s in shops.list_shops(uow, workspace_id, limit=500))


def seed_shop(uow: UnitOfWork, workspace_id: int) -> bool:
    """Seed the demo workspace's shop data; False when it is there already."""
    if _exists(uow, workspace_id):
        return False
    now = clock.now()
    with _hours_ago(72):
        shop = shops.create_shop(uow, workspace_id, name=SHOP_NAME, timezone="Asia/Shanghai",
                                           actor=ACTOR)  # fmt: skip
        for name, role, email, url in TEAM:
            shops.add_member(uow, workspace_id, shop.id, name=name, role=role, email=email,
                                       webhook_url=url, actor=ACTOR)  # fmt: skip
        products = []
        for t, p, s, ss, es in PRODUCTS:
            products.append(shops.create_product(
                uow, workspace_id, shop.id, title=t, price_minor=p, currency="CNY", stock=s,
                safety_stock=ss, expected_sales=es, actor=ACTOR,
            ))  # fmt: skip
        mid = catalog.create_activity(
            uow, workspace_id, name="中秋节 · 月满团圆",
            registration_starts_at=now - timedelta(days=20),
            registration_ends_at=now + timedelta(days=6), starts_at=now - timedelta(hours=24),
            ends_at=now + timedelta(days=12), actor=ACTOR,
        )  # fmt: skip
        national = catalog.create_activity(
            uow, workspace_id, name="国庆节 · 金秋大促",
            registration_starts_at=now - timedelta(days=5),
            registration_ends_at=now + timedelta(days=8), starts_at=now + timedelta(days=9),
            ends_at=now + timedelta(days=16), actor=ACTOR,
        )  # fmt: skip
        mid_ids = _enroll(uow, workspace_id, mid.id, products[:10], pending={8, 9})
        # 五仁月饼 is in both activities: its stock is shared, so a stock to zero through
        # 国庆节 is planned across its started 中秋节 enrollment too.
        _enroll(uow, workspace_id, national.id, [*products[8:14], products[4]], pending={13})
    with _hours_ago(23):
        catalog.start_activity(uow, workspace_id, mid.id, actor=ACTOR)
    with _hours_ago(20):
        # Yesterday: 流心奶黄 ran short (12 left of 260 expected) and was terminated.
        short = mid_ids[1]
        batch = batches.cancel_now(
            uow, workspace_id, Selection(enrollment_ids=[short]), reason="stock_shortage",
            reason_text="流心奶黄供应商延迟到货", actor=ACTOR, role="owner",
        )  # fmt: skip
        remediation.announce(
            uow, workspace_id, shop.id, title="流心奶黄月饼暂停中秋活动 / Custard mooncakes paused",
            body="因供应商延迟到货,流心奶黄月饼暂停参加中秋活动,已关注的顾客将收到补偿优惠券。"
            "推荐同样好评的奶香款替代。\nThe custard mooncakes left the Mid-Autumn activity "
            "(supplier delay); followers receive a compensation coupon. Try these instead.",
            product_ids=[products[0].id, products[7].id], actor=ACTOR,
        )  # fmt: skip
        shops.add_followers(uow, workspace_id, products[1].id,
                                      [f"buyer-{n:04d}" for n in range(1, 37)])  # fmt: skip
        remediation.compensate(uow, workspace_id, products[1].id, value_minor=1000, valid_days=30,
                                       actor=ACTOR)  # fmt: skip
    with _hours_ago(19.7):
        verification.verify_batch(uow, workspace_id, batch.id)
    with _hours_ago(2):
        # 抹茶红豆 is waiting for stock: zeroed, delisted in 24 h unless restocked.
        alternatives.stock_to_zero(uow, workspace_id, mid_ids[7], actor=ACTOR)
    return True


def _enroll(
    uow: UnitOfWork,
    workspace_id: int,
    activity_id: int,
    products: list[ShopProduct],
    *,
    pending: set[int],
) -> list[int]:
    """Enroll the products with two linked offers each and some recorded traffic; all but the
    ``pending`` indexes (into PRODUCTS) pass the platform's review."""
    ids = []
    for n, product in enumerate(products):
        index = next(i for i, p in enumerate(PRODUCTS) if p[0] == product.title)
        e = catalog.enroll(
            uow, workspace_id, activity_id, product.id,
            activity_price_minor=product.price_minor * 85 // 100,
            activity_stock=max(10, product.stock // 2), per_buyer_limit=5, actor=ACTOR,
        )  # fmt: skip
        offers_service.add_offer(uow, workspace_id, e.id, kind="coupon", title="满199减30",
                                  value_minor=3000, actor=ACTOR)  # fmt: skip
        offers_service.add_offer(uow, workspace_id, e.id, kind="discount", title="限时9折",
                                  percent_off=10, actor=ACTOR)  # fmt: skip
        views = 5200 - 430 * n + (index * 97) % 300
        offers_service.record_traffic(uow, workspace_id, e.id, views=views, orders=views // 37)
        if index not in pending:
            catalog.review(uow, workspace_id, e.id, approve=True, actor=ACTOR)
        ids.append(e.id)
    return ids


# The platform link (TikTok Shop): given nothing, the tokens of an authorization of the demo
# platform shop and that shop, as the shop sandbox mounted at ``/shop-sandbox`` knows them
# (the demo wiring, ``promodesk.demo``, is the only place that knows the sandbox).
DemoShopGrant = Callable[[], tuple[port.Tokens, port.PlatformShop]]
# The demo shop keeps its times in its platform shop's zone (the sandbox's regions).
REGION_ZONES = {
    "GB": "Europe/London",
    "US": "America/Los_Angeles",
    "MY": "Asia/Kuala_Lumpur",
    "SG": "Asia/Singapore",
}


def seed_platform_link(uow: UnitOfWork, workspace_id: int, grant: DemoShopGrant) -> bool:
    """A demo shop linked to the sandbox's first shop, and its first sync queued (the
    server's worker runs it against the mounted sandbox); False when it is there already."""
    tokens, platform_shop = grant()
    name = f"{platform_shop.name} · TikTok Shop"[:200]
    if any(s.name == name for s in shops.list_shops(uow, workspace_id, limit=500)):
        return False
    zone = REGION_ZONES.get(platform_shop.region, "UTC")
    shop = shops.create_shop(uow, workspace_id, name=name, timezone=zone, actor=ACTOR)
    authorized = authorization.Authorized(
        workspace_id=workspace_id,
        shop_id=shop.id,
        provider=authorization.DEFAULT_PROVIDER,
        tokens=tokens,
        shops=[platform_shop],
    )
    linking.link(uow, authorized, actor=ACTOR)
    steps.start_sync(uow, workspace_id, shop.id, actor=ACTOR)
    return True
