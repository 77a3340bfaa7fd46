"""OAuth token endpoints, ``advertiser/info/`` and ``bc/advertiser/create/`` (spec §5, §6)."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promodesk.sandbox import generate as gen
from promodesk.sandbox.auth import SCOPES
from promodesk.sandbox.context import Call
from promodesk.sandbox.wire import (
    INVALID_ACCESS_TOKEN,
    PERMISSION_ERROR,
    ApiError,
    Params,
    param_error,
)

CURRENCY = re.compile(r"^[A-Z]{3}$")


def access_token(call: Call) -> dict[str, Any]:
    params = call.params
    app_id = params.string("app_id", required=True)
    secret = params.string("secret", required=True)
    code = params.string("auth_code", required=True)
    grant = call.auth.exchange(app_id or "", secret or "", code or "")
    ids = [gen.advertiser_id(i) for i in sorted(grant.accounts)]
    return {"access_token": grant.token, "advertiser_ids": ids, "scope": list(SCOPES)}


def advertiser_get(call: Call) -> dict[str, Any]:
    call.auth.check_app(call.params.string("app_id"), call.params.string("secret"))
    world = call.world
    rows = [
        {"advertiser_id": gen.advertiser_id(i), "advertiser_name": world.account(i)["name"]}
        for i in call.visible_accounts()
    ]
    return {"list": rows}


def revoke_token(call: Call) -> dict[str, Any]:
    params = call.params
    call.auth.check_app(params.string("app_id"), params.string("secret"))
    token = params.string("access_token", required=True, max_len=4096) or ""
    grant = call.auth.verify(token)
    if grant.app_id != call.auth.config.app_id:
        raise ApiError(INVALID_ACCESS_TOKEN)
    call.auth.revoke(token)
    return {}


def advertiser_info(call: Call) -> dict[str, Any]:
    params = call.params
    ids = params.id_list("advertiser_ids", required=True, max_items=100)
    fields = params.string_list("fields", max_items=100)
    known = gen.account_record(0, call.world.config.epoch).keys()
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise param_error(f"fields: invalid fields {unknown}")
    rows = []
    for value in ids:
        index = gen.decode_advertiser(value)
        if index is None or not call.can_use(index):
            raise ApiError(PERMISSION_ERROR, f"No permission to operate advertiser {value}.")
        record = call.world.account(index)
        rows.append({k: record[k] for k in fields} if fields else record)
    return {"list": rows}


def bc_advertiser_create(call: Call) -> dict[str, Any]:
    """Create an (empty) auction ad account in the sandbox's Business Center."""
    params = call.params
    bc_id = params.id("bc_id")
    if bc_id != call.world.config.bc_id:
        raise ApiError(PERMISSION_ERROR, f"No permission to operate Business Center {bc_id}.")
    info = Params(_object(params, "advertiser_info"))
    customer = Params(_object(params, "customer_info"))
    name = info.string("name", required=True, max_len=100) or ""
    currency = info.string("currency", required=True, max_len=3) or ""
    timezone = info.string("timezone", required=True, max_len=64) or ""
    kind = info.string("type") or "AUCTION"
    if not CURRENCY.match(currency):
        raise param_error("advertiser_info.currency: an ISO 4217 code such as USD")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise param_error(f"advertiser_info.timezone: unknown time zone {timezone}") from None
    if kind not in ("AUCTION", "RESERVATION"):
        raise param_error("advertiser_info.type: AUCTION or RESERVATION")
    customer.string("company", required=True, max_len=255)
    if customer.raw("industry") is None:
        raise param_error("customer_info.industry: required")
    customer.string("registered_area", required=True, max_len=16)
    grant = call.grant
    index = call.world.create_account(grant.app_id if grant else "", name, currency, timezone)
    return {"advertiser_id": gen.advertiser_id(index), "advertiser_name": name}


def _object(params: Params, name: str) -> dict[str, Any]:
    value = params.raw(name)
    if not isinstance(value, dict):
        raise param_error(f"{name}: required object")
    return value
