"""Accounts read side: the ad account list (id, name, allocated advertisers, status, grant
status, "Add payment" link) shared by the API, the console and the CLI."""

from __future__ import annotations

from typing import Any

from promodesk.accounts import allocation_service
from promodesk.accounts.domain import payment_url
from promodesk.accounts.repository import AccountsRepository
from promodesk.accounts.settings import accounts_settings
from promodesk.kit.db import UnitOfWork
from promodesk.models import TikTokAdAccount


def views(
    uow: UnitOfWork, workspace_id: int, accounts: list[TikTokAdAccount]
) -> list[dict[str, Any]]:
    repo = AccountsRepository(uow)
    grants = {g.id: g.status for g in repo.authorizations(workspace_id)}
    allocations = allocation_service.allocations_by_account(
        uow, workspace_id, [a.id for a in accounts]
    )
    template = accounts_settings().payment_url_template
    return [
        {
            "id": a.id,
            "advertiser_id": a.advertiser_id,
            "name": a.name or "",
            "currency": a.currency or "",
            "timezone": a.timezone or "",
            "status": a.status or "",
            "authorization_id": a.authorization_id,
            "authorization_status": grants.get(a.authorization_id or 0),
            "last_synced_at": a.last_synced_at,
            "payment_url": payment_url(template, a.advertiser_id),
            "allocations": allocations[a.id],
        }
        for a in accounts
    ]


def list_ad_accounts(
    uow: UnitOfWork, workspace_id: int, *, after_id: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    rows = AccountsRepository(uow).ad_accounts(workspace_id, after_id=after_id, limit=limit)
    return views(uow, workspace_id, rows)


def ad_account_view(uow: UnitOfWork, workspace_id: int, ad_account_id: int) -> dict[str, Any]:
    account = allocation_service.get_ad_account(uow, workspace_id, ad_account_id)
    return views(uow, workspace_id, [account])[0]
