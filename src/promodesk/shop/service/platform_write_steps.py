"""Each recorded platform write's calls and its read-back check, by action.

Rules (each read before and after the call, so a repeated step sends only what is missing):
- ``remove_products``: the chunk's products the activity still lists are removed; done when
  the read-back lists none of them.
- ``deactivate_activity``: sent while the activity runs and is not IMMUTABLE; done when it
  no longer runs.
- ``update_activity_products``: the products whose terms (activity price, percent off,
  SKUs) the activity does not show yet are sent; done when the read-back shows them all.
  Products cannot change in a DEACTIVATED or EXPIRED activity (spec §1.3): refused, unless a
  republish of the same write brought it back first.
- ``republish_activity``: an EXPIRED or DEACTIVATED product discount or flash deal comes back
  for the rest of its period (beginning ``platform_republish_lead_seconds`` from now); done
  when it runs again. Refused where the platform does not allow it (IMMUTABLE, another type,
  the setting off, or its period over).
- ``set_inventory``: each SKU's stock set to the wanted number; done when the product reads
  back with those numbers.
- ``delist_products`` / ``relist_products``: the products not yet deactivated (activated)
  are sent; done when every one reads back so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from promodesk.kit import clock
from promodesk.shop.domain.platform import (
    REMOVABLE_STATUSES,
    WriteAction,
    republishable,
    still_enrolled,
)
from promodesk.shop.platform import port
from promodesk.shop.settings import shop_settings

MIN_PERIOD = timedelta(minutes=10)  # spec §1.5: an activity lasts at least 10 minutes


@dataclass
class Attempt:
    """One step's platform calls for one intent, made before the step's transaction."""

    intent_id: int
    before: port.PlatformActivity | None = None
    sent: list[str] = field(default_factory=list)
    receipt: port.Receipt | None = None
    after: port.PlatformActivity | None = None
    products_after: list[port.PlatformProduct] = field(default_factory=list)
    # The platform's terms of the products a removal sent (kept: a restore puts them back).
    terms: dict[str, dict[str, Any]] = field(default_factory=dict)
    refreshed: Any = None
    error: port.PlatformError | None = None


@dataclass(frozen=True)
class Wanted:
    """An intent as its step needs it (read in a short transaction, used outside of it)."""

    action: str
    activity_id: str
    product_ids: list[str]
    payload: dict[str, Any]


Call = Callable[[Callable[[port.ShopPlatform, port.ShopAccess], Any]], Any]


# terms as kept in a payload ---------------------------------------------------------------


def terms_dict(product: port.PlatformActivityProduct) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "activity_price_minor": product.activity_price_minor,
        "currency": product.currency,
        "discount_percent": product.discount_percent,
        "quantity_limit": product.quantity_limit,
        "quantity_per_user": product.quantity_per_user,
        "skus": [
            {
                "sku_id": s.sku_id,
                "price_minor": s.price_minor,
                "quantity_limit": s.quantity_limit,
                "quantity_per_user": s.quantity_per_user,
            }
            for s in product.skus
        ],
    }


def terms_from(data: dict[str, Any]) -> port.PlatformActivityProduct:
    return port.PlatformActivityProduct(
        product_id=str(data["product_id"]),
        activity_price_minor=data.get("activity_price_minor"),
        currency=str(data.get("currency") or "USD"),
        discount_percent=data.get("discount_percent"),
        quantity_limit=data.get("quantity_limit"),
        quantity_per_user=data.get("quantity_per_user"),
        skus=tuple(
            port.PlatformSku(
                sku_id=str(s["sku_id"]),
                price_minor=s.get("price_minor"),
                quantity_limit=s.get("quantity_limit"),
                quantity_per_user=s.get("quantity_per_user"),
            )
            for s in data.get("skus") or []
        ),
    )


def terms_shown(
    want: port.PlatformActivityProduct,
    have: port.PlatformActivityProduct | None,
    activity: port.PlatformActivity,
) -> bool:
    """Whether the activity shows the product with the wanted terms."""
    if have is None:
        return False
    if activity.product_level == "VARIATION":
        return {s.sku_id for s in want.skus} <= {s.sku_id for s in have.skus}
    if activity.activity_type == "DIRECT_DISCOUNT":
        return want.discount_percent is None or have.discount_percent == want.discount_percent
    if activity.activity_type in ("FIXED_PRICE", "FLASHSALE"):
        return (
            want.activity_price_minor is None
            or have.activity_price_minor == want.activity_price_minor
        )
    return True


# the calls of one step ----------------------------------------------------------------------


def fetch(call: Call, wanted: Wanted, attempt: Attempt) -> None:
    """Read back, send what is still to do, read back again (raises ``PlatformError``)."""
    action = WriteAction(wanted.action)
    if action in (WriteAction.INVENTORY, WriteAction.DELIST, WriteAction.RELIST):
        _fetch_products(call, action, wanted, attempt)
        return
    activity_id = wanted.activity_id

    def read() -> port.PlatformActivity | None:
        found: port.PlatformActivity | None = call(lambda p, a: p.activity(a, activity_id))
        return found

    before = attempt.before = read()
    if before is None:
        raise port.AuthorizationLost("the platform refused the refresh")
    if action is WriteAction.REMOVE:
        present = {pp.product_id: pp for pp in before.products or ()}
        attempt.sent = still_enrolled(wanted.product_ids, list(present))
        attempt.terms = {pid: terms_dict(present[pid]) for pid in attempt.sent}
        if attempt.sent:
            attempt.receipt = call(
                lambda p, a: p.remove_from_activity(a, activity_id, attempt.sent)
            )
    elif action is WriteAction.DEACTIVATE:
        if before.status in REMOVABLE_STATUSES and not before.immutable:
            attempt.receipt = call(lambda p, a: p.deactivate_activity(a, activity_id))
    elif action is WriteAction.UPDATE:
        if before.status not in REMOVABLE_STATUSES:
            raise port.PlatformRefused(
                f"products cannot be updated in a {before.status} activity",
                kind="ActivityNotEditable",
            )
        present = {pp.product_id: pp for pp in before.products or ()}
        todo = [
            w
            for w in (terms_from(d) for d in wanted.payload.get("products") or [])
            if not terms_shown(w, present.get(w.product_id), before)
        ]
        attempt.sent = [w.product_id for w in todo]
        if todo:
            attempt.receipt = call(lambda p, a: p.update_activity_products(a, before, todo))
    elif action is WriteAction.REPUBLISH and before.status not in REMOVABLE_STATUSES:
        settings = shop_settings()
        allowed = settings.platform_republish
        if not republishable(before.status, before.immutable, before.activity_type, allowed):
            raise port.PlatformRefused(
                f"the platform does not republish this {before.status} "
                f"{before.activity_type} activity",
                kind="NotRepublishable",
            )
        begins = clock.now() + timedelta(seconds=settings.platform_republish_lead_seconds)
        end = wanted.payload.get("end")
        ends = datetime.fromtimestamp(int(end), tz=UTC) if end else before.ends_at
        if ends is None or ends - begins < MIN_PERIOD:
            raise port.PlatformRefused(
                "the activity's period is over: it cannot come back", kind="PeriodOver"
            )
        attempt.receipt = call(
            lambda p, a: p.republish_activity(a, activity_id, begins_at=begins, ends_at=ends)
        )
    attempt.after = read() if attempt.receipt is not None else before


def _fetch_products(call: Call, action: WriteAction, wanted: Wanted, attempt: Attempt) -> None:
    def read_one(product_id: str) -> port.PlatformProduct:
        found: port.PlatformProduct = call(lambda p, a: p.product(a, product_id))
        return found

    def read_all() -> list[port.PlatformProduct]:
        return [read_one(pid) for pid in wanted.product_ids]

    before = read_all()
    if any(p is None for p in before):
        raise port.AuthorizationLost("the platform refused the refresh")
    if action is WriteAction.INVENTORY:
        quantities = {str(k): int(v) for k, v in (wanted.payload.get("quantities") or {}).items()}
        (product,) = before
        if not _stock_shown(product, quantities):
            attempt.sent = [product.product_id]
            attempt.receipt = call(lambda p, a: p.set_inventory(a, product.product_id, quantities))
    else:
        delist = action is WriteAction.DELIST
        attempt.sent = [p.product_id for p in before if p.listed == delist]
        if attempt.sent:
            attempt.receipt = call(
                lambda p, a: p.delist(a, attempt.sent) if delist else p.relist(a, attempt.sent)
            )
    attempt.products_after = read_all() if attempt.receipt is not None else before


def _stock_shown(product: port.PlatformProduct, quantities: dict[str, int]) -> bool:
    stocks = {s.sku_id: s.stock for s in product.skus}
    return all(stocks.get(sku) == qty for sku, qty in quantities.items())


# the read-back's verdict --------------------------------------------------------------------


def left_over(wanted: Wanted, attempt: Attempt) -> list[str]:
    """What the read-back shows not done (ids, or the activity's id): empty when done."""
    action = WriteAction(wanted.action)
    after = attempt.after
    if action is WriteAction.REMOVE:
        present = [p.product_id for p in (after.products or ())] if after else []
        return still_enrolled(wanted.product_ids, present)
    if action is WriteAction.DEACTIVATE:
        return [wanted.activity_id] if after is None or after.status in REMOVABLE_STATUSES else []
    if action is WriteAction.REPUBLISH:
        running = after is not None and after.status in REMOVABLE_STATUSES
        return [] if running else [wanted.activity_id]
    if action is WriteAction.UPDATE:
        if after is None:
            return list(wanted.product_ids)
        shown = {pp.product_id: pp for pp in after.products or ()}
        return [
            w.product_id
            for w in (terms_from(d) for d in wanted.payload.get("products") or [])
            if not terms_shown(w, shown.get(w.product_id), after)
        ]
    products = attempt.products_after
    if action is WriteAction.INVENTORY:
        quantities = {str(k): int(v) for k, v in (wanted.payload.get("quantities") or {}).items()}
        return [p.product_id for p in products if not _stock_shown(p, quantities)] or (
            [] if products else list(wanted.product_ids)
        )
    delist = action is WriteAction.DELIST
    if not products:
        return list(wanted.product_ids)
    return [p.product_id for p in products if p.listed == delist]


def not_done_message(action: str, left: list[str]) -> str:
    what = {
        WriteAction.REMOVE: "the removal but still lists {n} products",
        WriteAction.DEACTIVATE: "the deactivation but the activity still runs",
        WriteAction.REPUBLISH: "the republish but the activity does not run",
        WriteAction.UPDATE: "the update but does not show {n} products with their terms",
        WriteAction.INVENTORY: "the inventory update but shows other stock for {n} products",
        WriteAction.DELIST: "the delist but {n} products are still active",
        WriteAction.RELIST: "the relist but {n} products are still inactive",
    }[WriteAction(action)]
    return "the platform acknowledged " + what.format(n=len(left))
