"""A third-party TikTok Shop client (the ``tiktok-shop-api`` package, generated from the Partner
API's published operations) runs against the shop sandbox: OAuth, authorized shops, promotion,
coupon, product and inventory calls, signed by the client's own code and read into its models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tiktok_shop_api import TikTokShop, TikTokShopAuth, TikTokShopError
from tiktok_shop_api.generated import models

from promodesk.shop_sandbox import ShopSandboxConfig
from tests.shop_sandbox_support import ShopSandboxHandle, running_shop_sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[ShopSandboxHandle]:
    config = ShopSandboxConfig(shops=2, products=30, activities=8, enrollments=6, rate_limit=False)
    with running_shop_sandbox(config) as sb:
        yield sb


def test_the_client_walks_the_whole_api(sb: ShopSandboxHandle) -> None:
    auth = TikTokShopAuth(sb.app_key, sb.app_secret, base_url=sb.base_url)
    tokens = auth.exchange_code(sb.auth_code())
    assert tokens.access_token_expire_in > sb.sandbox.world.now()
    renewed = auth.refresh(tokens.refresh_token)
    with TikTokShop(
        sb.app_key, sb.app_secret, access_token=renewed.access_token, base_url=sb.base_url
    ) as client:
        shops = client.authorization.get_authorized_shops().to_dict()["data"]["shops"]
        assert [s["cipher"] for s in shops] == [sb.cipher(0), sb.cipher(1)]
        seller = client.with_shop(shop_cipher=shops[0]["cipher"])
        promotion, products = seller.promotion, seller.products

        request = models.SearchPromotionActivitiesRequest.from_dict({"page_size": 5})
        page = promotion.search_promotion_activities(body=request).to_dict()["data"]
        assert page["total_count"] == 8
        assert page["next_page_token"]
        ongoing = next(a for a in page["activities"] if a["status"] == "ONGOING")
        got = promotion.get_activity(ongoing["id"]).to_dict()["data"]
        assert len(got["products"]) == 6

        found = products.search_products(
            body=models.SearchProductsRequest.from_dict({"status": "ACTIVATE"}), page_size=5
        ).to_dict()["data"]
        product = found["products"][0]
        assert products.get_product(product["id"]).to_dict()["data"]["id"] == product["id"]

        now = sb.sandbox.world.now()
        create = models.CreatePromotionActivityRequest.from_dict(
            {
                "title": "Client deal",
                "activity_type": "FIXED_PRICE",
                "product_level": "PRODUCT",
                "begin_time": now + 3600,
                "end_time": now + 7200,
            }
        )
        activity = promotion.create_promotion_activity(body=create).to_dict()["data"]["activity_id"]
        entry = {
            "id": product["id"],
            "quantity_limit": -1,
            "quantity_per_user": -1,
            "activity_price_amount": "0.99",
            "skus": [],
        }
        add = models.UpdatePromotionActivityProductsRequest.from_dict(
            {"activity_id": activity, "products": [entry]}
        )
        added = promotion.update_promotion_activity_products(activity, body=add).to_dict()
        assert added["data"]["total_count"] == 1
        remove = models.RemovePromotionActivityProductsRequest.from_dict(
            {"product_ids": [product["id"]]}
        )
        promotion.remove_promotion_activity_products(activity, body=remove)
        assert promotion.get_activity(activity).to_dict()["data"]["products"] == []
        update = models.UpdatePromotionActivityRequest.from_dict(
            {"title": "Client deal 2", "begin_time": now + 3600, "end_time": now + 7000}
        )
        promotion.update_promotion_activity(activity, body=update)
        assert promotion.deactivate_activity(activity).to_dict()["data"]["status"] == "DEACTIVATED"
        again = models.RepublishActivityRequest.from_dict(
            {"begin_time": now + 3600, "end_time": now + 7200}
        )
        promotion.republish_activity(activity, body=again)
        assert promotion.get_activity(activity).to_dict()["data"]["status"] == "NOT_START"

        coupons = promotion.search_coupon_list(
            body=models.SearchCouponListRequest.from_dict({})
        ).to_dict()["data"]["coupons"]
        coupon = promotion.get_coupon(coupons[0]["id"]).to_dict()["data"]["coupon"]
        assert "claimed_count" in coupon["usage_stats"]

        delist = models.DeactivateProductsRequest.from_dict({"product_ids": [product["id"]]})
        assert products.deactivate_products(body=delist).to_dict()["data"]["errors"] == []
        sku = product["skus"][0]["id"]
        zero = models.UpdateInventoryRequest.from_dict(
            {"skus": [{"id": sku, "inventory": [{"quantity": 0}]}]}
        )
        products.update_inventory(product["id"], body=zero)
        stock = products.inventory_search(
            body=models.InventorySearchRequest.from_dict({"sku_ids": [sku]})
        ).to_dict()["data"]["inventory"]
        assert stock[0]["skus"][0]["total_available_quantity"] == 0


def test_the_client_sees_the_platform_errors(sb: ShopSandboxHandle) -> None:
    client = TikTokShop(
        sb.app_key, "not-the-secret", access_token=sb.access_token(), base_url=sb.base_url
    )
    with client, pytest.raises(TikTokShopError) as wrong:
        client.authorization.get_authorized_shops()
    assert (wrong.value.code, wrong.value.http_status) == (106001, 401)
    assert wrong.value.request_id
    seller = TikTokShop(
        sb.app_key, sb.app_secret, access_token=sb.access_token(), base_url=sb.base_url
    ).with_shop(shop_cipher=sb.cipher(0))
    with pytest.raises(TikTokShopError) as missing:
        seller.promotion.get_activity("7300000000099999999")
    assert missing.value.code == 17009001
