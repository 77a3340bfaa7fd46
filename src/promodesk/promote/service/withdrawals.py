"""Withdrawals of the unused coin balance.

Rules (pure parts in ``domain.payout``):
- Only when the creator has no order in review or delivering (nor one ended but not yet
  refunded), and only ``settlement_delay`` (default 6 h) after the last order ended.
- Android users outside GB are paid back to their original payment method (the method of
  their latest confirmed non-IAP recharge); iOS users and GB users are told to withdraw through
  Apple Pay / Google Pay, and the request is recorded as a store refund request.
- Money: on request the coins move wallet → the withdrawal's escrow
  (``promote:withdrawal:<id>``, floor 0); on ``paid`` escrow → ``promote:withdrawals_paid_out``;
  on ``failed`` escrow → wallet. Each move is an idempotent entry keyed by the withdrawal id,
  and each state change is a compare-and-set, so a retried or raced call moves nothing twice.
- The expected payout date is ``payout_working_days`` working days after the request in the
  creator's country (weekends and public holidays off).
- ``plan_withdrawal`` runs every check and computes what the request would do (coins, their
  cash value in the payer's currency, rounded down to the cash unit, the route and the payout
  date) without writing: the console's confirmation page shows it, the request carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, InsufficientFunds, NotFound, ValidationFailed
from promodesk.kit.money import COIN, Money
from promodesk.ledger.service import ESCROW, SYSTEM, move, open_account
from promodesk.models import PromoteWithdrawal
from promodesk.promote.domain.payout import (
    WITHDRAWAL,
    NotWithdrawable,
    Route,
    WithdrawalStatus,
    check_withdrawable,
    expected_payout_date,
    route_for,
)
from promodesk.promote.domain.regions import Channel, payer_currency, store_method
from promodesk.promote.repository.money import MoneyRepository
from promodesk.promote.service.creators import get_creator
from promodesk.promote.service.wallet import creator_has_open_orders, wallet_view
from promodesk.promote.settings import MoneyConfig

S = WithdrawalStatus


@dataclass(frozen=True, slots=True)
class WithdrawalPlan:
    """What a withdrawal request would do, checked and computed once: the confirmation page
    shows it and the request carries it out."""

    coins: int
    cash: Money  # what the coins are worth in the payer's currency (rounded down)
    route: Route
    method: str
    message: str
    expected_payout_date: date
    wallet_account_id: int


def plan_withdrawal(
    uow: UnitOfWork,
    cfg: MoneyConfig,
    workspace_id: int,
    *,
    creator_id: int,
    coins: int | None = None,
) -> WithdrawalPlan:
    """Every check of a request, nothing written: refused now means refused on confirm."""
    creator = get_creator(uow, workspace_id, creator_id)
    view = wallet_view(uow, workspace_id, creator_id)
    at = clock.now()
    if not view.open_orders and creator_has_open_orders(uow, workspace_id, creator_id):
        raise NotWithdrawable(
            "an ended order's unspent coins are still being returned; try again shortly",
            field="creator_id",
        )
    check_withdrawable(
        at,
        active_orders=view.open_orders,
        last_order_ended=view.last_order_ended_at,
        settlement_delay=cfg.settlement_delay,
    )
    amount = view.balance if coins is None else coins
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        if coins is None:
            raise NotWithdrawable("the wallet holds no coins to withdraw", field="coins")
        raise ValidationFailed("coins must be a positive whole number", field="coins")
    if amount > view.balance:
        raise InsufficientFunds(
            f"the wallet holds {view.balance:,} coins; {amount:,} cannot be withdrawn",
            field="coins",
            balance=view.balance,
        )
    route, message = route_for(creator.region, creator.device_os)
    repo = MoneyRepository(uow)
    if route == Route.ORIGINAL_METHOD:
        method = repo.last_method(workspace_id, creator_id, Channel.NON_IAP.value)
        if method is None:
            raise Conflict(
                "no confirmed card or wallet recharge to pay the balance back to", field="coins"
            )
    else:
        method = store_method(creator.device_os)
    currency = payer_currency(creator.region, priced=tuple(cfg.pricing.fx_per_usd))
    return WithdrawalPlan(
        coins=amount,
        cash=cfg.pricing.value(amount, currency),
        route=route,
        method=method,
        message=message,
        expected_payout_date=expected_payout_date(at, creator.region, cfg.payout_working_days),
        wallet_account_id=view.account_id,
    )


def request_withdrawal(
    uow: UnitOfWork,
    cfg: MoneyConfig,
    workspace_id: int,
    *,
    creator_id: int,
    coins: int | None = None,
    actor: str = "system",
) -> tuple[PromoteWithdrawal, str]:
    """Hold the coins and record the request; returns it and the message for the creator."""
    creator = get_creator(uow, workspace_id, creator_id)
    plan = plan_withdrawal(uow, cfg, workspace_id, creator_id=creator_id, coins=coins)
    amount, route, method, message = plan.coins, plan.route, plan.method, plan.message
    repo = MoneyRepository(uow)
    withdrawal = repo.add(
        PromoteWithdrawal(
            workspace_id=workspace_id,
            creator_id=creator_id,
            coins=amount,
            cash_amount=plan.cash.amount,
            cash_currency=plan.cash.currency,
            route=route.value,
            payout_method=method,
            region=creator.region,
            status=S.REQUESTED.value,
            expected_payout_date=plan.expected_payout_date,
            failure_reason="",
        )
    )
    escrow = open_account(
        uow, workspace_id, f"promote:withdrawal:{withdrawal.id}", kind=ESCROW, currency=COIN,
        floor=0, name=f"Withdrawal {withdrawal.id} in flight",
    )  # fmt: skip
    withdrawal.escrow_account_id = escrow.id
    # The wallet floor refuses a second concurrent request for the same coins (nothing written).
    move(
        uow, workspace_id, "withdrawal_hold", str(withdrawal.id), plan.wallet_account_id, escrow.id,
        amount, memo=f"withdrawal {withdrawal.id} requested",
    )  # fmt: skip
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.withdrawal.request",
        object_type="promote_withdrawal",
        object_id=withdrawal.id,
        after=_snapshot(withdrawal),
    )
    return withdrawal, message


def advance_withdrawal(
    uow: UnitOfWork,
    workspace_id: int,
    withdrawal_id: int,
    target: str,
    *,
    reason: str = "",
    actor: str = "system",
) -> PromoteWithdrawal:
    """Move a withdrawal along its state table and post the money of the edge."""
    current = get_withdrawal(uow, workspace_id, withdrawal_id)
    if not isinstance(target, str) or target not in {s.value for s in S}:
        raise ValidationFailed(
            f"status must be one of: {', '.join(s.value for s in S)}", field="status"
        )
    new = WITHDRAWAL.transition(current.status, target)
    at = clock.now()
    stamp = {S.PROCESSING: "processing_at", S.PAID: "paid_at", S.FAILED: "failed_at"}[new]
    values: dict[str, object] = {"status": new.value, stamp: at, "updated_at": at}
    if new == S.FAILED:
        values["failure_reason"] = (reason or "payout failed")[:500]
    repo = MoneyRepository(uow)
    if not repo.cas_withdrawal(workspace_id, withdrawal_id, current.status, **values):
        raise Conflict(
            f"withdrawal {withdrawal_id} changed while this request ran; reload it",
            field="status",
        )
    withdrawal = get_withdrawal(uow, workspace_id, withdrawal_id)
    escrow_id = withdrawal.escrow_account_id
    assert escrow_id is not None
    ref = str(withdrawal.id)
    if new == S.PAID:
        paid_out = open_account(
            uow, workspace_id, "promote:withdrawals_paid_out", kind=SYSTEM, currency=COIN,
            name="Promote coins withdrawn by creators",
        )  # fmt: skip
        move(uow, workspace_id, "withdrawal_paid", ref, escrow_id, paid_out.id, withdrawal.coins)
    elif new == S.FAILED:
        wallet = wallet_view(uow, workspace_id, withdrawal.creator_id).account_id
        move(uow, workspace_id, "withdrawal_failed", ref, escrow_id, wallet, withdrawal.coins)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action=f"promote.withdrawal.{new.value}",
        object_type="promote_withdrawal",
        object_id=withdrawal.id,
        before={"status": current.status},
        after=_snapshot(withdrawal),
    )
    return withdrawal


def get_withdrawal(uow: UnitOfWork, workspace_id: int, withdrawal_id: int) -> PromoteWithdrawal:
    withdrawal = MoneyRepository(uow).withdrawal(workspace_id, withdrawal_id)
    if withdrawal is None:
        raise NotFound(f"withdrawal {withdrawal_id} not found")
    return withdrawal


def list_withdrawals(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    creator_id: int | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[PromoteWithdrawal]:
    return MoneyRepository(uow).withdrawals(
        workspace_id, creator_id=creator_id, status=status, before_id=before_id, limit=limit
    )


def _snapshot(w: PromoteWithdrawal) -> dict[str, object]:
    return {
        "creator_id": w.creator_id,
        "coins": w.coins,
        "route": w.route,
        "payout_method": w.payout_method,
        "status": w.status,
        "expected_payout_date": w.expected_payout_date.isoformat(),
    }
