"""Accounts read side: the ad account list (id, name, allocated advertisers, status, grant
status, "Add payment" link) shared by the API, the console and the CLI; a client account's
advertisers with what they use."""

from __future__ import annotations

from typing import Any

from promodesk.accounts.domain import payment_url
from promodesk.accounts.repository.accounts import AccountsRepository
from promodesk.accounts.service import allocation
from promodesk.accounts.settings import accounts_settings
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import TikTokAdAccount


def views(
    uow: UnitOfWork, workspace_id: int, accounts: list[TikTokAdAccount]
) -> list[dict[str, Any]]:
    repo = AccountsRepository(uow)
    grants = {g.id: g.status for g in repo.authorizations(workspace_id)}
    allocations = allocation.allocations_by_account(uow, workspace_id, [a.id for a in accounts])
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
    account = allocation.get_ad_account(uow, workspace_id, ad_account_id)
    return views(uow, workspace_id, [account])[0]


def _account_label(account: TikTokAdAccount | None, ad_account_id: int) -> dict[str, Any]:
    if account is None:
        return {"id": ad_account_id, "advertiser_id": str(ad_account_id), "name": ""}
    return {"id": account.id, "advertiser_id": account.advertiser_id, "name": account.name or ""}


def client_overview(uow: UnitOfWork, workspace_id: int, client_id: int) -> list[dict[str, Any]]:
    """The client account page: each advertiser with the ad accounts allocated to it (and the
    payment mode), and the conversion goals and remarketing tags that pin those ad accounts
    (while one exists, that ad account cannot be deallocated from the advertiser)."""
    repo = AccountsRepository(uow)
    client = repo.client(workspace_id, client_id)
    if client is None:
        raise NotFound(f"client account {client_id} not found")
    allocations = repo.allocations_of_client(client.id)
    accounts: dict[int, TikTokAdAccount | None] = {
        i: repo.ad_account(workspace_id, i) for i in {a.ad_account_id for a in allocations}
    }

    def label(ad_account_id: int) -> dict[str, Any]:
        if ad_account_id not in accounts:
            accounts[ad_account_id] = repo.ad_account(workspace_id, ad_account_id)
        return _account_label(accounts[ad_account_id], ad_account_id)

    out = []
    for adv in repo.advertisers(workspace_id, client.id):
        out.append(
            {
                "id": adv.id,
                "name": adv.name,
                "status": adv.status,
                "ad_accounts": [
                    {
                        **label(a.ad_account_id),
                        "allocation_id": a.id,
                        "payment_mode": a.payment_mode,
                    }
                    for a in allocations
                    if a.advertiser_id == adv.id
                ],
                "goals": [
                    {"id": g.id, "name": g.name, "ad_account": label(g.ad_account_id)}
                    for g in sorted(repo.goals(workspace_id, adv.id), key=lambda g: g.id)
                ],
                "tags": [
                    {"id": t.id, "name": t.name, "ad_account": label(t.ad_account_id)}
                    for t in sorted(repo.tags(workspace_id, adv.id), key=lambda t: t.id)
                ],
            }
        )
    return out
