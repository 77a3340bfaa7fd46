"""Products of a promotion activity: add or edit them (with their SKUs under VARIATION) and
remove them, with the platform's quantity and price rules.

Rules (spec §1.4–§1.6; settings in ``ShopSandboxConfig`` where the spec is UNCERTAIN):

- At most 300 products a call, and under VARIATION at most 300 SKUs a call; at most 300
  ``product_ids`` and 300 ``sku_ids`` a removal. Ids not in the activity are ignored by a
  removal, so a retried chunk succeeds.
- ``quantity_limit`` and ``quantity_per_user`` are 1–99 or −1 (unlimited), both −1 at product
  level under VARIATION, and never decreased on an item already in the activity.
- FIXED_PRICE and FLASHSALE need ``activity_price_amount`` at the activity's level, below the
  product's price (the sandbox has no sales, so the 30-day low is the price); DIRECT_DISCOUNT
  needs ``discount`` (whole percent within the configured range); each must be omitted
  otherwise.
"""

from __future__ import annotations

from typing import Any

from promodesk.shop_sandbox.context import Call
from promodesk.shop_sandbox.promotion.activities import (
    change_event,
    check_editable,
    check_eligible,
    find_activity,
)
from promodesk.shop_sandbox.wire import (
    NOT_FOUND,
    PRICE_RULE,
    QUANTITY_RULE,
    ApiError,
    Body,
    invalid,
)
from promodesk.shop_sandbox.world import Activity, Deal, Enrollment, Product, money, to_minor

PRICED = ("FIXED_PRICE", "FLASHSALE")
PER_CALL = 300


def _quantities(
    item: Body, old: Deal | None, what: str, *, unlimited_only: bool
) -> tuple[int, int]:
    out = []
    for name in ("quantity_limit", "quantity_per_user"):
        value = item.integer(name, required=True, low=-1, high=99)
        assert value is not None
        if value == 0:
            raise ApiError(QUANTITY_RULE, f"{item.where}.{name} must be 1–99 or -1 (unlimited).")
        if unlimited_only and value != -1:
            raise ApiError(
                QUANTITY_RULE, f"{item.where}.{name} must be -1 at product level under VARIATION."
            )
        if old is not None:
            before = getattr(old, name)
            if _unlimited(value) < _unlimited(before):
                raise ApiError(
                    QUANTITY_RULE, f"{name} of {what} cannot be decreased (it is {before})."
                )
        out.append(value)
    return out[0], out[1]


def _unlimited(value: int) -> float:
    return float("inf") if value == -1 else value


def _terms(
    call: Call, activity: Activity, item: Body, here: bool, ceiling: int, what: str
) -> tuple[int | None, int | None]:
    """(activity price, discount) of one product or SKU; ``here``: terms belong at this level."""
    kind = activity.activity_type
    price_wanted = here and kind in PRICED
    discount_wanted = here and kind == "DIRECT_DISCOUNT"
    amount = item.amount("activity_price_amount", required=price_wanted)
    if amount is not None and not price_wanted:
        raise invalid(
            f"Invalid parameter: {item.where}.activity_price_amount must be omitted here."
        )
    text = item.string("discount", required=discount_wanted, max_len=8)
    if text is not None and not discount_wanted:
        raise invalid(f"Invalid parameter: {item.where}.discount must be omitted here.")
    price = discount = None
    if amount is not None:
        price = to_minor(amount)
        if price >= ceiling:
            raise ApiError(
                PRICE_RULE,
                f"The activity price of {what} must be below its price {money(ceiling)}.",
            )
    if text is not None:
        low = call.world.config.discount_min_percent
        high = call.world.config.discount_max_percent
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise ApiError(
                PRICE_RULE, f"The discount of {what} must be a whole percent from {low} to {high}."
            )
        discount = int(text)
    return price, discount


