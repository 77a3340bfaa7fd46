"""The shop sandbox's state: shops, products with SKUs, prices and stock, activities with their
enrolled products, and coupons; generated deterministically from the seed, then changed by
clients. Money is kept in minor units (integers) and shown as decimal strings on the wire.

An activity's status is computed: a seller's deactivation, the platform's termination
(NOT_EFFECTIVE) and DRAFT are stored; otherwise the sandbox clock decides NOT_START, ONGOING or
EXPIRED from ``begin_time`` and ``end_time``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from promodesk.shop_sandbox.config import ShopSandboxConfig

REGIONS = (("GB", "GBP"), ("US", "USD"), ("MY", "MYR"), ("SG", "SGD"))
STORED = frozenset({"DEACTIVATED", "NOT_EFFECTIVE", "DRAFT"})
TITLES = (
    "Mid-Autumn Festival",
    "National Day",
    "Double 11",
    "Black Friday",
    "Year-End Sale",
    "Weekend Flash Deal",
    "Spring Sale",
    "New Arrivals",
)
# Generated activities cycle through these, so every status exists in a small sandbox.
PLAN = (
    ("ONGOING", False),
    ("NOT_START", False),
    ("ONGOING", True),  # IMMUTABLE
    ("EXPIRED", False),
    ("DEACTIVATED", False),
    ("NOT_EFFECTIVE", False),
    ("DRAFT", False),
    ("ONGOING", False),
)
TYPES = (("FIXED_PRICE", "PRODUCT"), ("DIRECT_DISCOUNT", "PRODUCT"), ("FLASHSALE", "VARIATION"))
SHOP_BASE = 7_495_000_000_000_000_000
PRODUCT_BASE = 1_729_000_000_000_000_000
SKU_BASE = 1_730_000_000_000_000_000
ACTIVITY_BASE = 7_300_000_000_000_000_000
COUPON_BASE = 7_310_000_000_000_000_000
HOUR = 3600
DAY = 86_400


def money(minor: int) -> str:
    """Minor units as the wire's decimal string (every sandbox currency has 2 decimals)."""
    return str((Decimal(minor) / 100).quantize(Decimal("0.01")))


def to_minor(amount: Decimal) -> int:
    return int(amount * 100)


@dataclass(slots=True)
class Shop:
    index: int
    id: str
    name: str
    region: str
    currency: str
    code: str
    cipher: str


@dataclass(slots=True)
class Sku:
    id: str
    seller_sku: str
    price: int  # minor units
    stock: int
    committed: int = 0


@dataclass(slots=True)
class Product:
    id: str
    shop: int
    title: str
    status: str  # ACTIVATE or SELLER_DEACTIVATED
    skus: list[Sku]
    create_time: int
    update_time: int


@dataclass(slots=True)
class Deal:
    """The terms of one product or SKU in an activity."""

    quantity_limit: int
    quantity_per_user: int
    price: int | None = None  # activity price, minor units (FIXED_PRICE, FLASHSALE)
    discount: int | None = None  # percent off (DIRECT_DISCOUNT)
    used_quantity: int = 0


@dataclass(slots=True)
class Enrollment:
    deal: Deal
    skus: dict[str, Deal] = field(default_factory=dict)  # VARIATION level


@dataclass
class Activity:
    id: str
    shop: int
    title: str
    activity_type: str
    product_level: str
    begin_time: int
    end_time: int
    create_time: int
    update_time: int
    duration_type: str = "NORMAL"
    stored: str | None = None  # DEACTIVATED, NOT_EFFECTIVE or DRAFT
    immutable: bool = False
    products: dict[str, Enrollment] = field(default_factory=dict)
    participation_limit: list[dict[str, Any]] = field(default_factory=list)
    discount: dict[str, Any] | None = None
    target_user_info: dict[str, Any] | None = None

    def status(self, now: int) -> str:
        if self.stored is not None:
            return self.stored
        if self.duration_type == "INDEFINITE":
            return "ONGOING"
        if now < self.begin_time:
            return "NOT_START"
        return "ONGOING" if now < self.end_time else "EXPIRED"


