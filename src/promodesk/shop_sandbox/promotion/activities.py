"""Promotion activities: create, update, get, search, deactivate and republish, with the
platform's status and time rules.

Rules (spec §1.3–§1.6; settings in ``ShopSandboxConfig`` where the spec is UNCERTAIN):

- An activity with ``IMMUTABLE`` in ``activity_commands`` can be neither edited nor deactivated,
  and its products cannot change.
- Only ONGOING and NOT_START activities can be deactivated; only NOT_START, ONGOING and DRAFT
  ones can be updated or have products updated or removed.
- ``begin_time`` must be later than now (plus ``min_lead_seconds``); ``end_time`` at least 10
  minutes after it and the activity shorter than 365 days; a flash deal at most
  ``flashsale_max_seconds``. An ONGOING activity keeps its begin and may only end earlier
  (``ongoing_end_earlier_only``); a NOT_START one may only start later and end earlier
  (``upcoming_shrink_only``).
- Republish puts an EXPIRED or DEACTIVATED product-discount or flash-deal activity back for a
  new period, with its products.
"""

from __future__ import annotations

from typing import Any

from promodesk.shop_sandbox import discounts, paging
from promodesk.shop_sandbox.context import Call
from promodesk.shop_sandbox.webhooks import ACTIVITY_CHANGE, ACTIVITY_STATUS_CHANGE
from promodesk.shop_sandbox.wire import (
    NOT_FOUND,
    STATUS_RULE,
    TIME_RULE,
    ApiError,
    Body,
    invalid,
)
from promodesk.shop_sandbox.world import Activity, Deal, money

ACTIVITY_TYPES = (
    "FIXED_PRICE",
    "DIRECT_DISCOUNT",
    "FLASHSALE",
    "SHIPPING_DISCOUNT",
    "BUY_MORE_SAVE_MORE",
)
LEVELS = ("PRODUCT", "VARIATION", "SHOP")
STATUSES = ("DRAFT", "NOT_START", "ONGOING", "EXPIRED", "DEACTIVATED", "NOT_EFFECTIVE")
REPUBLISHABLE = ("FIXED_PRICE", "DIRECT_DISCOUNT", "FLASHSALE")
EDITABLE = ("DRAFT", "NOT_START", "ONGOING")
YEAR = 365 * 86_400
MIN_LENGTH = 600
HIDDEN_AFTER = 180 * 86_400  # products of activities ended longer ago are not returned


# reading ----------------------------------------------------------------------------------------


def _deal(deal: Deal, currency: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "quantity_limit": deal.quantity_limit,
        "quantity_per_user": deal.quantity_per_user,
        "used_quantity": deal.used_quantity,
    }
    if deal.price is not None:
        out["activity_price"] = {"amount": money(deal.price), "currency": currency}
    if deal.discount is not None:
        out["discount"] = str(deal.discount)
    return out


def activity_wire(call: Call, activity: Activity, *, products: bool) -> dict[str, Any]:
    now = call.world.now()
    out: dict[str, Any] = {
        "title": activity.title,
        "activity_type": activity.activity_type,
        "product_level": activity.product_level,
        "duration_type": activity.duration_type,
        "begin_time": activity.begin_time,
        "end_time": activity.end_time,
        "status": activity.status(now),
        "create_time": activity.create_time,
        "update_time": activity.update_time,
        "activity_commands": ["IMMUTABLE"] if activity.immutable else [],
        "participation_limit": activity.participation_limit or [{"type": "BUYER_NO_LIMIT"}],
    }
    if activity.discount is not None:
        out["discount"] = activity.discount
    if activity.target_user_info is not None:
        out["target_user_info"] = activity.target_user_info
    if products:
        currency = call.world.shops[activity.shop].currency
        hidden = out["status"] == "EXPIRED" and activity.end_time < now - HIDDEN_AFTER
        out["products"] = (
            []
            if hidden
            else [
                {
                    "id": product_id,
                    **_deal(item.deal, currency),
                    "skus": [{"id": s, **_deal(d, currency)} for s, d in item.skus.items()],
                }
                for product_id, item in activity.products.items()
            ]
        )
    return out


def find_activity(call: Call) -> Activity:
    activity_id = call.ids["activity_id"]
    found = call.world.activity(call.shop_index, activity_id)
    if found is None:
        raise ApiError(NOT_FOUND, f"Activity {activity_id} does not exist in this shop.")
    return found


def get_activity(call: Call) -> dict[str, Any]:
    activity = find_activity(call)
    return {"activity_id": activity.id, **activity_wire(call, activity, products=True)}


