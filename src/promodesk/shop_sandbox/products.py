"""Product endpoints: get, search, activate, deactivate (delist), inventory update (stock to
zero) and inventory search. Each shop has one warehouse; a SKU's stock is its quantity there.

Activate and deactivate report unknown products in ``errors`` and change the rest; an
inventory update checks every SKU before changing any.
"""

from __future__ import annotations

from typing import Any

from promodesk.shop_sandbox import paging
from promodesk.shop_sandbox.context import Call
from promodesk.shop_sandbox.webhooks import (
    INVENTORY_CHANGED_BY_SHOP,
    INVENTORY_STATUS_CHANGE,
    PRODUCT_STATUS_CHANGE,
)
from promodesk.shop_sandbox.wire import NOT_FOUND, ApiError, invalid
from promodesk.shop_sandbox.world import Product, Sku, money

WAREHOUSE_BASE = 7_496_000_000_000_000_000
STATUSES = (
    "ALL",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "DRAFT",
    "PENDING",
    "FAILED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
)
PER_STATUS_CALL = 1000
MAX_STOCK = 999_999


def warehouse(call: Call) -> str:
    return str(WAREHOUSE_BASE + call.shop_index)


def _sku(call: Call, sku: Sku) -> dict[str, Any]:
    currency = call.shop.currency
    return {
        "id": sku.id,
        "seller_sku": sku.seller_sku,
        "price": {
            "currency": currency,
            "sale_price": money(sku.price),
            "tax_exclusive_price": money(sku.price),
        },
        "inventory": [{"warehouse_id": warehouse(call), "quantity": sku.stock}],
    }


def _product(call: Call, product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "title": product.title,
        "status": product.status,
        "skus": [_sku(call, s) for s in product.skus],
        "create_time": product.create_time,
        "update_time": product.update_time,
        "sales_regions": [call.shop.region],
        "is_not_for_sale": False,
    }


def _find(call: Call, product_id: str) -> Product:
    product = call.world.product(call.shop_index, product_id)
    if product is None:
        raise ApiError(NOT_FOUND, f"Product {product_id} does not exist in this shop.")
    return product


def get_product(call: Call) -> dict[str, Any]:
    return _product(call, _find(call, call.ids["product_id"]))


def search_products(call: Call) -> dict[str, Any]:
    body = call.body
    status = body.choice("status", STATUSES) or "ALL"
    seller_skus = set(_strings(body.values.get("seller_skus"), "seller_skus"))
    sku_ids = set(body.ids("sku_ids", limit=PER_STATUS_CALL))
    bounds = {
        name: body.integer(name, low=0)
        for name in ("create_time_ge", "create_time_le", "update_time_ge", "update_time_le")
    }
    size = call.query_int("page_size", 10, 1, 100)
    products = call.world.products

    def wanted(p: Product) -> bool:
        if status != "ALL" and p.status != status:
            return False
        if seller_skus and not any(s.seller_sku in seller_skus for s in p.skus):
            return False
        if sku_ids and not any(s.id in sku_ids for s in p.skus):
            return False
        for name, bound in bounds.items():
            if bound is None:
                continue
            value = p.create_time if name.startswith("create") else p.update_time
            if (name.endswith("_ge") and value < bound) or (name.endswith("_le") and value > bound):
                return False
        return True

    matching = [i for i in call.world.shop_products[call.shop_index] if wanted(products[i])]
    chunk, following = paging.page("product", matching, call.query.get("page_token"), size)
    return {
        "products": [_product(call, products[i]) for i in chunk],
        "total_count": len(matching),
        "next_page_token": following,
    }


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(f"Invalid parameter: body.{name} must be a list of strings.")
    if len(value) > PER_STATUS_CALL:
        raise invalid(f"Invalid parameter: body.{name} holds more than {PER_STATUS_CALL} values.")
    return value


def _set_status(call: Call, status: str) -> dict[str, Any]:
    ids = call.body.ids("product_ids", limit=PER_STATUS_CALL)
    if not ids:
        raise invalid("Invalid parameter: body.product_ids is missing.")
    now = call.world.now()
    errors, changed = [], []
    with call.world.lock:
        for product_id in ids:
            product = call.world.product(call.shop_index, product_id)
            if product is None:
                errors.append(
                    {
                        "code": NOT_FOUND,
                        "message": f"Product {product_id} does not exist in this shop.",
                        "detail": {"product_id": product_id},
                    }
                )
                continue
            if product.status != status:
                product.status, product.update_time = status, now
                changed.append(product)
    for product in changed:
        call.emit(
            PRODUCT_STATUS_CHANGE,
            {"product_id": int(product.id), "status": status, "update_time": now},
        )
    return {"errors": errors}