@dataclass
class World:
    config: ShopSandboxConfig
    lock: threading.RLock = field(default_factory=threading.RLock)
    shops: list[Shop] = field(default_factory=list)
    by_cipher: dict[str, int] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    shop_products: list[list[str]] = field(default_factory=list)
    sku_owner: dict[str, str] = field(default_factory=dict)  # sku id -> product id
    activities: dict[str, Activity] = field(default_factory=dict)
    shop_activities: list[list[str]] = field(default_factory=list)  # ascending ids
    coupons: dict[str, dict[str, Any]] = field(default_factory=dict)
    shop_coupons: list[list[str]] = field(default_factory=list)
    next_activity: int = 0
    noops: int = 0  # removals acknowledged but not applied (fault injection)
    # The last status each activity was announced with (ACTIVITY_STATUS_CHANGE).
    announced: dict[str, str] = field(default_factory=dict)
    start: int = 0

    def __post_init__(self) -> None:
        self.start = int(self.config.now().timestamp()) // HOUR * HOUR
        for index in range(self.config.shops):
            self._generate_shop(index)

    def now(self) -> int:
        return int(self.config.now().timestamp())

    # generation -------------------------------------------------------------------------------

    def _generate_shop(self, index: int) -> None:
        config = self.config
        rng = random.Random(f"{config.seed}:shop:{index}")
        region, currency = REGIONS[index % len(REGIONS)]
        shop_id = str(SHOP_BASE + index)
        cipher = f"ROW_{rng.getrandbits(120):030x}"
        code = f"{region}LC{rng.getrandbits(24):06X}"
        shop = Shop(index, shop_id, f"Sandbox Shop {index + 1}", region, currency, code, cipher)
        self.shops.append(shop)
        self.by_cipher[cipher] = index
        ids: list[str] = []
        created = self.start - 200 * DAY
        for j in range(config.products):
            number = index * 10_000_000 + j
            product_id = str(PRODUCT_BASE + number)
            skus = []
            base_price = rng.randrange(500, 20_000)
            for k in range(rng.randint(1, config.skus_per_product)):
                sku_id = str(SKU_BASE + number * 64 + k)
                stock = 0 if rng.random() < 0.05 else rng.randrange(1, 500)
                skus.append(Sku(sku_id, f"SB-{index}-{j}-{k}", base_price + 100 * k, stock))
                self.sku_owner[sku_id] = product_id
            status = "SELLER_DEACTIVATED" if j % 10 == 9 else "ACTIVATE"
            when = created + j * 60
            title = f"Sandbox product {j + 1:05d}"
            self.products[product_id] = Product(product_id, index, title, status, skus, when, when)
            ids.append(product_id)
        self.shop_products.append(ids)
        self.shop_activities.append([])
        for i in range(config.activities):
            self._generate_activity(shop, i, rng)
        self.shop_coupons.append([])
        for c in range(config.coupons):
            self._generate_coupon(shop, c, rng)

    def _generate_activity(self, shop: Shop, i: int, rng: random.Random) -> None:
        status, immutable = PLAN[i % len(PLAN)]
        if self.config.activity_status != "mixed":
            status, immutable = self.config.activity_status, False
        activity_type, level = TYPES[i % len(TYPES)]
        length = 2 * DAY if activity_type == "FLASHSALE" else rng.randint(5, 20) * DAY
        if status in ("NOT_START", "DRAFT"):
            begin = self.start + rng.randint(1, 5) * DAY
        elif status == "EXPIRED":
            begin = self.start - length - rng.randint(1, 10) * DAY
        else:
            begin = self.start - rng.randint(1, length // DAY) * DAY + HOUR
        title = f"{TITLES[i % len(TITLES)]} {i + 1:04d}"
        activity = self._new_activity(
            shop.index, title, activity_type, level, begin, begin + length, begin - 3 * DAY
        )
        activity.stored = status if status in STORED else None
        activity.immutable = immutable
        count, products = self.config.enrollments, self.shop_products[shop.index]
        first = (i * count) % len(products) if products else 0
        sold = status not in ("NOT_START", "DRAFT")  # buyers used some of the deal already
        for n in range(count):
            product = self.products[products[(first + n) % len(products)]]
            enrollment = self._generated_deal(activity, product, rng)
            if sold:
                for deal in (enrollment.deal, *enrollment.skus.values()):
                    cap = 30 if deal.quantity_limit == -1 else deal.quantity_limit
                    deal.used_quantity = rng.randint(0, cap)
            activity.products[product.id] = enrollment

    def _generated_deal(
        self, activity: Activity, product: Product, rng: random.Random
    ) -> Enrollment:
        lowest = min(s.price for s in product.skus)
        if activity.activity_type == "DIRECT_DISCOUNT":
            return Enrollment(
                Deal(rng.choice((-1, 50, 99)), rng.choice((-1, 1, 5)), discount=rng.randint(5, 40))
            )
        if activity.product_level == "PRODUCT":
            price = lowest * rng.randint(60, 90) // 100
            return Enrollment(Deal(rng.choice((-1, 50, 99)), rng.choice((-1, 1, 5)), price=price))
        skus = {
            s.id: Deal(rng.randint(10, 99), rng.choice((-1, 2)), price=s.price * 80 // 100)
            for s in product.skus
        }
        return Enrollment(Deal(-1, -1), skus)

    def _new_activity(
        self,
        shop: int,
        title: str,
        activity_type: str,
        level: str,
        begin: int,
        end: int,
        created: int,
        **options: Any,
    ) -> Activity:
        with self.lock:
            activity_id = str(ACTIVITY_BASE + self.next_activity)
            self.next_activity += 1
            activity = Activity(
                activity_id, shop, title, activity_type, level, begin, end, created, created
            )
            for name, value in options.items():  # set before anyone can see it
                setattr(activity, name, value)
            self.activities[activity_id] = activity
            self.shop_activities[shop].append(activity_id)
            return activity

    def _generate_coupon(self, shop: Shop, c: int, rng: random.Random) -> None:
        coupon_id = str(COUPON_BASE + shop.index * 1_000_000 + c)
        status = ("ONGOING", "NOT_START", "EXPIRED", "DEACTIVATED")[c % 4]
        begin = {
            "ONGOING": self.start - 5 * DAY,
            "NOT_START": self.start + 3 * DAY,
            "EXPIRED": self.start - 40 * DAY,
            "DEACTIVATED": self.start - 10 * DAY,
        }[status]
        end = begin + 30 * DAY
        percent = c % 2 == 0
        discount: dict[str, Any] = (
            {"type": "PERCENTAGE_OFF", "percentage": str(rng.choice((5, 10, 15)))}
            if percent
            else {
                "type": "FIXED_AMOUNT_OFF",
                "reduction_amount": {
                    "amount": money(rng.choice((200, 500))),
                    "currency": shop.currency,
                },
            }
        )
        linked = self.shop_products[shop.index][c : c + 3]
        self.coupons[coupon_id] = {
            "id": coupon_id,
            "title": f"{TITLES[c % len(TITLES)]} coupon {c + 1:03d}",
            "display_type": "REGULAR" if c % 3 else "PROMO_CODE",
            "status": status,
            "create_time": begin - DAY,
            "update_time": begin - DAY,
            "claim_duration": {"start_time": begin, "end_time": end},
            "redemption_duration": {"start_time": begin, "end_time": end},
            "promo_code": f"SANDBOX{c:03d}" if c % 3 == 0 else "",
            "target_buyer_segment": "ALL_BUYERS",
            "usage_limits": {"total_limit": 1000, "per_buyer_limit": 1},
            "usage_stats": {
                "claimed_count": rng.randrange(0, 800),
                "redeemed_count": rng.randrange(0, 300),
            },
            "discount": discount,
            "threshold": {
                "type": "MINIMUM_SPEND",
                "min_spend": {"amount": money(1000), "currency": shop.currency},
            },
            "product_scope": "SPECIFIC_PRODUCTS" if linked else "ALL_PRODUCTS",
            "product_ids": linked,
            "creation_source": "SELLER_CENTER",
        }
        self.shop_coupons[shop.index].append(coupon_id)

    def clock_moves(self) -> list[Activity]:
        """The activities whose status the clock changed (NOT_START → ONGOING → EXPIRED) since
        they were last announced; they count as announced now. The first look announces none."""
        now = self.now()
        moved = []
        with self.lock:
            first = not self.announced
            for activity in self.activities.values():
                status = activity.status(now)
                before = self.announced.get(activity.id)
                self.announced[activity.id] = status
                if not first and before is not None and before != status:
                    moved.append(activity)
        return moved

    # lookups ----------------------------------------------------------------------------------

    def activity(self, shop: int, activity_id: str) -> Activity | None:
        found = self.activities.get(activity_id)
        return found if found is not None and found.shop == shop else None

    def product(self, shop: int, product_id: str) -> Product | None:
        found = self.products.get(product_id)
        return found if found is not None and found.shop == shop else None

    def create_activity(
        self,
        shop: int,
        title: str,
        activity_type: str,
        level: str,
        begin: int,
        end: int,
        **options: Any,
    ) -> Activity:
        """A new activity; ``options`` are further ``Activity`` fields (duration_type, …)."""
        now = self.now()
        return self._new_activity(shop, title, activity_type, level, begin, end, now, **options)