def search_activities(call: Call) -> dict[str, Any]:
    body = call.body
    status = body.choice("status", STATUSES)
    kind = body.choice("activity_type", ACTIVITY_TYPES)
    title = body.string("activity_title", max_len=255)
    size = body.integer("page_size", low=0, high=100) or 50
    token = body.string("page_token", max_len=512)
    world, now = call.world, call.world.now()
    matching = [
        a.id
        for a in (world.activities[i] for i in reversed(world.shop_activities[call.shop_index]))
        if (status is None or a.status(now) == status)
        and (kind is None or a.activity_type == kind)
        and (title is None or title in a.title)  # keyword, no fuzzy match
    ]
    chunk, following = paging.page("activity", matching, token, size, descending=True)
    return {
        "activities": [
            {"id": i, **activity_wire(call, world.activities[i], products=False)} for i in chunk
        ],
        "total_count": len(matching),
        "next_page_token": following,
    }


# time rules -------------------------------------------------------------------------------------


def _check_times(call: Call, activity_type: str, begin: int, end: int) -> None:
    config = call.world.config
    now = call.world.now()
    if begin <= now + config.min_lead_seconds:
        lead = f" by at least {config.min_lead_seconds} s" if config.min_lead_seconds else ""
        raise ApiError(TIME_RULE, f"begin_time must be later than the current time{lead}.")
    _check_length(call, activity_type, begin, end)


def _check_length(call: Call, activity_type: str, begin: int, end: int) -> None:
    if end < begin + MIN_LENGTH:
        raise ApiError(TIME_RULE, "end_time must be at least 10 minutes after begin_time.")
    if end - begin >= YEAR:
        raise ApiError(TIME_RULE, "An activity must last less than 365 days.")
    longest = call.world.config.flashsale_max_seconds
    if activity_type == "FLASHSALE" and end - begin > longest:
        raise ApiError(TIME_RULE, f"A flash deal may last at most {longest // 3600} hours.")


def _options(call: Call, activity: Activity, body: Body, before: dict[str, Any] | None) -> None:
    limits = body.objects("participation_limit", limit=10)
    if limits:
        kinds = [
            x.choice("type", ("BUYER_NO_LIMIT", "BUYER_LIMIT_ONLY_ONE"), required=True)
            for x in limits
        ]
        activity.participation_limit = [{"type": k} for k in kinds]
    activity.discount = discounts.check(
        body,
        activity_type=activity.activity_type,
        product_level=activity.product_level,
        region=call.world.shops[activity.shop].region,
        before=before,
    )
    target = body.object("target_user_info")
    if target is not None:
        users = ("ALL_USER", "SHOP_NEW_CUSTOMER", "SHOP_EXISTING_CUSTOMER", "SHOP_REPEAT_CUSTOMER")
        activity.target_user_info = {"user_type": target.choice("user_type", users) or "ALL_USER"}


# writing ----------------------------------------------------------------------------------------


def create_activity(call: Call) -> dict[str, Any]:
    body = call.body
    title = body.string("title", required=True) or ""
    kind = body.choice("activity_type", ACTIVITY_TYPES, required=True) or ""
    level = body.choice("product_level", LEVELS, required=True) or ""
    duration = body.choice("duration_type", ("NORMAL", "INDEFINITE")) or "NORMAL"
    begin = body.integer("begin_time", required=True, low=0) or 0
    end = body.integer("end_time", required=True, low=0) or 0
    check_eligible(call, kind)
    if kind == "SHIPPING_DISCOUNT" and level == "VARIATION":
        raise invalid("Invalid parameter: SHIPPING_DISCOUNT cannot use product_level VARIATION.")
    if duration == "INDEFINITE":
        if kind != "SHIPPING_DISCOUNT":
            raise invalid(
                "Invalid parameter: duration_type INDEFINITE is only for SHIPPING_DISCOUNT."
            )
        if begin or end:
            raise invalid(
                "Invalid parameter: an INDEFINITE activity sends begin_time and end_time as 0."
            )
    else:
        _check_times(call, kind, begin, end)
    probe = Activity("", call.shop_index, title, kind, level, begin, end, 0, 0)
    _options(call, probe, body, None)  # validate before anything is stored
    activity = call.world.create_activity(
        call.shop_index,
        title,
        kind,
        level,
        begin,
        end,
        duration_type=duration,
        participation_limit=probe.participation_limit,
        discount=probe.discount,
        target_user_info=probe.target_user_info,
    )
    status = activity.status(call.world.now())
    _status_event(call, activity)
    return {
        "activity_id": activity.id,
        "create_time": activity.create_time,
        "update_time": activity.update_time,
        "status": status,
    }


def _status_event(call: Call, activity: Activity) -> None:
    status = activity.status(call.world.now())
    with call.world.lock:
        call.world.announced[activity.id] = status
    call.emit(
        ACTIVITY_STATUS_CHANGE,
        {
            "activity_id": activity.id,
            "update_time": activity.update_time,
            "activity_type": activity.activity_type,
            "product_level": activity.product_level,
            "status": status,
        },
    )


