"""The Partner API endpoints promodesk uses (spec §1.1, §1.11), for one authorized shop.

Every method returns the platform's ``request_id`` with its data (``Reply``), so a caller can
keep it on each per-item result. Writes are not retried after they may have reached the
platform, except those that are idempotent by nature (remove, deactivate, inventory set).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from promodesk.integrations.tiktok_shop.envelope import Reply
from promodesk.integrations.tiktok_shop.errors import BadParameter
from promodesk.integrations.tiktok_shop.paging import Page, iter_pages

if TYPE_CHECKING:
    from promodesk.integrations.tiktok_shop.client import TikTokShopClient

ACTIVITIES = "/promotion/202309/activities"
ACTIVITY = "/promotion/202309/activities/{activity_id}"
ACTIVITY_SEARCH = "/promotion/202309/activities/search"
ACTIVITY_DEACTIVATE = "/promotion/202309/activities/{activity_id}/deactivate"
ACTIVITY_PRODUCTS = "/promotion/202309/activities/{activity_id}/products"
ACTIVITY_REPUBLISH = "/promotion/202607/activities/{activity_id}/republish"
COUPON_SEARCH = "/promotion/202406/coupons/search"
COUPON = "/promotion/202406/coupons/{coupon_id}"
PRODUCT_SEARCH = "/product/202502/products/search"
PRODUCT = "/product/202309/products/{product_id}"
PRODUCTS_ACTIVATE = "/product/202309/products/activate"
PRODUCTS_DEACTIVATE = "/product/202309/products/deactivate"
PRODUCT_INVENTORY_UPDATE = "/product/202309/products/{product_id}/inventory/update"
INVENTORY_SEARCH = "/product/202309/inventory/search"

MAX_IDS_PER_CALL = 300  # remove: product_ids and sku_ids each (spec §1.4)
MAX_PAGE_SIZE = 100  # Search Products and Search Activities: page_size at most 100

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in order, ``size`` at a time."""
    if size < 1:
        raise ValueError("a chunk holds at least one item")
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _id(value: str) -> str:
    text = str(value).strip()
    if not text or not text.isdigit() or len(text) > 32:
        raise BadParameter(f"not a platform id: {value!r}")
    return text


