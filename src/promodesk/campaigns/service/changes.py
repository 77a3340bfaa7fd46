"""Change a mirrored campaign on TikTok: its status (ENABLE / DISABLE / DELETE) or its budget.

A change runs in three short steps, so that no database transaction waits on TikTok:
1. a read-only unit loads the campaign, its ad account and the account's authorization and
   checks the rules (``campaigns.domain``; an active authorization);
2. with no transaction open, the call to TikTok with the authorization's token, then a read-back
   of the campaign, its ad groups and its ads (``*/get/`` filtered by the campaign, deleted ones
   included);
3. a write unit: on success the mirror rows take TikTok's new state, the campaign's allocation
   becomes initialized (it can no longer be deallocated) and an audit record keeps before and
   after. A revoked token (40105) marks the authorization revoked, as a sync does, and answers
   ``AuthorizationRevoked`` (409, re-authorize); any other TikTok failure changes nothing and
   answers ``TikTokRefused`` or ``TikTokUnavailable`` (409).

The entrypoint passes its ``Database`` and holds no transaction open meanwhile (on SQLite it
would hold the write lock step 3 needs). The mirror's ``raw`` stays what TikTok last listed.

The steps themselves: ``change_steps``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal, InvalidOperation
from typing import Any

from promodesk.accounts.domain import to_minor
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.campaigns.domain.campaigns import (
    DAILY_MODES,
    Operation,
    budget,
    budget_needs_confirmation,
    check_budget_mode,
    check_changeable,
    operation,
    status_after,
)
from promodesk.campaigns.errors import BudgetConfirmationNeeded, TikTokRefused
from promodesk.campaigns.service import change_steps as steps
from promodesk.campaigns.settings import campaigns_settings
from promodesk.integrations.tiktok import errors as tt
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.money import Money
from promodesk.models import TikTokCampaign


def change_status(
    db: Database, workspace_id: int, row_id: int, status: str, *, actor: str = "system"
) -> dict[str, Any]:
    """ENABLE, DISABLE or DELETE the campaign on TikTok; return the campaign as now mirrored."""
    op = operation(status)
    with db.read() as uow:
        target = steps.load_target(uow, workspace_id, row_id)
    try:
        answer = steps.tiktok_api(target).update_campaign_status(
            target.advertiser_id, [target.campaign_id], op.value
        )
    except tt.TikTokError as exc:
        raise steps.failure(db, target, exc) from None
    if target.campaign_id not in answer.ids:
        raise TikTokRefused(
            "TikTok answered without changing the campaign", reason="tiktok_not_changed"
        )
    seen = steps.read_back(target)
    with db.transaction() as uow:
        c = steps.locked(uow, target)
        before = {"operation_status": c.operation_status, "secondary_status": c.secondary_status}
        after = status_after(op, c.operation_status)
        c.operation_status = after.operation_status
        c.secondary_status = after.secondary_status
        c.deleted = after.deleted
        c.modify_time = _now_text()
        steps.mirror(uow, target, c, seen, op)
        return steps.finish(uow, target, actor, "campaign.status", before, _after(op, c))


@dataclass(frozen=True)
class BudgetPreview:
    """A budget change before it is made: ``before_minor`` → ``after_minor`` in ``currency``,
    per day (``daily``) or for the campaign's lifetime, and whether it needs a confirmation
    (above ``factor`` times the current budget, setting ``PROMODESK_ACCOUNTS_BUDGET_CONFIRM_
    FACTOR``)."""

    row_id: int
    name: str
    campaign_id: str
    budget_mode: str
    daily: bool
    before_minor: int | None
    after_minor: int
    currency: str
    factor: Decimal
    needs_confirmation: bool
    amount: str  # the new budget as a plain decimal ("120.50")

    def body(self) -> dict[str, Any]:
        """The figures for a client (the 409 body, the CLI's question)."""
        return {
            "reason": "budget_confirmation_needed",
            "before_minor": self.before_minor,
            "after_minor": self.after_minor,
            "currency": self.currency,
            "budget_mode": self.budget_mode,
            "factor": str(self.factor),
        }


def budget_preview(uow: UnitOfWork, workspace_id: int, row_id: int, amount: str) -> BudgetPreview:
    """Check a budget change without making it (the same rules as ``change_budget``)."""
    c = steps.campaign(uow, workspace_id, row_id)
    account = accounts_alloc.get_ad_account(uow, workspace_id, c.ad_account_id)
    money = budget(amount, account.currency)
    check_changeable(c.deleted, c.vanished)
    check_budget_mode(c.budget_mode)
    factor = campaigns_settings().budget_confirm_factor
    before = None if c.budget_minor is None else int(c.budget_minor)
    return BudgetPreview(
        row_id=c.id,
        name=c.name or "",
        campaign_id=c.campaign_id,
        budget_mode=c.budget_mode,
        daily=c.budget_mode in DAILY_MODES,
        before_minor=before,
        after_minor=money.amount,
        currency=money.currency,
        factor=factor,
        needs_confirmation=budget_needs_confirmation(before, money.amount, factor),
        amount=str(money.decimal),
    )


def change_budget(
    db: Database,
    workspace_id: int,
    row_id: int,
    amount: str,
    *,
    confirm: bool = False,
    actor: str = "system",
) -> dict[str, Any]:
    """Set the campaign's budget (major units of the ad account's currency, e.g. "120.50").
    A raise above the confirmation factor needs ``confirm``: otherwise
    ``BudgetConfirmationNeeded`` (409) with before and after, and nothing changes."""
    with db.read() as uow:
        preview = budget_preview(uow, workspace_id, row_id, amount)
        if preview.needs_confirmation and not confirm:
            raise BudgetConfirmationNeeded(
                f"the budget would go from {_shown(preview.before_minor, preview.currency)} to "
                f"{_shown(preview.after_minor, preview.currency)} "
                f"({'per day' if preview.daily else 'lifetime'}), more than "
                f"{preview.factor} times the current one: confirm the change",
                **preview.body(),
            )
        target = steps.load_target(uow, workspace_id, row_id)
    return _apply_budget(db, target, preview.after_minor, actor, "campaign.budget").view


@dataclass(frozen=True)
class BudgetApplied:
    """A budget TikTok took: the campaign as now mirrored, and the budget TikTok lists when
    the campaign is read back (None when the read-back failed or showed no budget)."""

    view: dict[str, Any]
    sent_minor: int
    read_back_minor: int | None

    @property
    def verified(self) -> bool:
        return self.read_back_minor == self.sent_minor


@dataclass(frozen=True)
class BudgetSent:
    """A budget TikTok took (``send_budget``), with the campaign as read back right after; not
    yet recorded in promodesk (``record_budget``)."""

    target: steps.Target
    sent_minor: int
    answer: dict[str, Any]
    seen: steps.Seen | None
    read_back_minor: int | None


def send_budget(db: Database, workspace_id: int, row_id: int, after_minor: int) -> BudgetSent:
    """Set the campaign's budget to ``after_minor`` (the ad account's currency) on TikTok and
    read the campaign back; nothing is written in promodesk (a revoked token excepted, which
    marks the authorization revoked). No confirmation factor: the caller (a reallocation)
    showed its own preview. Errors as for ``change_budget``. The budget is absolute, so sending
    it again after a lost answer changes nothing more."""
    with db.read() as uow:
        target = steps.load_target(uow, workspace_id, row_id)
        check_budget_mode(steps.campaign(uow, workspace_id, row_id).budget_mode)
    return _send_budget(db, target, after_minor)


def _send_budget(db: Database, target: steps.Target, after_minor: int) -> BudgetSent:
    money = Money(after_minor, target.currency)
    try:
        data = steps.tiktok_api(target).update_campaign(
            target.advertiser_id, target.campaign_id, budget=money.decimal
        )
    except tt.TikTokError as exc:
        raise steps.failure(db, target, exc) from None
    seen = steps.read_back(target)
    listed = seen.campaign.get("budget") if seen and seen.campaign else None
    read_back = None if listed is None else _minor(listed, target.currency, money.amount)
    return BudgetSent(target, money.amount, data, seen, read_back)


def record_budget(
    uow: UnitOfWork, sent: BudgetSent, *, actor: str = "system", action: str = "campaign.budget"
) -> BudgetApplied:
    """Mirror and audit a budget TikTok took, in the caller's unit of work."""
    target, data, read_back = sent.target, sent.answer, sent.read_back_minor
    c = steps.locked(uow, target)
    steps.mirror(uow, target, c, sent.seen, None)
    before = {"budget_minor": c.budget_minor, "currency": target.currency}
    c.budget_minor = (
        read_back
        if read_back is not None
        else _minor(data.get("budget"), target.currency, sent.sent_minor)
    )
    modify_time = data.get("modify_time")
    c.modify_time = (
        modify_time if isinstance(modify_time, str) and len(modify_time) == 19 else _now_text()
    )
    after = {
        "budget_minor": c.budget_minor,
        "currency": target.currency,
        "read_back_minor": read_back,
    }
    view = steps.finish(uow, target, actor, action, before, after)
    return BudgetApplied(view=view, sent_minor=sent.sent_minor, read_back_minor=read_back)


def _apply_budget(
    db: Database, target: steps.Target, after_minor: int, actor: str, action: str
) -> BudgetApplied:
    sent = _send_budget(db, target, after_minor)
    with db.transaction() as uow:
        return record_budget(uow, sent, actor=actor, action=action)


def _shown(minor: int | None, currency: str) -> str:
    return "none" if minor is None else Money(minor, currency).format()


def _after(op: Operation, c: TikTokCampaign) -> dict[str, Any]:
    return {
        "operation": op.value,
        "operation_status": c.operation_status,
        "secondary_status": c.secondary_status,
    }


def _minor(value: Any, currency: str, sent: int) -> int:
    """TikTok's echo of the budget when it sent one, else the amount we sent."""
    if value is None or isinstance(value, bool):
        return sent
    try:
        Decimal(str(value))
    except InvalidOperation:
        return sent
    return to_minor(value, currency)


def _now_text() -> str:
    return clock.now().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
