"""The ``ShopPlatform`` of TikTok Shop: each port call made on ``integrations.tiktok_shop``
(authorization, reads, writes, webhook events), its failures raised as the port's."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from promodesk.integrations.tiktok_shop import errors as tts
from promodesk.integrations.tiktok_shop import webhooks
from promodesk.integrations.tiktok_shop.api import MAX_IDS_PER_CALL, MAX_PAGE_SIZE, ShopApi
from promodesk.integrations.tiktok_shop.auth import ShopAuth, TokenGrant
from promodesk.integrations.tiktok_shop.client import TikTokShopClient
from promodesk.integrations.tiktok_shop.envelope import Reply
from promodesk.integrations.tiktok_shop.paging import Page
from promodesk.shop.platform.port import (
    PlatformActivity,
    PlatformActivityProduct,
    PlatformCoupon,
    PlatformEvent,
    PlatformPage,
    PlatformProduct,
    PlatformRefused,
    PlatformShop,
    Receipt,
    ShopAccess,
    Tokens,
)
from promodesk.shop.platform.tiktok.wire import (
    activity_from,
    activity_product_wire,
    coupon_from,
    port_error,
    product_from,
)

NAME = "tiktok_shop"
R = TypeVar("R")

_EVENT_KINDS = {
    webhooks.ACTIVITY_STATUS_CHANGE: "activity_status",
    webhooks.ACTIVITY_CHANGE: "activity_change",
    webhooks.PRODUCT_STATUS_CHANGE: "product_status",
    webhooks.INVENTORY_STATUS_CHANGE: "inventory",
    webhooks.INVENTORY_CHANGED_BY_SHOP: "inventory",
    webhooks.SELLER_DEAUTHORIZATION: "deauthorized",
    webhooks.UPCOMING_AUTHORIZATION_EXPIRATION: "authorization_expiring",
}


def _call(fn: Callable[[], R]) -> R:
    try:
        return fn()
    except tts.ShopApiError as exc:
        raise port_error(exc) from None


def _tokens(grant: TokenGrant) -> Tokens:
    return Tokens(
        access_token=grant.access_token,
        access_expires_at=grant.access_token_expires_at,
        refresh_token=grant.refresh_token,
        refresh_expires_at=grant.refresh_token_expires_at,
        seller_name=grant.seller_name,
        region=grant.seller_base_region,
        scopes=grant.granted_scopes,
        request_id=grant.request_id,
    )


def _receipt(reply: Reply) -> Receipt:
    return Receipt(request_id=reply.request_id, data=reply.data)


class TikTokShopPlatform:
    """The ``ShopPlatform`` of TikTok Shop."""

    name = NAME

    def __init__(self, client: TikTokShopClient) -> None:
        self.client = client
        self.max_remove_ids = min(client.settings.remove_ids_per_call, MAX_IDS_PER_CALL)
        self.max_update_products = min(client.settings.update_products_per_call, MAX_IDS_PER_CALL)
        self.max_page_size = MAX_PAGE_SIZE  # Search Products: page_size 1-100

    def _api(self, access: ShopAccess) -> ShopApi:
        return self.client.for_shop(access.access_token, access.shop_cipher)

    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        return _call(
            lambda: ShopAuth(self.client).authorization_url(redirect_uri=redirect_uri, state=state)
        )

    def exchange_code(self, code: str) -> Tokens:
        return _tokens(_call(lambda: ShopAuth(self.client).exchange(code)))

    def refresh(self, refresh_token: str) -> Tokens:
        return _tokens(_call(lambda: ShopAuth(self.client).refresh(refresh_token)))

    def shops(self, access_token: str) -> list[PlatformShop]:
        found = _call(lambda: ShopAuth(self.client).shops(access_token))
        return [
            PlatformShop(shop_id=s.shop_id, cipher=s.cipher, name=s.name, region=s.region)
            for s in found
            if s.cipher
        ]

    def _pages(
        self, pages: Iterator[Page], parse: Callable[[dict[str, Any]], R]
    ) -> Iterator[PlatformPage[R]]:
        while True:
            try:
                page = next(pages)
            except StopIteration:
                return
            except tts.ShopApiError as exc:
                raise port_error(exc) from None
            yield PlatformPage(
                items=[parse(item) for item in page.items],
                cursor=page.page_token,
                next_cursor=page.next_page_token,
                total=page.total_count,
                request_id=page.request_id,
            )

    def activity_pages(
        self, access: ShopAccess, *, cursor: str = ""
    ) -> Iterator[PlatformPage[PlatformActivity]]:
        return self._pages(self._api(access).activity_pages(start_token=cursor), activity_from)

    def activity(self, access: ShopAccess, activity_id: str) -> PlatformActivity:
        reply = _call(lambda: self._api(access).get_activity(activity_id))
        return activity_from(reply.data, request_id=reply.request_id)

    def product_pages(
        self,
        access: ShopAccess,
        *,
        cursor: str = "",
        updated_since: datetime | None = None,
        page_size: int | None = None,
    ) -> Iterator[PlatformPage[PlatformProduct]]:
        since = int(updated_since.timestamp()) if updated_since else None
        pages = self._api(access).product_pages(
            start_token=cursor, updated_since=since, page_size=page_size
        )
        return self._pages(pages, product_from)

    def product(self, access: ShopAccess, product_id: str) -> PlatformProduct:
        reply = _call(lambda: self._api(access).get_product(product_id))
        return product_from(reply.data, request_id=reply.request_id)

    def coupon_pages(
        self, access: ShopAccess, *, cursor: str = ""
    ) -> Iterator[PlatformPage[PlatformCoupon]]:
        return self._pages(self._api(access).coupon_pages(start_token=cursor), coupon_from)

    def coupon(self, access: ShopAccess, coupon_id: str) -> PlatformCoupon:
        reply = _call(lambda: self._api(access).get_coupon(coupon_id))
        data = reply.data.get("coupon")
        return coupon_from(data if isinstance(data, dict) else reply.data)

    def remove_from_activity(
        self, access: ShopAccess, activity_id: str, product_ids: Sequence[str]
    ) -> Receipt:
        return _receipt(
            _call(
                lambda: self._api(access).remove_activity_products(
                    activity_id, product_ids=product_ids
                )
            )
        )

    def deactivate_activity(self, access: ShopAccess, activity_id: str) -> Receipt:
        return _receipt(_call(lambda: self._api(access).deactivate_activity(activity_id)))

    def update_activity_products(
        self,
        access: ShopAccess,
        activity: PlatformActivity,
        products: Sequence[PlatformActivityProduct],
    ) -> Receipt:
        items = [activity_product_wire(activity, p) for p in products]
        return _receipt(
            _call(lambda: self._api(access).update_activity_products(activity.activity_id, items))
        )

    def republish_activity(
        self, access: ShopAccess, activity_id: str, *, begins_at: datetime, ends_at: datetime
    ) -> Receipt:
        begin, end = int(begins_at.timestamp()), int(ends_at.timestamp())
        return _receipt(
            _call(
                lambda: self._api(access).republish_activity(
                    activity_id, begin_time=begin, end_time=end
                )
            )
        )

    def set_inventory(
        self, access: ShopAccess, product_id: str, quantities: dict[str, int]
    ) -> Receipt:
        skus = [{"id": sku, "inventory": [{"quantity": qty}]} for sku, qty in quantities.items()]
        return _receipt(_call(lambda: self._api(access).update_inventory(product_id, skus)))

    def delist(self, access: ShopAccess, product_ids: Sequence[str]) -> Receipt:
        return _receipt(_call(lambda: self._api(access).deactivate_products(product_ids)))

    def relist(self, access: ShopAccess, product_ids: Sequence[str]) -> Receipt:
        return _receipt(_call(lambda: self._api(access).activate_products(product_ids)))

    def verify_event(self, raw_body: bytes, headers: dict[str, str]) -> PlatformEvent:
        settings = self.client.settings
        signature = headers.get("authorization", "")
        try:
            event = webhooks.verify(
                raw_body,
                signature,
                app_key=settings.app_key,
                app_secret=settings.app_secret.get_secret_value(),
            )
        except webhooks.WebhookRejected as exc:
            raise PlatformRefused(str(exc), kind="WebhookRejected") from None
        data = event.data
        product_ids = _event_products(data)
        return PlatformEvent(
            kind=_EVENT_KINDS.get(event.type, event.name.lower()),
            shop_id=event.shop_id,
            digest=event.digest,
            activity_id=str(data.get("activity_id") or ""),
            product_ids=product_ids,
            status=str(data.get("status") or ""),
            data=data,
        )


def _event_products(data: dict[str, Any]) -> tuple[str, ...]:
    """The product ids an event names: ``product_update_list`` / ``product_remove_list`` as
    lists of ids or of ``{product_id}`` objects, or as ``{product_ids: [...]}``; ``product_id``."""
    found: list[str] = []
    for key in ("product_update_list", "product_remove_list"):
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("product_ids")
        for item in value if isinstance(value, list) else []:
            pid = item.get("product_id") or item.get("id") if isinstance(item, dict) else item
            if pid:
                found.append(str(pid))
    if data.get("product_id"):
        found.append(str(data["product_id"]))
    return tuple(dict.fromkeys(found))