class ShopApi:
    def __init__(self, client: TikTokShopClient, access_token: str, shop_cipher: str) -> None:
        self.client = client
        self._token = access_token
        self.shop_cipher = shop_cipher

    def __repr__(self) -> str:
        return f"ShopApi(shop_cipher={self.shop_cipher!r})"

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Reply:
        return self.client.request(
            method,
            path,
            token=self._token,
            shop_cipher=self.shop_cipher,
            params=params,
            body=body,
            idempotent=idempotent,
        )

    # -- activities ---------------------------------------------------------------------

    def search_activities(
        self,
        *,
        page_token: str = "",
        page_size: int | None = None,
        status: str | None = None,
        activity_type: str | None = None,
        activity_title: str | None = None,
    ) -> Reply:
        body: dict[str, Any] = {"page_size": page_size or self.client.settings.page_size}
        if page_token:
            body["page_token"] = page_token
        for key, value in (
            ("status", status),
            ("activity_type", activity_type),
            ("activity_title", activity_title),
        ):
            if value:
                body[key] = value
        return self._call("POST", ACTIVITY_SEARCH, body=body)

    def activity_pages(self, *, start_token: str = "", **filters: Any) -> Iterator[Page]:
        return iter_pages(
            lambda token: self.search_activities(page_token=token, **filters),
            list_key="activities",
            start_token=start_token,
        )

    def get_activity(self, activity_id: str) -> Reply:
        return self._call("GET", ACTIVITY.format(activity_id=_id(activity_id)))

    def deactivate_activity(self, activity_id: str) -> Reply:
        return self._call("POST", ACTIVITY_DEACTIVATE.format(activity_id=_id(activity_id)))

    def republish_activity(self, activity_id: str, *, begin_time: int, end_time: int) -> Reply:
        return self._call(
            "POST",
            ACTIVITY_REPUBLISH.format(activity_id=_id(activity_id)),
            body={"begin_time": begin_time, "end_time": end_time},
            idempotent=False,
        )

    def update_activity_products(
        self, activity_id: str, products: Sequence[dict[str, Any]]
    ) -> Reply:
        """Add or edit at most ``update_products_per_call`` products (the caller chunks)."""
        limit = self.client.settings.update_products_per_call
        if not products or len(products) > limit:
            raise BadParameter(f"update between 1 and {limit} products a call")
        activity = _id(activity_id)
        return self._call(
            "PUT",
            ACTIVITY_PRODUCTS.format(activity_id=activity),
            # The platform wants the activity id in the body too (spec §1.1, REPORTED).
            body={"activity_id": activity, "products": list(products)},
            idempotent=False,
        )

    def remove_activity_products(
        self,
        activity_id: str,
        *,
        product_ids: Sequence[str] = (),
        sku_ids: Sequence[str] = (),
    ) -> Reply:
        """Remove at most ``remove_ids_per_call`` product ids and as many SKU ids (one call;
        ``chunks`` splits a longer list). Removing what is already gone changes nothing, so
        the call is retried like a read."""
        limit = min(self.client.settings.remove_ids_per_call, MAX_IDS_PER_CALL)
        if not product_ids and not sku_ids:
            raise BadParameter("remove at least one product or SKU id")
        if len(product_ids) > limit or len(sku_ids) > limit:
            raise BadParameter(f"remove at most {limit} product ids and {limit} SKU ids a call")
        body: dict[str, Any] = {}
        if product_ids:
            body["product_ids"] = [_id(p) for p in product_ids]
        if sku_ids:
            body["sku_ids"] = [_id(s) for s in sku_ids]
        return self._call(
            "DELETE", ACTIVITY_PRODUCTS.format(activity_id=_id(activity_id)), body=body
        )

    # -- coupons -------------------------------------------------------------------------

    def search_coupons(self, *, page_token: str = "", page_size: int | None = None) -> Reply:
        """Paging in the query, filters in the body (Search Coupons 202406)."""
        params: dict[str, Any] = {"page_size": page_size or self.client.settings.page_size}
        if page_token:
            params["page_token"] = page_token
        return self._call("POST", COUPON_SEARCH, params=params, body={})

    def coupon_pages(self, *, start_token: str = "") -> Iterator[Page]:
        return iter_pages(
            lambda token: self.search_coupons(page_token=token),
            list_key="coupons",
            start_token=start_token,
        )

    def get_coupon(self, coupon_id: str) -> Reply:
        return self._call("GET", COUPON.format(coupon_id=_id(coupon_id)))

    # -- products ------------------------------------------------------------------------

    def search_products(
        self,
        *,
        page_token: str = "",
        page_size: int | None = None,
        status: str | None = None,
        updated_since: int | None = None,
    ) -> Reply:
        """Paging in the query, filters in the body; ``updated_since`` (Unix seconds) lists
        only products changed since then (an incremental sync)."""
        body: dict[str, Any] = {}
        if status:
            body["status"] = status
        if updated_since:
            body["update_time_ge"] = updated_since
        params: dict[str, Any] = {"page_size": page_size or self.client.settings.page_size}
        if page_token:
            params["page_token"] = page_token
        return self._call("POST", PRODUCT_SEARCH, params=params, body=body)

    def product_pages(
        self,
        *,
        start_token: str = "",
        status: str | None = None,
        updated_since: int | None = None,
        page_size: int | None = None,
    ) -> Iterator[Page]:
        return iter_pages(
            lambda token: self.search_products(
                page_token=token, page_size=page_size, status=status, updated_since=updated_since
            ),
            list_key="products",
            start_token=start_token,
        )

    def get_product(self, product_id: str) -> Reply:
        return self._call("GET", PRODUCT.format(product_id=_id(product_id)))

    def activate_products(self, product_ids: Sequence[str]) -> Reply:
        return self._call(
            "POST", PRODUCTS_ACTIVATE, body={"product_ids": [_id(p) for p in product_ids]}
        )

    def deactivate_products(self, product_ids: Sequence[str]) -> Reply:
        return self._call(
            "POST", PRODUCTS_DEACTIVATE, body={"product_ids": [_id(p) for p in product_ids]}
        )

    def update_inventory(self, product_id: str, skus: Sequence[dict[str, Any]]) -> Reply:
        """Set (not add to) each SKU's stock, so a repeat sets the same numbers."""
        return self._call(
            "POST",
            PRODUCT_INVENTORY_UPDATE.format(product_id=_id(product_id)),
            body={"skus": list(skus)},
        )
