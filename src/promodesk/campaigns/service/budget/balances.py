"""Each ad account's balance from TikTok's Business Center (``advertiser/balance/get/``), asked
with no transaction open; a balance TikTok cannot give is ``available: false`` with the reason,
never an error of the whole view."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from promodesk.accounts.domain import to_minor
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.accounts.service import requests as account_requests
from promodesk.integrations.tiktok import errors as tt
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound


def balances(db: Database, workspace_id: int, ad_account_ids: Iterable[int]) -> dict[int, Any]:
    """Per ad account: ``{available, cash_minor, reason}`` from TikTok's Business Center."""
    ids = sorted(set(ad_account_ids))
    bc = account_requests.business_center_id()
    if not bc:
        reason = "no Business Center is configured (PROMODESK_ACCOUNTS_BUSINESS_CENTER_ID)"
        return {i: {"available": False, "cash_minor": None, "reason": reason} for i in ids}
    by_grant: dict[int, list[Any]] = {}
    out: dict[int, Any] = {}
    with db.read() as uow:
        for account_id in ids:
            try:
                account = accounts_alloc.get_ad_account(uow, workspace_id, account_id)
            except NotFound:
                continue
            access = grants.tiktok_access(uow, account)
            if access is None:
                out[account_id] = {
                    "available": False,
                    "cash_minor": None,
                    "reason": "the TikTok authorization of this ad account is revoked",
                }
                continue
            by_grant.setdefault(access.grant_id, []).append(access)
    for accesses in by_grant.values():
        wanted = {a.advertiser_id: a for a in accesses}
        try:
            listed = {
                str(item.get("advertiser_id")): item
                for item in accesses[0].api().advertiser_balance_pages(bc)
                if str(item.get("advertiser_id")) in wanted
            }
        except tt.TikTokError as exc:
            reason = f"TikTok did not give the balance: {exc.message}"
            for a in accesses:
                out[a.ad_account_id] = {"available": False, "cash_minor": None, "reason": reason}
            continue
        for advertiser_id, a in wanted.items():
            item = listed.get(advertiser_id)
            if item is None:
                out[a.ad_account_id] = {
                    "available": False,
                    "cash_minor": None,
                    "reason": f"Business Center {bc} does not list this ad account",
                }
                continue
            out[a.ad_account_id] = {
                "available": True,
                "cash_minor": to_minor(item.get("cash_balance"), a.currency),
                "balance_minor": to_minor(item.get("account_balance"), a.currency),
                "transferable_minor": to_minor(item.get("transferable_amount"), a.currency),
                "reason": "",
            }
    return out
