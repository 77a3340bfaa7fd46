"""Coupons of a shop: search them (summary fields only) and get one in full."""

from __future__ import annotations

from typing import Any

from promodesk.shop_sandbox import paging
from promodesk.shop_sandbox.context import Call
from promodesk.shop_sandbox.wire import NOT_FOUND, ApiError, invalid

COUPON_STATUSES = ("NOT_START", "ONGOING", "EXPIRED", "DEACTIVATED")
SUMMARY_ONLY = ("usage_stats", "product_ids", "display_channels")


def search_coupons(call: Call) -> dict[str, Any]:
    body = call.body
    wanted = body.values.get("status")
    if wanted is not None and (
        not isinstance(wanted, list) or not all(s in COUPON_STATUSES for s in wanted)
    ):
        raise invalid(
            f"Invalid parameter: body.status must list values of {', '.join(COUPON_STATUSES)}."
        )
    kinds = body.values.get("display_type")
    if kinds is not None and (
        not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds)
    ):
        raise invalid("Invalid parameter: body.display_type must be a list of strings.")
    keyword = (body.string("title_keyword", max_len=255) or "").lower()
    size = call.query_int("page_size", 20, 1, 100)
    coupons = call.world.coupons
    matching = [
        c
        for c in call.world.shop_coupons[call.shop_index]
        if (not wanted or coupons[c]["status"] in wanted)
        and (not kinds or coupons[c]["display_type"] in kinds)
        and (not keyword or keyword in coupons[c]["title"].lower())
    ]
    chunk, following = paging.page("coupon", matching, call.query.get("page_token"), size)
    return {
        "coupons": [{k: v for k, v in coupons[c].items() if k not in SUMMARY_ONLY} for c in chunk],
        "total_count": len(matching),
        "next_page_token": following,
    }


def get_coupon(call: Call) -> dict[str, Any]:
    coupon_id = call.ids["coupon_id"]
    coupon = call.world.coupons.get(coupon_id)
    if coupon is None or coupon_id not in call.world.shop_coupons[call.shop_index]:
        raise ApiError(NOT_FOUND, f"Coupon {coupon_id} does not exist in this shop.")
    return {"coupon": coupon}
