"""TikTok Shop behind the shop-platform port: its answers in promodesk's terms (minor units,
instants), its failures as the port's errors with the platform's code and request id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from promodesk.integrations.tiktok_shop import errors as tts
from promodesk.integrations.tiktok_shop.client import TikTokShopClient
from promodesk.integrations.tiktok_shop.settings import TikTokShopSettings
from promodesk.shop.platform import port, tiktok


def test_the_provider_is_a_shop_platform() -> None:
    with TikTokShopClient(TikTokShopSettings(app_key="k", app_secret="s")) as client:
        provider: port.ShopPlatform = tiktok.TikTokShopPlatform(client)
        assert provider.max_remove_ids == 300
        assert provider.name == "tiktok_shop"


def test_an_activity_with_products_in_minor_units() -> None:
    activity = tiktok.activity_from(
        {
            "id": "7300000000000000001",
            "title": "Mid-autumn",
            "activity_type": "FIXED_PRICE",
            "status": "ONGOING",
            "begin_time": 1700000000,
            "end_time": 1700600000,
            "product_level": "PRODUCT",
            "activity_commands": ["IMMUTABLE"],
            "products": [
                {
                    "id": "1729000000000000001",
                    "activity_price": {"amount": "12.30", "currency": "USD"},
                    "quantity_limit": -1,
                    "skus": [{"id": "1730000000000000001", "activity_price": {"amount": "9.99"}}],
                },
                {"id": "1729000000000000002", "discount": "15", "activity_price": None},
            ],
        },
        request_id="r1",
    )
    assert activity.immutable
    assert activity.begins_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert activity.request_id == "r1"
    assert activity.products is not None
    first, second = activity.products
    assert first.activity_price_minor == 1230
    assert first.currency == "USD"
    assert first.skus[0].price_minor == 999
    assert first.quantity_limit == -1
    assert second.activity_price_minor is None
    assert second.discount_percent == 15


def test_a_search_page_item_has_no_product_list() -> None:
    assert tiktok.activity_from({"id": "1", "status": "DRAFT"}).products is None


def test_a_product_sums_its_sku_inventory() -> None:
    product = tiktok.product_from(
        {
            "id": "5",
            "title": "Mooncake",
            "status": "ACTIVATE",
            "skus": [
                {
                    "id": "51",
                    "price": {"sale_price": "20000", "currency": "IDR"},
                    "inventory": [{"quantity": 3}, {"quantity": 4}],
                },
                {"id": "52", "inventory": [{"quantity": 5}]},
            ],
        }
    )
    assert product.price_minor == 2_000_000  # IDR has two minor digits in ISO 4217
    assert product.currency == "IDR"
    assert product.stock == 12
    assert product.listed


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (tts.AccessTokenInvalid("revoked", code=105003, request_id="r"), port.AuthorizationLost),
        (tts.Throttled("slow", code=36009002), port.PlatformUnavailable),
        (tts.ServerError("boom", code=36009003), port.PlatformUnavailable),
        (tts.SignatureInvalid("sign", code=106001), port.PlatformMisconfigured),
        (tts.BadParameter("bad", code=17009002), port.PlatformRefused),
    ],
)
def test_errors_cross_the_port_with_code_and_request_id(
    error: tts.ShopApiError, expected: type[port.PlatformError]
) -> None:
    crossed = tiktok.port_error(error)
    assert type(crossed) is expected
    assert crossed.code == str(error.code)
    assert crossed.request_id == error.request_id
    assert crossed.as_result()["ok"] is False
