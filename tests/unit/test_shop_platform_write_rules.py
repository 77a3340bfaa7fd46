"""Pure rules of the shop's actions on a platform: the percent off a restored price gives, the
stock spread over SKUs, when an activity can be republished, what the verification's read-back
means, and the Update Activity Product body each activity type and level takes (spec §1.4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from promodesk.shop.domain.platform import (
    WriteAction,
    discounted,
    percent_off,
    republishable,
    split_stock,
    verification_verdict,
)
from promodesk.shop.platform.port import (
    PlatformActivity,
    PlatformActivityProduct,
    PlatformProduct,
    PlatformSku,
)
from promodesk.shop.platform.tiktok import activity_product_wire
from promodesk.shop.service.platform_write_steps import (
    Attempt,
    Wanted,
    left_over,
    not_done_message,
    terms_dict,
    terms_from,
    terms_shown,
)


@pytest.mark.parametrize("price", [100, 999, 1290, 18800, 123457])
@pytest.mark.parametrize("percent", [1, 5, 10, 15, 33, 50, 90, 99])
def test_percent_off_inverts_the_mirrored_discount(price: int, percent: int) -> None:
    assert percent_off(price, discounted(price, percent)) == percent


def test_percent_off_edges() -> None:
    assert percent_off(0, 0) == 0
    assert percent_off(1000, 1000) == 0
    assert percent_off(1000, 0) == 100
    assert percent_off(1000, 1200) == 0  # above the price: no discount, never negative


def test_split_stock_keeps_saved_quantities_that_add_up() -> None:
    assert split_stock(10, ["a", "b"], {"a": 7, "b": 3}) == {"a": 7, "b": 3}
    # saved numbers that do not add up to the new total: spread evenly, remainder first
    assert split_stock(10, ["a", "b", "c"], {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert split_stock(0, ["a", "b"]) == {"a": 0, "b": 0}
    assert split_stock(5, []) == {}


@pytest.mark.parametrize(
    ("status", "immutable", "kind", "allowed", "expected"),
    [
        ("DEACTIVATED", False, "FIXED_PRICE", True, True),
        ("EXPIRED", False, "FLASHSALE", True, True),
        ("EXPIRED", False, "DIRECT_DISCOUNT", True, True),
        ("DEACTIVATED", True, "FIXED_PRICE", True, False),  # IMMUTABLE
        ("ONGOING", False, "FIXED_PRICE", True, False),  # still runs
        ("NOT_EFFECTIVE", False, "FIXED_PRICE", True, False),  # ended by the platform
        ("DEACTIVATED", False, "SHIPPING_DISCOUNT", True, False),
        ("DEACTIVATED", False, "FIXED_PRICE", False, False),  # the setting is off
    ],
)
def test_republishable(
    status: str, immutable: bool, kind: str, allowed: bool, expected: bool
) -> None:
    assert republishable(status, immutable, kind, allowed) is expected


def _verdict(
    in_activity: bool,
    status: str = "ONGOING",
    listed: bool = True,
    stock: int = 5,
    expected: bool = True,
) -> list[str]:
    return verification_verdict(
        still_in_activity=in_activity,
        activity_status=status,
        product_listed=listed,
        stock=stock,
        stock_expected=expected,
    )


def test_verification_verdict() -> None:
    assert _verdict(False) == []
    assert _verdict(True) == ["activity_price"]
    assert _verdict(True, status="NOT_START") == ["activity_price"]  # will show it at start
    assert _verdict(True, status="DEACTIVATED") == []  # listed, but the activity stopped
    assert _verdict(False, listed=False) == ["not_orderable"]
    assert _verdict(False, stock=0) == ["not_orderable"]
    assert _verdict(False, stock=0, expected=False) == []  # stock to zero was the path
    assert _verdict(True, listed=False) == ["activity_price", "not_orderable"]


def _activity(kind: str, level: str = "PRODUCT") -> PlatformActivity:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return PlatformActivity("7001", "Mid-autumn", kind, "ONGOING", at, at, product_level=level)


def test_update_body_by_activity_type() -> None:
    product = PlatformActivityProduct(
        "9001", 1290, "USD", discount_percent=15, quantity_limit=20, quantity_per_user=0
    )
    assert activity_product_wire(_activity("FIXED_PRICE"), product) == {
        "id": "9001",
        "activity_price_amount": "12.90",
        "quantity_limit": 20,
        "quantity_per_user": -1,
        "skus": [],
    }
    assert activity_product_wire(_activity("DIRECT_DISCOUNT"), product) == {
        "id": "9001",
        "discount": "15",
        "quantity_limit": 20,
        "quantity_per_user": -1,
        "skus": [],
    }
    jpy = PlatformActivityProduct("9002", 1500, "JPY", quantity_limit=None)
    assert activity_product_wire(_activity("FLASHSALE"), jpy)["activity_price_amount"] == "1500"


def test_update_body_under_variation() -> None:
    product = PlatformActivityProduct(
        "9001",
        None,
        "USD",
        skus=(
            PlatformSku("1", price_minor=990, quantity_limit=5, quantity_per_user=1),
            PlatformSku("2", price_minor=None, quantity_limit=-1, quantity_per_user=-1),
        ),
    )
    body = activity_product_wire(_activity("FIXED_PRICE", "VARIATION"), product)
    assert body["quantity_limit"] == body["quantity_per_user"] == -1
    assert body["skus"] == [
        {"id": "1", "activity_price_amount": "9.90", "quantity_limit": 5, "quantity_per_user": 1},
        {"id": "2", "quantity_limit": -1, "quantity_per_user": -1},
    ]


def test_terms_kept_in_a_payload_come_back_the_same() -> None:
    product = PlatformActivityProduct(
        "9001",
        1290,
        "USD",
        discount_percent=15,
        quantity_limit=20,
        quantity_per_user=2,
        skus=(PlatformSku("1", price_minor=990, quantity_limit=5, quantity_per_user=1),),
    )
    assert terms_from(terms_dict(product)) == product


def test_terms_shown_by_activity_type_and_level() -> None:
    want = PlatformActivityProduct("9001", 1290, "USD", discount_percent=15)
    same_price = PlatformActivityProduct("9001", 1290, "USD")
    other_price = PlatformActivityProduct("9001", 1190, "USD")
    assert terms_shown(want, same_price, _activity("FIXED_PRICE"))
    assert not terms_shown(want, other_price, _activity("FLASHSALE"))
    assert not terms_shown(want, None, _activity("FIXED_PRICE"))  # not listed at all
    assert terms_shown(want, PlatformActivityProduct("9001", None, "USD", discount_percent=15),
                       _activity("DIRECT_DISCOUNT"))  # fmt: skip
    assert not terms_shown(want, same_price, _activity("DIRECT_DISCOUNT"))
    sku_want = PlatformActivityProduct(
        "9001", None, "USD", skus=(PlatformSku("1"), PlatformSku("2"))
    )
    partial = PlatformActivityProduct("9001", None, "USD", skus=(PlatformSku("1"),))
    assert not terms_shown(sku_want, partial, _activity("FIXED_PRICE", "VARIATION"))
    assert terms_shown(sku_want, sku_want, _activity("FIXED_PRICE", "VARIATION"))


def _wanted(action: WriteAction, payload: dict[str, object] | None = None) -> Wanted:
    return Wanted(action.value, "7001", ["9001", "9002"], dict(payload or {}))


def test_what_a_read_back_shows_not_done() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    listed = PlatformActivity(
        "7001", "t", "FIXED_PRICE", "ONGOING", at, at,
        products=(PlatformActivityProduct("9002", 100, "USD"),),
    )  # fmt: skip
    removal = Attempt(1, after=listed)
    assert left_over(_wanted(WriteAction.REMOVE), removal) == ["9002"]  # acknowledged, not applied
    stopped = Attempt(1, after=PlatformActivity("7001", "t", "FIXED_PRICE", "DEACTIVATED", at, at))
    assert left_over(_wanted(WriteAction.DEACTIVATE), stopped) == []
    assert left_over(_wanted(WriteAction.REPUBLISH), stopped) == ["7001"]

    def product(pid: str, status: str, *stocks: int) -> PlatformProduct:
        skus = tuple(PlatformSku(str(n), stock=s) for n, s in enumerate(stocks))
        return PlatformProduct(pid, "p", status, 100, "USD", sum(stocks), skus)

    zeroed = Attempt(1, products_after=[product("9001", "ACTIVATE", 0, 0)])
    wanted = Wanted(WriteAction.INVENTORY.value, "", ["9001"], {"quantities": {"0": 0, "1": 0}})
    assert left_over(wanted, zeroed) == []
    wanted = Wanted(WriteAction.INVENTORY.value, "", ["9001"], {"quantities": {"0": 3, "1": 0}})
    assert left_over(wanted, zeroed) == ["9001"]
    delisted = Attempt(
        1,
        products_after=[
            product("9001", "SELLER_DEACTIVATED", 1),
            product("9002", "ACTIVATE", 1),
        ],
    )
    assert left_over(_wanted(WriteAction.DELIST), delisted) == ["9002"]
    assert left_over(_wanted(WriteAction.RELIST), delisted) == ["9001"]
    assert "still lists 1 products" in not_done_message("remove_products", ["9002"])
