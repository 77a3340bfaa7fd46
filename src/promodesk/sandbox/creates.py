"""``campaign/create/``, ``adgroup/create/`` and ``ad/create/`` (spec §12; body shapes from the
official SDK's ``CampaignCreateBody``, ``AdgroupCreateBody``, ``AdCreateBody``).

Rules:
- A created object gets a new id after the generated ones of its ad account; it is listed by
  ``*/get/``, takes status updates and reports like any other, and spends from its create time
  on under the spend model (a campaign spends only while one of its ad groups has a live ad).
- Required fields are those the SDK's models require; a missing or invalid one is 40002. The
  parent (``campaign_id``, ``adgroup_id``) must exist in the ad account (40007) and not be
  deleted (40002). Budgets follow ``campaign/update/``: at least 50 USD in the account currency,
  none for ``BUDGET_MODE_INFINITE``.
- ``campaign/create/`` with a ``request_id`` already used in that ad account returns the campaign
  made the first time and makes nothing new.
- ``ad/create/`` makes one ad per item of ``creatives`` (1–20) and answers their ``ad_ids``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from promodesk.sandbox import generate as gen
from promodesk.sandbox import records
from promodesk.sandbox.context import Call
from promodesk.sandbox.updates import MIN_BUDGET_USD, SPECIAL_INDUSTRIES
from promodesk.sandbox.wire import NOT_EXIST, ApiError, Params, param_error
from promodesk.sandbox.world.status import DELETED

STATUSES = ("ENABLE", "DISABLE")
SCHEDULES = ("SCHEDULE_START_END", "SCHEDULE_FROM_NOW")
PACINGS = ("PACING_MODE_SMOOTH", "PACING_MODE_FAST")
BILLING_EVENTS = ("CPC", "CPM", "CPV", "OCPM", "CPA")
AD_FORMATS = ("SINGLE_VIDEO", "SINGLE_IMAGE", "CAROUSEL_ADS")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
OPEN_END = timedelta(days=3650)


def _choice(params: Params, name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    value = params.string(name, required=default is None) or default or ""
    if value not in allowed:
        raise param_error(f"{name}: one of {', '.join(allowed)}")
    return value


def _budget(call: Call, account: int, mode: str, raw: Any, *, required: bool) -> float:
    if mode == "BUDGET_MODE_INFINITE":
        if raw not in (None, "", 0):
            raise param_error("budget: cannot be set when budget_mode is BUDGET_MODE_INFINITE")
        return 0.0
    if raw is None or raw == "":
        if required:
            raise param_error("budget: required")
        raise param_error(f"budget: required when budget_mode is {mode}")
    if isinstance(raw, bool):
        raise param_error("budget: must be a number")
    try:
        budget = float(raw)
    except (TypeError, ValueError):
        raise param_error("budget: must be a number") from None
    if not math.isfinite(budget) or budget > 1e12:
        raise param_error("budget: out of range")
    minimum = MIN_BUDGET_USD * gen.market(account)[3]
    if budget < minimum:
        raise param_error(f"budget: must be at least {minimum} {call.world.currency(account)}")
    return round(budget, 2)


def _parent(call: Call, kind: str, account: int) -> int:
    value = call.params.id(f"{kind}_id") or ""
    index = call.world.index_of(kind, account, value)
    if index is None:
        raise ApiError(NOT_EXIST, f"{kind}_id {value} does not exist.")
    if call.world.status(kind, account, index) in DELETED:
        raise param_error(f"{kind} {value} has been deleted; nothing can be created in it.")
    return index


def _time(params: Params, name: str, *, required: bool) -> datetime | None:
    text = params.string(name, required=required, max_len=19)
    if text is None:
        return None
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise param_error(f"{name}: use YYYY-MM-DD HH:MM:SS") from None


def campaign_create(call: Call) -> dict[str, Any]:
    account = call.account()
    params = call.params
    world = call.world
    request = params.string("request_id", max_len=64)
    name = params.string("campaign_name", required=True, max_len=512) or ""
    if not name.strip():
        raise param_error("campaign_name: must not be empty")
    objective = _choice(params, "objective_type", gen.OBJECTIVES)
    mode = _choice(params, "budget_mode", gen.BUDGET_MODES, "BUDGET_MODE_INFINITE")
    budget = _budget(call, account, mode, params.raw("budget"), required=False)
    status = _choice(params, "operation_status", STATUSES, "ENABLE")
    industries = params.string_list("special_industries", max_items=3)
    if any(i not in SPECIAL_INDUSTRIES for i in industries):
        raise param_error("special_industries: HOUSING, EMPLOYMENT or CREDIT")
    values = {
        "campaign_name": name,
        "objective_type": objective,
        "budget_mode": mode,
        "budget": budget,
        "operation_status": status,
    }
    with world.lock:
        if request is not None and (account, request) in world.creations:
            index = world.creations[(account, request)]
        else:
            index = world.create("campaign", account, -1, values)
            if industries or params.has("po_number"):
                world.update_campaign(
                    account,
                    index,
                    {
                        "special_industries": industries,
                        "po_number": params.string("po_number", max_len=64),
                    },
                )
            if request is not None:
                world.creations[(account, request)] = index
        return records.campaign(world, account, index)


def adgroup_create(call: Call) -> dict[str, Any]:
    account = call.account()
    params = call.params
    world = call.world
    name = params.string("adgroup_name", required=True, max_len=512) or ""
    if not name.strip():
        raise param_error("adgroup_name: must not be empty")
    mode = _choice(params, "budget_mode", ("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL"))
    budget = _budget(call, account, mode, params.raw("budget"), required=True)
    schedule_type = _choice(params, "schedule_type", SCHEDULES)
    start = _time(params, "schedule_start_time", required=True)
    end = _time(params, "schedule_end_time", required=schedule_type == "SCHEDULE_START_END")
    if start is None:
        raise param_error("schedule_start_time: required")
    if end is None:
        end = start + OPEN_END
    if end <= start:
        raise param_error("schedule_end_time: must be after schedule_start_time")
    goal = params.string("optimization_goal", required=True, max_len=64) or ""
    billing = _choice(params, "billing_event", BILLING_EVENTS)
    pacing = _choice(params, "pacing", PACINGS)
    status = _choice(params, "operation_status", STATUSES, "ENABLE")
    locations = params.id_list("location_ids", max_items=3000)
    placement = _choice(
        params,
        "placement_type",
        ("PLACEMENT_TYPE_AUTOMATIC", "PLACEMENT_TYPE_NORMAL"),
        "PLACEMENT_TYPE_AUTOMATIC",
    )
    with world.lock:
        campaign = _parent(call, "campaign", account)
        values: dict[str, Any] = {
            "adgroup_name": name,
            "budget_mode": mode,
            "budget": budget,
            "schedule": (schedule_type, start, end),
            "optimization_goal": goal,
            "billing_event": billing,
            "pacing": pacing,
            "placement_type": placement,
            "operation_status": status,
        }
        if locations:
            values["location_ids"] = locations
        index = world.create("adgroup", account, campaign, values)
        return records.adgroup(world, account, index)


def _creative(item: Any, position: int) -> dict[str, Any]:
    where = f"creatives[{position}]"
    if not isinstance(item, dict):
        raise param_error(f"{where}: must be an object")
    creative = Params(item)
    name = creative.string("ad_name", required=True, max_len=512) or ""
    if not name.strip():
        raise param_error(f"{where}.ad_name: must not be empty")
    ad_format = creative.string("ad_format", required=True, max_len=64) or ""
    if ad_format not in AD_FORMATS:
        raise param_error(f"{where}.ad_format: one of {', '.join(AD_FORMATS)}")
    text = creative.string("ad_text", required=True, max_len=1000) or ""
    values: dict[str, Any] = {"ad_name": name, "ad_format": ad_format, "ad_text": text}
    if ad_format == "SINGLE_VIDEO":
        values["video_id"] = creative.string("video_id", required=True, max_len=64)
    else:
        images = creative.string_list("image_ids", max_items=35)
        if not images:
            raise param_error(f"{where}.image_ids: required for {ad_format}")
        values["image_ids"] = images
    for key in ("call_to_action", "landing_page_url", "display_name", "identity_id"):
        if creative.has(key):
            values[key] = creative.string(key, max_len=2048)
    if creative.has("identity_type"):
        values["identity_type"] = creative.string("identity_type", max_len=64)
    if creative.has("item_group_ids"):  # a shopping ad's products (UNCERTAIN in the spec)
        values["item_group_ids"] = creative.string_list("item_group_ids", max_items=20)
    return values


def ad_create(call: Call) -> dict[str, Any]:
    account = call.account()
    world = call.world
    items = call.params.json_list("creatives", required=True, max_items=20)
    creatives = [_creative(item, n) for n, item in enumerate(items)]
    with world.lock:
        group = _parent(call, "adgroup", account)
        made = [world.create("ad", account, group, values) for values in creatives]
        ads = [records.ad(world, account, index) for index in made]
    return {"ad_ids": [a["ad_id"] for a in ads], "creatives": ads}
