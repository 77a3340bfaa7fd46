"""Moving cash between two ad accounts of the agency's Business Center (pure rules).

Rules:
- Both ad accounts are agency-paid (allocated to a client with payment mode ``agency``): the
  agency's Business Center funds them. Self-paid accounts are paid by the client; promodesk
  never moves their money.
- The two accounts differ and pay in the same currency; the amount is more than zero.
- Two legs through ``bc/transfer/``: ``out`` (DEDUCT: from the first account into the BC) then
  ``in`` (RECHARGE: from the BC into the second). Each leg has a ``request_id`` made from the
  transfer's id, so sending a leg again (a retry, a lost answer) never moves money twice.

Lifecycle: ``pending`` → ``out_done`` (the cash is in the BC) → ``done``; ``pending`` →
``failed`` when TikTok refuses the first leg (nothing moved). When a leg fails otherwise (the
second leg for any reason, the first when TikTok did not answer or may answer later), the
transfer stays where it is and is sent again: by a job with backoff (``retry_delay``), and by
hand (Retry) at any time. Both send the same ``request_id``, so the money never moves twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from promodesk.kit.statemachine import StateMachine


class Status(StrEnum):
    PENDING = "pending"
    OUT_DONE = "out_done"
    DONE = "done"
    FAILED = "failed"


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.OUT_DONE, Status.FAILED}),
    Status.OUT_DONE: frozenset({Status.DONE}),
    Status.DONE: frozenset(),
    Status.FAILED: frozenset(),
}
MACHINE = StateMachine(Status, ALLOWED, noun="the transfer")


@dataclass(frozen=True, slots=True)
class Side:
    ad_account_id: int
    currency: str
    agency_paid: bool


def problem(source: Side, target: Side, amount_minor: int) -> tuple[str, str] | None:
    """The first broken rule as (code, detail), or None."""
    if amount_minor <= 0:
        return "amount_not_positive", "the amount must be more than 0"
    if source.ad_account_id == target.ad_account_id:
        return "same_account", "choose two different ad accounts"
    for side, name in ((source, "from"), (target, "to")):
        if not side.agency_paid:
            return (
                "not_agency_paid",
                f"the {name} ad account is not agency-paid: only agency-paid ad accounts are "
                "funded through the Business Center",
            )
    if source.currency.upper() != target.currency.upper():
        return (
            "currency_mismatch",
            f"the ad accounts pay in {source.currency} and {target.currency}",
        )
    return None


def request_id(workspace_id: int, transfer_id: int, leg: str) -> str:
    """TikTok's idempotency key of one leg (``out`` or ``in``) of a transfer."""
    return f"promodesk-{workspace_id}-{transfer_id}-{leg}"


# Automatic retries of a failed leg are never more than this far apart.
RETRY_DELAY_CAP_SECONDS = 3600


def retry_delay(round_number: int, base_seconds: int) -> int:
    """Seconds before automatic retry ``round_number`` (1, 2, …): ``base_seconds`` doubled
    each round, at most ``RETRY_DELAY_CAP_SECONDS``."""
    if round_number < 1:
        raise ValueError("rounds count from 1")
    doubled: int = base_seconds << min(round_number - 1, 30)
    return min(doubled, RETRY_DELAY_CAP_SECONDS)
