"""``campaign/update/`` and the ``*/status/update/`` endpoints (spec §6.4–6.7).

A status update names 1–20 ids; every id must exist in the ad account (40007) and not be
deleted (40002: "a deleted campaign's status cannot be changed"). Without
``allow_partial_success`` nothing changes when one id fails.

Rules (fault injection): with the ``status_noop`` setting on, a status update is validated and
answered exactly as usual but changes nothing (no status, history or ``modify_time`` change): a
silent no-op that only a read-back of the objects reveals.
"""

from __future__ import annotations

import math
from typing import Any

from promodesk.sandbox import generate as gen
from promodesk.sandbox import records
from promodesk.sandbox.context import Call
from promodesk.sandbox.wire import NOT_EXIST, ApiError, param_error
from promodesk.sandbox.world.status import DELETED

OPERATIONS = ("ENABLE", "DISABLE", "DELETE")
SPECIAL_INDUSTRIES = ("HOUSING", "EMPLOYMENT", "CREDIT")
MIN_BUDGET_USD = 50


def _operation(call: Call) -> str:
    value = call.params.string("operation_status", required=True)
    if value not in OPERATIONS:
        raise param_error("operation_status: must be ENABLE, DISABLE or DELETE")
    return value


def _ids(call: Call, name: str) -> list[str]:
    ids = call.params.id_list(name, required=True, max_items=20)
    if not 1 <= len(ids) <= 20:
        raise param_error(f"{name}: between 1 and 20 ids")
    return list(dict.fromkeys(ids))


def _check(call: Call, kind: str, account: int, value: str) -> int:
    index = call.world.index_of(kind, account, value)
    if index is None:
        raise ApiError(NOT_EXIST, f"{kind}_id {value} does not exist.")
    if call.world.status(kind, account, index) in DELETED:
        raise param_error(f"{kind} {value} has been deleted; its status cannot be changed.")
    return index


def _update(call: Call, kind: str, *, partial: bool = False) -> tuple[list[str], str, list[Any]]:
    account = call.account()
    operation = _operation(call)
    ids = _ids(call, f"{kind}_ids")
    done: list[tuple[str, int]] = []
    errors: list[dict[str, str]] = []
    with call.world.lock:
        for value in ids:
            try:
                done.append((value, _check(call, kind, account, value)))
            except ApiError as exc:
                if not partial:
                    raise
                errors.append({f"{kind}_id": value, "error_message": exc.message})
        if not call.world.config.status_noop:
            for _, index in done:
                call.world.set_status(kind, account, index, operation)
    return [value for value, _ in done], operation, errors


def campaign_status_update(call: Call) -> dict[str, Any]:
    ids, operation, _ = _update(call, "campaign")
    items = [{"campaign_id": i, "status": operation, "postback_window_mode": None} for i in ids]
    return {"campaign_ids": ids, "status": operation, "campaign_list": items}


def adgroup_status_update(call: Call) -> dict[str, Any]:
    partial = call.params.boolean("allow_partial_success")
    ids, operation, errors = _update(call, "adgroup", partial=partial)
    data: dict[str, Any] = {"adgroup_ids": ids, "status": operation}
    if partial:
        data["error_list"] = errors
    return data


def ad_status_update(call: Call) -> dict[str, Any]:
    if call.params.has("aco_ad_ids"):
        raise param_error("aco_ad_ids: automated creative ads are not part of the sandbox")
    ids, operation, _ = _update(call, "ad")
    return {"ad_ids": ids, "status": operation}


def campaign_update(call: Call) -> dict[str, Any]:
    """Rename a campaign or change its budget (not for ``BUDGET_MODE_INFINITE``)."""
    account = call.account()
    params = call.params
    value = params.id("campaign_id") or ""
    index = _check(call, "campaign", account, value)
    changes: dict[str, Any] = {}
    name = params.string("campaign_name", max_len=512)
    if params.raw("campaign_name") is not None:
        if not name or not name.strip():
            raise param_error("campaign_name: must not be empty")
        changes["campaign_name"] = name
    if params.raw("budget") is not None:
        changes["budget"] = _budget(params.raw("budget"), account, index, call)
    if params.raw("special_industries") is not None:
        industries = params.string_list("special_industries", max_items=3)
        if any(i not in SPECIAL_INDUSTRIES for i in industries):
            raise param_error("special_industries: HOUSING, EMPLOYMENT or CREDIT")
        changes["special_industries"] = industries
    if params.raw("po_number") is not None:
        changes["po_number"] = params.string("po_number", max_len=64)
    call.world.update_campaign(account, index, changes)
    return records.campaign(call.world, account, index)


def _budget(raw: Any, account: int, index: int, call: Call) -> float:
    if isinstance(raw, bool):
        raise param_error("budget: must be a number")
    try:
        budget = float(raw)
    except (TypeError, ValueError):
        raise param_error("budget: must be a number") from None
    if not math.isfinite(budget) or budget > 1e12:
        raise param_error("budget: out of range")
    mode, _ = call.world.campaign_budget(account, index)
    if mode == "BUDGET_MODE_INFINITE":
        raise param_error("budget: cannot be set when budget_mode is BUDGET_MODE_INFINITE")
    minimum = MIN_BUDGET_USD * gen.market(account)[3]
    if budget < minimum:
        currency = call.world.currency(account)
        raise param_error(f"budget: must be at least {minimum} {currency}")
    return round(budget, 2)