def activate_products(call: Call) -> dict[str, Any]:
    return _set_status(call, "ACTIVATE")


def deactivate_products(call: Call) -> dict[str, Any]:
    return _set_status(call, "SELLER_DEACTIVATED")


def update_inventory(call: Call) -> dict[str, Any]:
    product = _find(call, call.ids["product_id"])
    items = call.body.objects("skus", limit=1000)
    if not items:
        raise invalid("Invalid parameter: body.skus is missing.")
    by_id = {s.id: s for s in product.skus}
    planned: list[tuple[Sku, int]] = []
    for item in items:
        sku_id = item.string("id", required=True, max_len=32) or ""
        sku = by_id.get(sku_id)
        if sku is None:
            raise ApiError(NOT_FOUND, f"SKU {sku_id} is not a SKU of product {product.id}.")
        stocks = item.objects("inventory", limit=10)
        if not stocks:
            raise invalid(f"Invalid parameter: {item.where}.inventory is missing.")
        total = 0
        for stock in stocks:
            place = stock.string("warehouse_id", max_len=32)
            if place is not None and place != warehouse(call):
                raise ApiError(NOT_FOUND, f"Warehouse {place} does not belong to this shop.")
            total += stock.integer("quantity", required=True, low=0, high=MAX_STOCK) or 0
        planned.append((sku, total))
    now = call.world.now()
    changes = []
    with call.world.lock:
        for sku, quantity in planned:
            before = sku.stock
            sku.stock = quantity
            changes.append((sku, before, quantity))
        product.update_time = now
    for sku, before, after in changes:
        _inventory_events(call, product, sku, before, after, now)
    return {"errors": []}


def _inventory_events(
    call: Call, product: Product, sku: Sku, before: int, after: int, now: int
) -> None:
    if before == after:
        return
    occurred = call.world.config.now().isoformat()
    delta = after - before
    call.emit(
        INVENTORY_CHANGED_BY_SHOP,
        {
            "event_id": f"{sku.id}-{now}-{after}",
            "occurred_at": occurred,
            "shop_id": int(call.shop.id),
            "product_id": int(product.id),
            "sku_id": int(sku.id),
            "quantity_snapshot_after_change": {
                "total_quantity": after + sku.committed,
                "total_available_quantity": after,
                "total_committed_quantity": sku.committed,
                "in_shop_quantity": after,
                "campaign_locked_quantity": 0,
                "creator_locked_quantity": 0,
            },
            "change_detail": [
                {
                    "idempotency_key": f"{sku.id}-{now}-{before}-{after}",
                    "trigger_source": "SELLER_UPDATE_INVENTORY",
                    "occurred_at": occurred,
                    "total_quantity_delta": delta,
                    "available_quantity_delta": delta,
                    "committed_quantity_delta": 0,
                    "in_shop_quantity_delta": delta,
                    "campaign_locked_quantity_delta": 0,
                    "creator_locked_quantity_delta": 0,
                }
            ],
        },
    )
    if (before == 0) != (after == 0):
        call.emit(
            INVENTORY_STATUS_CHANGE,
            {
                "product_id": product.id,
                "sku_id": sku.id,
                "current_inventory_status": "OUT_OF_STOCK" if after == 0 else "IN_STOCK",
                "inventory_distribution": {
                    "total_quantity": after + sku.committed,
                    "available_quantity": after,
                    "committed_quantity": sku.committed,
                    "creator_reserved_quantity": 0,
                    "campaign_reserved_quantity": 0,
                },
                "update_time": now,
            },
        )


def search_inventory(call: Call) -> dict[str, Any]:
    product_ids = call.body.ids("product_ids", limit=100)
    sku_ids = set(call.body.ids("sku_ids", limit=600))
    if not product_ids and not sku_ids:
        raise invalid("Invalid parameter: body.product_ids or body.sku_ids is required.")
    world = call.world
    wanted = list(product_ids)
    for sku_id in sku_ids:
        owner = world.sku_owner.get(sku_id)
        if owner is not None and owner not in wanted:
            wanted.append(owner)
    out = []
    for product_id in wanted:
        product = world.product(call.shop_index, product_id)
        if product is None:
            continue
        skus = [
            s for s in product.skus if not sku_ids or s.id in sku_ids or product_id in product_ids
        ]
        out.append(
            {
                "product_id": product.id,
                "skus": [
                    {
                        "id": s.id,
                        "seller_sku": s.seller_sku,
                        "total_available_quantity": s.stock,
                        "total_committed_quantity": s.committed,
                        "warehouse_inventory": [
                            {
                                "warehouse_id": warehouse(call),
                                "available_quantity": s.stock,
                                "committed_quantity": s.committed,
                            }
                        ],
                    }
                    for s in skus
                ],
            }
        )
    return {"inventory": out}
