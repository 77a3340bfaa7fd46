"""Which campaigns may take a pool's money, and the preview of a reallocation: before → after
budgets, TikTok's minimums, the pool left (``campaigns.domain.reallocation.plan``); nothing
changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.campaigns.domain import reallocation as rules
from promodesk.campaigns.repository.budget import BudgetRepository
from promodesk.campaigns.repository.campaigns import CampaignsRepository
from promodesk.campaigns.service import freed
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import parse


@dataclass(frozen=True)
class Target:
    """Move ``amount`` (major units of the pool's currency, "50.00") to campaign ``row_id``."""

    row_id: int
    amount: str


def _minimums(currency: str) -> tuple[dict[str, int], dict[str, int]]:
    settings = campaigns_settings()

    def minor(table: dict[str, Any]) -> dict[str, int]:
        out: dict[str, int] = {}
        for code, value in table.items():
            if code.upper() == currency:
                out[currency] = parse(value, currency).amount
        return out

    return minor(settings.min_daily_budget), minor(settings.min_lifetime_budget)


def _account_advertisers(uow: UnitOfWork, workspace_id: int, ad_account_id: int) -> frozenset[int]:
    pairs = accounts_alloc.allocations_by_account(uow, workspace_id, [ad_account_id])
    return frozenset(a for p in pairs[ad_account_id] if isinstance(a := p["advertiser_id"], int))


def _candidate(uow: UnitOfWork, workspace_id: int, pool: freed.Pool, row_id: int) -> Any:
    repo = CampaignsRepository(uow)
    c = repo.get(workspace_id, row_id)
    if c is None:
        return None
    account = accounts_alloc.get_ad_account(uow, workspace_id, c.ad_account_id)
    alloc = repo.allocation_of_campaign(c.id)
    in_scope = rules.pool_funds(
        pool_advertiser_id=pool.advertiser_id,
        pool_ad_account_id=pool.ad_account_id,
        campaign_ad_account_id=c.ad_account_id,
        campaign_advertiser_id=None if alloc is None else alloc.advertiser_id,
        account_advertiser_ids=_account_advertisers(uow, workspace_id, c.ad_account_id),
    )
    return rules.Candidate(
        row_id=c.id,
        campaign_id=c.campaign_id,
        name=c.name or "",
        currency=account.currency,
        budget_mode=c.budget_mode,
        budget_minor=int(c.budget_minor or 0),
        deleted=c.deleted,
        vanished=c.vanished,
        in_scope=in_scope,
    )


def _asks(
    uow: UnitOfWork, workspace_id: int, pool: freed.Pool, targets: Sequence[Target]
) -> tuple[list[rules.Ask], dict[int, int | None]]:
    daily, lifetime = _minimums(pool.currency)
    asks: list[rules.Ask] = []
    minimums: dict[int, int | None] = {}
    for n, t in enumerate(targets):
        try:
            amount = rules.amount(t.amount, pool.currency)
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"campaign {t.row_id}: {exc.detail}", field=f"targets.{n}.amount"
            ) from None
        candidate = _candidate(uow, workspace_id, pool, t.row_id)
        if candidate is not None:
            minimums[candidate.row_id] = rules.minimum_minor(
                candidate.budget_mode, pool.currency, daily, lifetime
            )
        asks.append(rules.Ask(t.row_id, amount, candidate))
    return asks, minimums


def _held(uow: UnitOfWork, workspace_id: int, pool: freed.Pool) -> int:
    state = freed.pool_state(uow, workspace_id, pool)
    return 0 if state is None else state.balance_minor


def preview(
    uow: UnitOfWork, workspace_id: int, pool: freed.Pool, targets: Sequence[Target]
) -> rules.Plan:
    """Before → after budgets and the pool left; problems listed, nothing changed."""
    asks, minimums = _asks(uow, workspace_id, pool, targets)
    return rules.plan(pool.currency, _held(uow, workspace_id, pool), asks, minimums)


def plan_view(plan: rules.Plan, pool: freed.Pool) -> dict[str, Any]:
    return {
        "pool": freed.key_of(pool),
        "currency": plan.currency,
        "pool_before_minor": plan.pool_before_minor,
        "total_minor": plan.total_minor,
        "pool_after_minor": plan.pool_after_minor,
        "ok": plan.ok,
        "lines": [
            {
                "campaign_id": line.row_id,
                "tiktok_campaign_id": line.campaign_id,
                "name": line.name,
                "budget_mode": line.budget_mode,
                "daily": line.daily,
                "before_minor": line.before_minor,
                "amount_minor": line.amount_minor,
                "after_minor": line.after_minor,
                "minimum_minor": line.minimum_minor,
                "problem": line.problem,
                "detail": line.detail,
            }
            for line in plan.lines
        ],
        "problems": [
            {"code": p.code, "detail": p.detail, "campaign_id": p.row_id} for p in plan.problems
        ],
    }


def candidates(uow: UnitOfWork, workspace_id: int, pool: freed.Pool) -> list[dict[str, Any]]:
    """The campaigns that may take the pool's money: live, with a daily or lifetime budget,
    that the pool may fund (``rules.pool_funds``), in the pool's currency."""
    currencies: dict[int, str] = {}
    owners: dict[int, frozenset[int]] = {}
    out: list[dict[str, Any]] = []
    daily, lifetime = _minimums(pool.currency)
    for c, advertiser in BudgetRepository(uow).pool_campaigns(
        workspace_id, advertiser_id=pool.advertiser_id, ad_account_id=pool.ad_account_id
    ):
        if c.ad_account_id not in owners:
            owners[c.ad_account_id] = _account_advertisers(uow, workspace_id, c.ad_account_id)
        if not rules.pool_funds(
            pool_advertiser_id=pool.advertiser_id,
            pool_ad_account_id=pool.ad_account_id,
            campaign_ad_account_id=c.ad_account_id,
            campaign_advertiser_id=advertiser,
            account_advertiser_ids=owners[c.ad_account_id],
        ):
            continue
        if c.budget_mode == rules.INFINITE or not c.budget_mode:
            continue
        if c.ad_account_id not in currencies:
            account = accounts_alloc.get_ad_account(uow, workspace_id, c.ad_account_id)
            currencies[c.ad_account_id] = account.currency.upper()
        if currencies[c.ad_account_id] != pool.currency:
            continue
        out.append(
            {
                "id": c.id,
                "campaign_id": c.campaign_id,
                "name": c.name or "",
                "ad_account_id": c.ad_account_id,
                "operation_status": c.operation_status,
                "budget_mode": c.budget_mode,
                "budget_minor": int(c.budget_minor or 0),
                "daily": c.budget_mode in rules.DAILY_MODES,
                "minimum_minor": rules.minimum_minor(c.budget_mode, pool.currency, daily, lifetime),
            }
        )
    return out
