"""Pure rules of the shop's actions on a platform: the percent off a restored price gives, the
stock spread over SKUs, when an activity can be republished, what the verification's read-back
means, and the Update Activity Product body each activity type and level takes (spec §1.4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from promodesk.shop.domain.platform import (
    discounted,
    percent_off,
    republishable,
    split_stock,
    verification_verdict,
)
from promodesk.shop.platform.port import PlatformActivity, PlatformActivityProduct, PlatformSku
from promodesk.shop.platform.tiktok import activity_product_wire


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
