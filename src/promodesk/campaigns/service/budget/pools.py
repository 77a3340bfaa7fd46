"""The freed-budget pools as the Budget view shows them: a pool's name for people (from the ad
accounts' allocations), what it holds, and its ledger history."""

from __future__ import annotations

from typing import Any

from promodesk.accounts.service import accounts as accounts_service
from promodesk.campaigns.service import freed
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound


def all_accounts(uow: UnitOfWork, workspace_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = 0
    while True:
        page = accounts_service.list_ad_accounts(uow, workspace_id, after_id=after, limit=100)
        found.extend(page)
        if len(page) < 100:
            return found
        after = int(page[-1]["id"])


def pool_view(p: freed.PoolState, names: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "key": p.key,
        "label": (names or {}).get(p.key, p.key),
        "advertiser_id": p.pool.advertiser_id,
        "ad_account_id": p.pool.ad_account_id,
        "currency": p.pool.currency,
        "balance_minor": p.balance_minor,
        "freed_minor": p.freed_minor,
        "reallocated_minor": p.reallocated_minor,
        "unfreed_minor": p.unfreed_minor,
    }


def pool_names(accounts: list[dict[str, Any]], pools: list[freed.PoolState]) -> dict[str, str]:
    """A pool's name for people: "client / advertiser (CUR)" or "ad account (CUR)"."""
    advertisers = {
        int(p["advertiser_id"]): f"{p['client_account_name']} / {p['advertiser_name']}"
        for a in accounts
        for p in a["allocations"]
    }
    account_names = {int(a["id"]): str(a["name"] or a["advertiser_id"]) for a in accounts}
    out: dict[str, str] = {}
    for p in pools:
        if p.pool.advertiser_id is not None:
            who = advertisers.get(p.pool.advertiser_id, f"advertiser {p.pool.advertiser_id}")
        else:
            ident = p.pool.ad_account_id or 0
            who = account_names.get(ident, f"ad account {ident}")
        out[p.key] = f"{who} ({p.pool.currency})"
    return out


def pool_label(uow: UnitOfWork, workspace_id: int, pool: freed.PoolState) -> str:
    """The pool's name for people (as the Budget view shows it)."""
    return pool_names(all_accounts(uow, workspace_id), [pool])[pool.key]


def pool_history(
    uow: UnitOfWork, workspace_id: int, pool: freed.Pool, *, limit: int = 500
) -> dict[str, Any]:
    """One pool: what it holds and every ledger line of it, newest first (``kind`` freed,
    reallocated, returned or unfreed; ``ref`` the cancellation item, reallocation or undo)."""
    state = freed.pool_state(uow, workspace_id, pool)
    if state is None:
        raise NotFound(f"freed-budget pool {freed.key_of(pool)} not found", field="pool")
    names = pool_names(all_accounts(uow, workspace_id), [state])
    kinds = {
        freed.FREED: "freed",
        freed.REALLOCATED: "reallocated",
        freed.RETURNED: "returned",
        "campaigns.unfreed": "unfreed",
    }
    lines = freed.history(uow, workspace_id, state.account_id)
    return {
        **pool_view(state, names),
        "history": [
            {
                "kind": kinds.get(line.kind, line.kind),
                "ref": line.ref,
                "amount_minor": line.amount_minor,
                "at": line.at,
            }
            for line in reversed(lines[-limit:])
        ],
    }


def pool_histories(uow: UnitOfWork, workspace_id: int) -> list[dict[str, Any]]:
    """Every pool of the workspace with its history (``pool_history``)."""
    return [pool_history(uow, workspace_id, p.pool) for p in freed.pools(uow, workspace_id)]