def change_event(
    call: Call, activity: Activity, change: str, **lists: dict[str, list[str]]
) -> None:
    data: dict[str, Any] = {
        "activity_id": activity.id,
        "update_time": activity.update_time,
        "change_type": change,
    }
    data.update(lists)
    call.emit(ACTIVITY_CHANGE, data)


def check_eligible(call: Call, activity_type: str) -> None:
    if activity_type == "FLASHSALE" and not call.world.config.flashsale_eligible:
        raise ApiError(
            STATUS_RULE,
            "The shop does not meet the flash deal requirements (store rating and violation "
            "points): flash deals cannot be created or edited.",
        )


def check_editable(activity: Activity, now: int, what: str) -> str:
    if activity.immutable:
        raise ApiError(
            STATUS_RULE, "The activity is IMMUTABLE: it can be neither edited nor deactivated."
        )
    status = activity.status(now)
    if status not in EDITABLE:
        raise ApiError(STATUS_RULE, f"{what} is not allowed: the activity is {status}.")
    return status


def update_activity(call: Call) -> dict[str, Any]:
    activity = find_activity(call)
    body, now, config = call.body, call.world.now(), call.world.config
    title = body.string("title", required=True) or ""
    begin = body.integer("begin_time", required=True, low=0) or 0
    end = body.integer("end_time", required=True, low=0) or 0
    level = body.choice("product_level", LEVELS)
    if level is not None and level != activity.product_level:
        raise invalid("Invalid parameter: product_level cannot change after creation.")
    check_eligible(call, activity.activity_type)
    with call.world.lock:
        status = check_editable(activity, now, "Updating the activity")
        if activity.duration_type == "INDEFINITE":
            pass
        elif status == "ONGOING":
            if begin != activity.begin_time:
                raise ApiError(TIME_RULE, "An ongoing activity keeps its begin_time.")
            if end <= now:
                raise ApiError(TIME_RULE, "end_time must be later than the current time.")
            if config.ongoing_end_earlier_only and end > activity.end_time:
                raise ApiError(TIME_RULE, "An ongoing activity's end_time can only move earlier.")
            _check_length(call, activity.activity_type, begin, end)
        else:
            shrinks = begin >= activity.begin_time and end <= activity.end_time
            if config.upcoming_shrink_only and status == "NOT_START" and not shrinks:
                raise ApiError(
                    TIME_RULE,
                    "An upcoming activity may only start later and end earlier.",
                )
            _check_times(call, activity.activity_type, begin, end)
        probe = Activity(
            "", activity.shop, title, activity.activity_type, activity.product_level, 0, 0, 0, 0
        )
        _options(call, probe, body, activity.discount)
        activity.title, activity.begin_time, activity.end_time = title, begin, end
        if probe.participation_limit:
            activity.participation_limit = probe.participation_limit
        if probe.discount is not None:
            activity.discount = probe.discount
        if probe.target_user_info is not None:
            activity.target_user_info = probe.target_user_info
        activity.update_time = now
    change_event(call, activity, "ACTIVITY_UPDATE")
    return {
        "activity_id": activity.id,
        "title": activity.title,
        "update_time": activity.update_time,
    }


def deactivate_activity(call: Call) -> dict[str, Any]:
    activity = find_activity(call)
    now = call.world.now()
    with call.world.lock:
        if activity.immutable:
            raise ApiError(
                STATUS_RULE, "The activity is IMMUTABLE: it can be neither edited nor deactivated."
            )
        status = activity.status(now)
        if status not in ("ONGOING", "NOT_START"):
            raise ApiError(
                STATUS_RULE,
                f"Only ongoing or upcoming activities can be deactivated; this one is {status}.",
            )
        activity.stored = "DEACTIVATED"
        activity.update_time = now
    _status_event(call, activity)
    return {
        "activity_id": activity.id,
        "title": activity.title,
        "status": "DEACTIVATED",
        "update_time": activity.update_time,
    }


def republish_activity(call: Call) -> dict[str, Any]:
    activity = find_activity(call)
    body, now = call.body, call.world.now()
    begin = body.integer("begin_time", required=True, low=0) or 0
    end = body.integer("end_time", required=True, low=0) or 0
    with call.world.lock:
        if activity.immutable:
            raise ApiError(STATUS_RULE, "The activity is IMMUTABLE: it cannot be republished.")
        status = activity.status(now)
        if status not in ("EXPIRED", "DEACTIVATED"):
            raise ApiError(
                STATUS_RULE,
                f"Only expired or deactivated activities can be republished; this one is {status}.",
            )
        if activity.activity_type not in REPUBLISHABLE:
            raise ApiError(
                STATUS_RULE, "Only product discounts and flash deals can be republished."
            )
        _check_times(call, activity.activity_type, begin, end)
        activity.stored = None
        activity.begin_time, activity.end_time, activity.update_time = begin, end, now
    _status_event(call, activity)
    return {"activity_id": activity.id}
