"""Business Center money: ``advertiser/balance/get/``, ``bc/balance/get/`` and ``bc/transfer/``
(spec §6.10, §12).

Rules:
- Every call names ``bc_id``; any other id than the sandbox's Business Center is 40001. The ad
  accounts of the BC are the ones the token may use (those granted and those its app created).
- Money goes out as TikTok sends it: JSON numbers in the account's currency, two decimals.
- An ad account's cash is its generated ``balance`` (nothing for a created account) plus what
  ``bc/transfer/`` moved; the BC's cash is the ``bc_cash`` setting less what went to ad accounts.
  Spend does not draw the balances down (UNCERTAIN how TikTok nets it; not modelled).
- ``bc/transfer/``: ``transfer_type`` RECHARGE moves cash from the BC into the ad account,
  DEDUCT moves it back. ``cash_amount`` is positive with at most two decimals and at most the
  source's cash (40002 otherwise); ``grant_amount`` (vouchers) must be 0 or absent, as the
  sandbox has no grants. The ad account's currency must be the BC's (``bc_currency``).
- Idempotency by ``request_id`` (required): the same id with the same body answers the first
  answer again and moves nothing; the same id with another body is 40002 (TikTok's own answer
  is UNCERTAIN; the spec only says a repeat must not move money twice).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from promodesk.sandbox import generate as gen
from promodesk.sandbox.context import Call
from promodesk.sandbox.wire import PERMISSION_ERROR, ApiError, page_info, param_error

TRANSFER_TYPES = ("RECHARGE", "DEDUCT")
TRANSFER_LEVELS = ("ADVERTISER", "BC")
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


def _amount(raw: Any, name: str, *, positive: bool) -> Decimal:
    if raw is None or raw == "":
        if positive:
            raise param_error(f"{name}: required")
        return ZERO
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise param_error(f"{name}: must be a number")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise param_error(f"{name}: must be a number") from None
    if not value.is_finite() or value < 0 or value > Decimal("1e12"):
        raise param_error(f"{name}: out of range")
    if value != value.quantize(CENT):
        raise param_error(f"{name}: at most two decimals")
    if positive and value == 0:
        raise param_error(f"{name}: must be greater than 0")
    return value


def bc_transfer(call: Call) -> dict[str, Any]:
    """Move cash between the Business Center and one of its ad accounts, once per request_id."""
    params = call.params
    bc_id = _bc(call)
    request = params.string("request_id", required=True, max_len=64) or ""
    account = call.account()
    kind = params.string("transfer_type", required=True) or ""
    if kind not in TRANSFER_TYPES:
        raise param_error("transfer_type: RECHARGE or DEDUCT")
    level = params.string("transfer_level") or "ADVERTISER"
    if level not in TRANSFER_LEVELS:
        raise param_error("transfer_level: ADVERTISER or BC")
    child = params.id("child_bc_id", required=False)
    if child is not None and child != bc_id:
        raise ApiError(PERMISSION_ERROR, f"No permission to operate Business Center {child}.")
    cash = _amount(params.raw("cash_amount"), "cash_amount", positive=True)
    if _amount(params.raw("grant_amount"), "grant_amount", positive=False) != 0:
        raise param_error("grant_amount: the sandbox's Business Center has no grants")
    world = call.world
    fingerprint = (account, kind, level, child, cash)
    with world.lock:
        seen = world.transfers.get(request)
        if seen is not None:
            if seen[0] != fingerprint:
                raise param_error(
                    f"request_id: {request} was already used for a different transfer"
                )
            return seen[1]
        currency = world.currency(account)
        if currency != world.config.bc_currency:
            raise param_error(
                f"advertiser_id: the ad account's currency {currency} is not the Business "
                f"Center's {world.config.bc_currency}"
            )
        source = world.bc_cash() if kind == "RECHARGE" else world.account_cash(account)
        if cash > source:
            raise param_error(f"cash_amount: {cash} is more than the available {source}")
        delta = cash if kind == "RECHARGE" else -cash
        world.moved[account] = world.moved.get(account, ZERO) + delta
        world.versions[account] = world.versions.get(account, 0) + 1
        answer = {
            "bc_id": bc_id,
            "advertiser_id": gen.advertiser_id(account),
            "transfer_type": kind,
            "cash_amount": _money(cash),
            "grant_amount": _money(ZERO),
            "currency": currency,
        }
        world.transfers[request] = (fingerprint, answer)
    return answer
