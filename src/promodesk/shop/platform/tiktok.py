"""TikTok Shop as a shop platform: the port's calls on ``integrations.tiktok_shop``.

The Partner API's failures become the port's (``PlatformError`` and kin), keeping the code,
message and request id; its decimal price strings become integer minor units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from promodesk.integrations.tiktok_shop import errors as tts
from promodesk.integrations.tiktok_shop import webhooks
from promodesk.integrations.tiktok_shop.api import MAX_IDS_PER_CALL, MAX_PAGE_SIZE, ShopApi
from promodesk.integrations.tiktok_shop.auth import ShopAuth, TokenGrant
from promodesk.integrations.tiktok_shop.client import TikTokShopClient
from promodesk.integrations.tiktok_shop.envelope import Reply
from promodesk.integrations.tiktok_shop.paging import Page
from promodesk.kit import money
from promodesk.shop.platform.port import (
    AuthorizationLost,
    PlatformActivity,
    PlatformActivityProduct,
    PlatformCoupon,
    PlatformError,
    PlatformEvent,
    PlatformMisconfigured,
    PlatformPage,
    PlatformProduct,
    PlatformRefused,
    PlatformShop,
    PlatformSku,
    PlatformUnavailable,
    Receipt,
    ShopAccess,
    Tokens,
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


def port_error(error: tts.ShopApiError) -> PlatformError:
    """The port's error for a Partner API error, keeping code, message and request id."""
    cls: type[PlatformError]
    if error.needs_authorization:
        cls = AuthorizationLost
    elif error.retryable:
        cls = PlatformUnavailable
    elif isinstance(
        error,
        tts.AppCredentialsInvalid | tts.SignatureInvalid | tts.TimestampRejected | tts.NotFound,
    ):
        cls = PlatformMisconfigured
    elif isinstance(error, tts.UnexpectedResponse):
        cls = PlatformUnavailable
    else:
        cls = PlatformRefused
    return cls(
        error.message,
        code=str(error.code) if error.code is not None else None,
        request_id=error.request_id,
        kind=type(error).__name__,
    )


def _call(fn: Callable[[], R]) -> R:
    try:
        return fn()
    except tts.ShopApiError as exc:
        raise port_error(exc) from None


def _instant(value: Any) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, ArithmeticError):
        return None


def _minor(price: Any, currency: str) -> int | None:
    """A ``{amount, currency}`` object or a decimal string, in minor units of ``currency``."""
    amount = price.get("amount") if isinstance(price, dict) else price
    if amount in (None, ""):
        return None
    try:
        return money.parse(Decimal(str(amount)), currency).amount
    except (InvalidOperation, ValueError, ArithmeticError):
        return None


def _currency(*candidates: Any) -> str:
    for value in candidates:
        code = value.get("currency") if isinstance(value, dict) else value
        if isinstance(code, str) and money.is_currency(code.upper()):
            return code.upper()
    return "USD"


def _sku(item: dict[str, Any], currency: str) -> PlatformSku:
    inventory = item.get("inventory")
    stock: int | None = None
    if isinstance(inventory, list):
        stock = sum(_int(i.get("quantity")) or 0 for i in inventory if isinstance(i, dict))
    elif "stock" in item or "quantity" in item:
        stock = _int(item.get("stock", item.get("quantity")))
    return PlatformSku(
        sku_id=str(item.get("id") or item.get("sku_id") or ""),
        price_minor=_minor(
            item.get("activity_price") or item.get("activity_price_amount"), currency
        ),
        quantity_limit=_int(item.get("quantity_limit")),
        quantity_per_user=_int(item.get("quantity_per_user")),
        stock=stock,
    )


def _activity_product(item: dict[str, Any]) -> PlatformActivityProduct:
    skus = item.get("skus") or []
    # under VARIATION the prices (and their currency) are on the SKUs
    currency = _currency(
        item.get("activity_price"),
        item.get("currency"),
        *(s.get("activity_price") for s in skus if isinstance(s, dict)),
    )
    discount = item.get("discount")
    return PlatformActivityProduct(
        product_id=str(item.get("id") or item.get("product_id") or ""),
        activity_price_minor=_minor(
            item.get("activity_price") or item.get("activity_price_amount"), currency
        ),
        currency=currency,
        discount_percent=_int(discount) if discount not in (None, "") else None,
        quantity_limit=_int(item.get("quantity_limit")),
        quantity_per_user=_int(item.get("quantity_per_user")),
        skus=tuple(_sku(s, currency) for s in skus if isinstance(s, dict)),
    )