def update_activity_products(call: Call) -> dict[str, Any]:
    activity = find_activity(call)
    body = call.body
    named = body.string("activity_id", required=True, max_len=32)
    if named != activity.id:
        raise invalid("Invalid parameter: body.activity_id must be the activity in the path.")
    items = body.objects("products", limit=PER_CALL)
    variation = activity.product_level == "VARIATION"
    if variation:
        total = sum(len(i.objects("skus", limit=10_000)) for i in items)
        if total > PER_CALL:
            raise invalid(
                f"Invalid parameter: {total} SKUs in one call; at most {PER_CALL} are allowed."
            )
    now = call.world.now()
    check_eligible(call, activity.activity_type)
    with call.world.lock:
        check_editable(activity, now, "Updating products")
        if activity.product_level == "SHOP" and items:
            raise invalid(
                "Invalid parameter: a SHOP-level activity covers every product; send no products."
            )
        planned: dict[str, Enrollment] = {}
        for item in items:
            product_id = item.string("id", required=True, max_len=32) or ""
            product = call.world.product(call.shop_index, product_id)
            if product is None:
                raise ApiError(NOT_FOUND, f"Product {product_id} does not exist in this shop.")
            planned[product_id] = _plan_product(call, activity, product, item)
        cap = call.world.config.max_products_per_activity
        if cap and len(set(activity.products) | set(planned)) > cap:
            raise ApiError(QUANTITY_RULE, f"An activity holds at most {cap} products.")
        for product_id, enrollment in planned.items():
            old = activity.products.get(product_id)
            if old is not None:
                enrollment.deal.used_quantity = old.deal.used_quantity
            activity.products[product_id] = enrollment
        activity.update_time = now
    if planned:
        change_event(
            call, activity, "PRODUCT_UPDATE", product_update_list={"product_ids": list(planned)}
        )
    total_count = sum(len(e.skus) for e in planned.values()) if variation else len(planned)
    return {
        "activity_id": activity.id,
        "title": activity.title,
        "update_time": activity.update_time,
        "status": activity.status(now),
        "total_count": total_count,
    }


def _plan_product(call: Call, activity: Activity, product: Product, item: Body) -> Enrollment:
    variation = activity.product_level == "VARIATION"
    old = activity.products.get(product.id)
    limit, per_user = _quantities(
        item, old.deal if old else None, f"product {product.id}", unlimited_only=variation
    )
    lowest = min(s.price for s in product.skus)
    price, discount = _terms(call, activity, item, not variation, lowest, f"product {product.id}")
    enrollment = Enrollment(Deal(limit, per_user, price, discount))
    skus = item.objects("skus", limit=10_000)
    if not variation:
        if skus:
            raise invalid(
                f"Invalid parameter: {item.where}.skus must be [] at product level PRODUCT."
            )
        return enrollment
    if not skus:
        raise invalid(f"Invalid parameter: {item.where}.skus is required under VARIATION.")
    prices = {s.id: s.price for s in product.skus}
    for sku in skus:
        sku_id = sku.string("id", required=True, max_len=32) or ""
        if sku_id not in prices:
            raise ApiError(NOT_FOUND, f"SKU {sku_id} is not a SKU of product {product.id}.")
        before = old.skus.get(sku_id) if old else None
        q = _quantities(sku, before, f"SKU {sku_id}", unlimited_only=False)
        terms = _terms(call, activity, sku, True, prices[sku_id], f"SKU {sku_id}")
        deal = Deal(q[0], q[1], terms[0], terms[1], before.used_quantity if before else 0)
        enrollment.skus[sku_id] = deal
    if old is not None:  # SKUs not named keep their terms
        for sku_id, deal in old.skus.items():
            enrollment.skus.setdefault(sku_id, deal)
    return enrollment


def remove_activity_products(call: Call) -> dict[str, Any]:
    activity = find_activity(call)
    body = call.body
    product_ids = body.ids("product_ids", limit=PER_CALL)
    sku_ids = body.ids("sku_ids", limit=PER_CALL)
    for name in ("benefit_product_ids", "exclude_product_ids"):
        body.ids(name, limit=PER_CALL)
    if not product_ids and not sku_ids:
        raise invalid("Invalid parameter: product_ids or sku_ids is required.")
    now = call.world.now()
    with call.world.lock:
        check_editable(activity, now, "Removing products")
        if call.world.config.remove_noop:
            # Fault injection: acknowledged, not applied (only reading back shows it).
            call.world.noops += 1
            return {"activity_id": activity.id, "status": activity.status(now), "update_time": now}
        for product_id in product_ids:
            activity.products.pop(product_id, None)
        for sku_id in sku_ids:
            owner = call.world.sku_owner.get(sku_id)
            enrollment = activity.products.get(owner) if owner else None
            if owner is None or enrollment is None or sku_id not in enrollment.skus:
                continue
            del enrollment.skus[sku_id]
            if not enrollment.skus:  # its last SKU: the product leaves the activity
                del activity.products[owner]
        activity.update_time = now
    change_event(
        call,
        activity,
        "PRODUCT_REMOVE",
        product_remove_list={"product_ids": product_ids, "sku_ids": sku_ids},
    )
    return {
        "activity_id": activity.id,
        "status": activity.status(now),
        "update_time": activity.update_time,
    }
