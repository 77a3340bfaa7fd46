"""Business Center money: ``advertiser/balance/get/`` and ``bc/balance/get/`` (spec §6.10, §12).

Rules:
- Every call names ``bc_id``; any other id than the sandbox's Business Center is 40001. The ad
  accounts of the BC are the ones the token may use (those granted and those its app created).
- Money goes out as TikTok sends it: JSON numbers in the account's currency, two decimals.
- An ad account's cash is its generated ``balance`` (nothing for a created account) plus the
  cash moved in from the BC; the BC's cash is the ``bc_cash`` setting less what went to ad
  accounts.
  Spend does not draw the balances down (UNCERTAIN how TikTok nets it; not modelled).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from promodesk.sandbox.context import Call
from promodesk.sandbox.wire import PERMISSION_ERROR, ApiError, page_info, param_error

ADVERTISER_STATUSES = frozenset({"STATUS_ENABLE", "STATUS_DISABLE", "STATUS_PENDING_CONFIRM"})
CENT = Decimal("0.01")
ZERO = Decimal(0)


def _bc(call: Call) -> str:
    bc_id = call.params.id("bc_id") or ""
    if bc_id != call.world.config.bc_id:
        raise ApiError(PERMISSION_ERROR, f"No permission to operate Business Center {bc_id}.")
    return bc_id


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _balance_fields(cash: Decimal) -> dict[str, Decimal]:
    cash = _money(cash)
    return {
        "account_balance": cash,
        "valid_account_balance": cash,
        "frozen_balance": _money(ZERO),
        "tax": _money(ZERO),
        "cash_balance": cash,
        "valid_cash_balance": cash,
        "grant_balance": _money(ZERO),
        "valid_grant_balance": _money(ZERO),
    }


def advertiser_balance_get(call: Call) -> dict[str, Any]:
    """The BC's ad accounts with their balances, paged; filtered by status and keyword."""
    _bc(call)
    params = call.params
    filtering = params.json_object("filtering")
    statuses = filtering.get("advertiser_status") or []
    if not isinstance(statuses, list) or any(s not in ADVERTISER_STATUSES for s in statuses):
        raise param_error(
            f"filtering.advertiser_status: one or more of {sorted(ADVERTISER_STATUSES)}"
        )
    keyword = filtering.get("keyword")
    if keyword is not None and not isinstance(keyword, str):
        raise param_error("filtering.keyword: must be a string")
    page = params.integer("page", 1, 1, 1_000_000)
    page_size = params.integer("page_size", 10, 1, 100)
    world = call.world
    rows = []
    with world.lock:
        for index in call.visible_accounts():
            record = world.account(index)
            if statuses and record["status"] not in statuses:
                continue
            if (
                keyword
                and keyword.lower() not in f"{record['name']} {record['advertiser_id']}".lower()
            ):
                continue
            rows.append((index, record))
        total = len(rows)
        shown = rows[(page - 1) * page_size : page * page_size]
        items = [
            {
                "advertiser_id": record["advertiser_id"],
                "advertiser_name": record["name"],
                "advertiser_status": record["status"],
                "advertiser_type": record["advertiser_account_type"],
                "currency": record["currency"],
                "timezone": record["timezone"],
                "company": record["company"],
                "create_time": record["create_time"],
                **_balance_fields(world.account_cash(index)),
                "transferable_amount": _money(world.account_cash(index)),
                "budget_mode": "UNLIMITED",
            }
            for index, record in shown
        ]
    return {"advertiser_account_list": items, "page_info": page_info(page, page_size, total)}


def bc_balance_get(call: Call) -> dict[str, Any]:
    """The Business Center's own balance."""
    bc_id = _bc(call)
    world = call.world
    with world.lock:
        cash = world.bc_cash()
    return {"bc_id": bc_id, "currency": world.config.bc_currency, **_balance_fields(cash)}