def activity_from(data: dict[str, Any], *, request_id: str | None = None) -> PlatformActivity:
    commands = data.get("activity_commands") or []
    raw_products = data.get("products")
    products = (
        tuple(_activity_product(p) for p in raw_products if isinstance(p, dict))
        if isinstance(raw_products, list)
        else None
    )
    return PlatformActivity(
        activity_id=str(data.get("id") or data.get("activity_id") or ""),
        title=str(data.get("title") or "")[:200],
        activity_type=str(data.get("activity_type") or ""),
        status=str(data.get("status") or ""),
        begins_at=_instant(data.get("begin_time")),
        ends_at=_instant(data.get("end_time")),
        product_level=str(data.get("product_level") or ""),
        immutable="IMMUTABLE" in commands if isinstance(commands, list) else False,
        updated_at=_instant(data.get("update_time")),
        products=products,
        request_id=request_id,
    )


def product_from(data: dict[str, Any], *, request_id: str | None = None) -> PlatformProduct:
    raw_skus = [s for s in data.get("skus") or [] if isinstance(s, dict)]
    first_price = raw_skus[0].get("price") if raw_skus else data.get("price")
    currency = _currency(first_price, data.get("currency"))
    price = None
    if isinstance(first_price, dict):
        price = _minor(first_price.get("sale_price") or first_price.get("amount"), currency)
    elif first_price is not None:
        price = _minor(first_price, currency)
    skus = tuple(_sku(s, currency) for s in raw_skus)
    stock = sum(s.stock or 0 for s in skus) if skus else (_int(data.get("stock")) or 0)
    return PlatformProduct(
        product_id=str(data.get("id") or data.get("product_id") or ""),
        title=str(data.get("title") or "")[:300],
        status=str(data.get("status") or ""),
        price_minor=price,
        currency=currency,
        stock=stock,
        skus=skus,
        updated_at=_instant(data.get("update_time")),
        request_id=request_id,
    )


def coupon_from(data: dict[str, Any]) -> PlatformCoupon:
    raw = data.get("discount")
    discount: dict[str, Any] = raw if isinstance(raw, dict) else {}
    amount_off = discount.get("reduction_amount") or discount.get("amount_off")
    currency = _currency(amount_off, data.get("currency"))
    percent = _int(discount.get("percentage") or discount.get("percentage_off")) or 0
    products = data.get("product_ids") or []
    return PlatformCoupon(
        coupon_id=str(data.get("id") or data.get("coupon_id") or ""),
        title=str(data.get("title") or "")[:200],
        status=str(data.get("status") or ""),
        value_minor=_minor(amount_off, currency) or 0,
        percent_off=max(0, min(percent, 100)),
        currency=currency,
        product_ids=tuple(str(p) for p in products) if isinstance(products, list) else (),
    )


PRICED_TYPES = frozenset({"FIXED_PRICE", "FLASHSALE"})


def _amount(price_minor: int, currency: str) -> str:
    """Minor units as the platform's decimal string (``"12.90"``)."""
    return str(money.Money(price_minor, currency).decimal)


def _terms(
    activity_type: str,
    price_minor: int | None,
    discount_percent: int | None,
    currency: str,
    limit: int | None,
    per_user: int | None,
) -> dict[str, Any]:
    """One product's or SKU's terms (spec §1.4): the activity price for FIXED_PRICE and
    FLASHSALE, the percent off for DIRECT_DISCOUNT (each omitted otherwise), the quantities
    (−1 unlimited)."""
    out: dict[str, Any] = {
        "quantity_limit": limit if limit not in (None, 0) else -1,
        "quantity_per_user": per_user if per_user not in (None, 0) else -1,
    }
    if activity_type in PRICED_TYPES and price_minor is not None:
        out["activity_price_amount"] = _amount(price_minor, currency)
    if activity_type == "DIRECT_DISCOUNT" and discount_percent is not None:
        out["discount"] = str(discount_percent)
    return out


def activity_product_wire(
    activity: PlatformActivity, product: PlatformActivityProduct
) -> dict[str, Any]:
    """A product of Update Activity Product: at PRODUCT level its terms with ``skus: []``;
    under VARIATION both quantities −1 on the product and the terms on each SKU."""
    kind, currency = activity.activity_type, product.currency
    if activity.product_level == "VARIATION":
        return {
            "id": product.product_id,
            "quantity_limit": -1,
            "quantity_per_user": -1,
            "skus": [
                {
                    "id": sku.sku_id,
                    **_terms(
                        kind,
                        sku.price_minor
                        if sku.price_minor is not None
                        else product.activity_price_minor,
                        product.discount_percent,
                        currency,
                        sku.quantity_limit,
                        sku.quantity_per_user,
                    ),
                }
                for sku in product.skus
            ],
        }
    return {
        "id": product.product_id,
        **_terms(
            kind,
            product.activity_price_minor,
            product.discount_percent,
            currency,
            product.quantity_limit,
            product.quantity_per_user,
        ),
        "skus": [],
    }


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
