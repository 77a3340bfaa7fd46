"""What the Promote console pages share: the wallet summary, translated refusals.

Rules:
- The withdrawable amount follows the money side's rule: nothing while an order is open or
  still settling, nor before the settlement delay after the last order ended.
- Refusals the creator must understand before paying (eligibility reasons, insufficient coins,
  the coupon rule) are translated from their codes; any other error keeps the service's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from promodesk.console.visit import Visit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import InsufficientFunds, PromodeskError
from promodesk.promote.domain.eligibility import Reason
from promodesk.promote.domain.payout import withdrawable_at
from promodesk.promote.errors import CouponNotUsable, NotEligible
from promodesk.promote.service.wallet import creator_has_open_orders, wallet_view
from promodesk.promote.settings import MoneyConfig


@dataclass(frozen=True)
class WalletSummary:
    balance: int
    held: int
    withdrawable: int
    withdrawable_at: datetime | None
    open_orders: int


def wallet_summary(
    uow: UnitOfWork, workspace_id: int, creator_id: int, cfg: MoneyConfig
) -> WalletSummary:
    view = wallet_view(uow, workspace_id, creator_id)
    ready = withdrawable_at(view.last_order_ended_at, cfg.settlement_delay)
    blocked = creator_has_open_orders(uow, workspace_id, creator_id) or (
        ready is not None and clock.now() < ready
    )
    return WalletSummary(
        balance=view.balance,
        held=view.held,
        withdrawable=0 if blocked else view.balance,
        withdrawable_at=ready if blocked and ready is not None and ready > clock.now() else None,
        open_orders=view.open_orders,
    )


def reason_text(visit: Visit, reason: Reason | dict[str, str]) -> str:
    """An eligibility reason in the reader's language (the code decides the sentence)."""
    code = reason.code if isinstance(reason, Reason) else str(reason.get("code", ""))
    message = reason.message if isinstance(reason, Reason) else str(reason.get("message", ""))
    texts = {
        "under_age": visit._("Promote is for users aged 18 or older."),
        "account_type": visit._("This account type cannot use Promote."),
        "app_version": visit._("Update the app to version 20.4 or later."),
        "music": visit._("The video's background music must be commercial music."),
        "region": visit._("Promote for this kind of content is not launched in this region."),
        "live_not_on_air": visit._("The LIVE must be on air or about to start."),
    }
    return texts.get(code, message)


def refusal(visit: Visit, exc: PromodeskError) -> list[str]:
    """The lines of a flash for a refused action: translated where the rule is known."""
    if isinstance(exc, NotEligible):
        reasons = exc.extra.get("reasons") or []
        # One line per reason (a flash holds at most five; content fails at most five rules).
        head = visit._("Not eligible:")
        return [f"{head} {reason_text(visit, r)}" for r in reasons] or [visit.error_text(exc)]
    if isinstance(exc, InsufficientFunds) and "needed" in exc.extra:
        return [
            visit._(
                "Not enough coins: the wallet holds %(balance)s coins and this order needs "
                "%(needed)s. Recharge first.",
                balance=f"{exc.extra['balance']:,}",
                needed=f"{exc.extra['needed']:,}",
            )
        ]
    if isinstance(exc, CouponNotUsable) and exc.field == "budget_coins":
        return [
            visit._("A coupon can only be used when the budget is greater than its value.")
            + " "
            + visit.error_text(exc)
        ]
    if visit.locale != "en" and isinstance(exc.extra.get("says"), str):
        return [visit._(exc.extra["says"], n=exc.extra.get("says_n", ""))]
    return [visit.error_text(exc)]


def flash_refusal(visit: Visit, exc: PromodeskError) -> None:
    for line in refusal(visit, exc):
        visit.flash("error", line)
