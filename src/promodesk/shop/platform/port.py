"""The port (a ``Protocol``) and the plain values that cross it.

Rules:
- Prices cross as integer minor units with their currency (``kit.money``), never floats.
- Every platform answer keeps the platform's ``request_id`` (``Receipt``), and every platform
  failure is a ``PlatformError`` carrying the platform's code, message and request id, with
  two questions answered: may it be retried, and must the seller authorize again.
- A provider never touches the database; the shop feature records intent and results.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


class PlatformError(Exception):
    """A platform call failed (after the provider's own retries)."""

    retryable = False
    needs_authorization = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        kind: str = "",
    ) -> None:
        self.message = message
        self.code = code
        self.request_id = request_id
        self.kind = kind  # the provider's own class name, e.g. "ShopCipherInvalid"
        super().__init__(message)

    def as_result(self) -> dict[str, Any]:
        """The per-item result kept on an intent: the platform's code, message, request id."""
        return {
            "ok": False,
            "code": self.code,
            "message": self.message[:500],
            "request_id": self.request_id,
            "kind": self.kind,
        }


class PlatformUnavailable(PlatformError):
    """Throttled, a server error or the network: try again later."""

    retryable = True


class AuthorizationLost(PlatformError):
    """The platform refuses our tokens (revoked, expired): the seller must authorize again."""

    needs_authorization = True


class PlatformRefused(PlatformError):
    """The platform refused what we asked (bad parameter, immutable activity, no permission)."""


class PlatformMisconfigured(PlatformError):
    """App key, secret or signing is wrong: an administrator must fix the settings."""


@dataclass(frozen=True)
class Receipt:
    """A successful call: the platform's request id and what it answered."""

    request_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_result(self) -> dict[str, Any]:
        return {"ok": True, "code": "0", "message": "", "request_id": self.request_id}


@dataclass(frozen=True)
class Tokens:
    access_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_token: str = field(repr=False)
    refresh_expires_at: datetime
    seller_name: str = ""
    region: str = ""
    scopes: tuple[str, ...] = ()
    request_id: str | None = None


@dataclass(frozen=True)
class PlatformShop:
    shop_id: str
    cipher: str = field(repr=False)
    name: str = ""
    region: str = ""


@dataclass(frozen=True)
class ShopAccess:
    """What a call for one linked shop needs; never logged."""

    access_token: str = field(repr=False)
    shop_cipher: str = field(repr=False)
    shop_id: str = ""


@dataclass(frozen=True)
class PlatformSku:
    sku_id: str
    price_minor: int | None = None  # the activity price, when the activity sets one per SKU
    quantity_limit: int | None = None  # activity stock; -1 unlimited
    quantity_per_user: int | None = None
    stock: int | None = None  # the product's own inventory (product reads)


@dataclass(frozen=True)
class PlatformActivityProduct:
    product_id: str
    activity_price_minor: int | None
    currency: str
    discount_percent: int | None = None
    quantity_limit: int | None = None
    quantity_per_user: int | None = None
    skus: tuple[PlatformSku, ...] = ()


@dataclass(frozen=True)
class PlatformActivity:
    activity_id: str
    title: str
    activity_type: str
    status: str  # DRAFT | NOT_START | ONGOING | EXPIRED | DEACTIVATED | NOT_EFFECTIVE
    begins_at: datetime | None
    ends_at: datetime | None
    product_level: str = ""
    immutable: bool = False
    updated_at: datetime | None = None
    # Filled by ``activity`` (Get Activity); a search page leaves it empty.
    products: tuple[PlatformActivityProduct, ...] | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class PlatformProduct:
    product_id: str
    title: str
    status: str  # the platform's product status, e.g. ACTIVATE, SELLER_DEACTIVATED
    price_minor: int | None
    currency: str
    stock: int
    skus: tuple[PlatformSku, ...] = ()
    updated_at: datetime | None = None
    request_id: str | None = None

    @property
    def listed(self) -> bool:
        return self.status.upper() in {"ACTIVATE", "LIVE", "ACTIVE"}


@dataclass(frozen=True)
class PlatformCoupon:
    coupon_id: str
    title: str
    status: str  # NOT_START | ONGOING | EXPIRED | DEACTIVATED
    value_minor: int
    percent_off: int
    currency: str
    product_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlatformPage(Generic[T]):
    items: list[T]
    cursor: str  # the cursor this page was asked with
    next_cursor: str  # empty on the last page
    total: int | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class PlatformEvent:
    """A verified webhook in promodesk's terms."""

    kind: str  # activity_status | activity_change | product_status | inventory | deauthorized | ...
    shop_id: str
    digest: str  # the same for a redelivered event: the dedup key
    activity_id: str = ""
    product_ids: tuple[str, ...] = ()
    status: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class ShopPlatform(Protocol):
    """One commerce platform. Implementations are thread-safe and keep their own rate limit."""

    name: str
    # The most product ids one removal may carry, and the most products one update may.
    max_remove_ids: int
    max_update_products: int
    # The most products one page of ``product_pages`` may hold.
    max_page_size: int

    def authorization_url(self, *, redirect_uri: str, state: str) -> str: ...

    def exchange_code(self, code: str) -> Tokens: ...

    def refresh(self, refresh_token: str) -> Tokens: ...

    def shops(self, access_token: str) -> list[PlatformShop]: ...

    def activity_pages(
        self, access: ShopAccess, *, cursor: str = ""
    ) -> Iterator[PlatformPage[PlatformActivity]]: ...

    def activity(self, access: ShopAccess, activity_id: str) -> PlatformActivity: ...

    def product_pages(
        self,
        access: ShopAccess,
        *,
        cursor: str = "",
        updated_since: datetime | None = None,
        page_size: int | None = None,
    ) -> Iterator[PlatformPage[PlatformProduct]]:
        """Every product of the shop, a page at a time (``page_size`` at most
        ``max_page_size``; the provider's default without it)."""
        ...

    def product(self, access: ShopAccess, product_id: str) -> PlatformProduct: ...

    def coupon_pages(
        self, access: ShopAccess, *, cursor: str = ""
    ) -> Iterator[PlatformPage[PlatformCoupon]]: ...

    def coupon(self, access: ShopAccess, coupon_id: str) -> PlatformCoupon:
        """One coupon with the products it covers (a search page may leave them out)."""
        ...

    def remove_from_activity(
        self, access: ShopAccess, activity_id: str, product_ids: Sequence[str]
    ) -> Receipt: ...

    def deactivate_activity(self, access: ShopAccess, activity_id: str) -> Receipt: ...

    def update_activity_products(
        self,
        access: ShopAccess,
        activity: PlatformActivity,
        products: Sequence[PlatformActivityProduct],
    ) -> Receipt:
        """Add products to ``activity`` (as read: its type and product level decide which
        terms are sent) or change the terms of ones in it, at most ``max_update_products``."""
        ...

    def republish_activity(
        self, access: ShopAccess, activity_id: str, *, begins_at: datetime, ends_at: datetime
    ) -> Receipt:
        """Put an expired or deactivated activity back online for a new period, with its
        products (where the platform allows it)."""
        ...

    def set_inventory(
        self, access: ShopAccess, product_id: str, quantities: dict[str, int]
    ) -> Receipt: ...

    def delist(self, access: ShopAccess, product_ids: Sequence[str]) -> Receipt: ...

    def relist(self, access: ShopAccess, product_ids: Sequence[str]) -> Receipt: ...

    def verify_event(self, raw_body: bytes, headers: dict[str, str]) -> PlatformEvent: ...
