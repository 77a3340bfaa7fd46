"""Stop everywhere, the preview's rules (pure): which path each channel takes, and what is
refused and why.

- **Paths**: TikTok ads are paused (reversible) or deleted (``ads_action``), freeing what is
  left of their budgets; a Promote order is stopped, its unspent coins split back to the wallet
  and the coupon's issuer; a shop enrollment takes its stage-aware path (withdraw, remove,
  terminate) under the activity's guardrails (minimum products, 30 % cancel ratio), with the
  safer alternatives; a shop activity stands for its shop's enrollments in it.
- **Refusals** (``Refusal``): already stopped or ended, or the channel's own refusal code
  (the shop plan's, e.g. ``GUARDRAIL_MAX_CANCEL_RATIO``) with its reason.
- **A reason is required**: a code of ``Reason`` and, for ``other``, a text.
- Money is never added across currencies.
"""

from __future__ import annotations

from enum import StrEnum

from promodesk.kit.errors import N_, ValidationFailed
from promodesk.promotions.domain.status import Status

MAX_SELECTED = 500


class AdsAction(StrEnum):
    PAUSE = "pause"
    DELETE = "delete"


class Reason(StrEnum):
    SOLD_OUT = "sold_out"
    WRONG_CLAIM = "wrong_claim"
    PLAN_CHANGE = "plan_change"
    OTHER = "other"


class Path(StrEnum):
    PAUSE = "pause"
    DELETE = "delete"
    STOP_ORDER = "stop_order"
    SHOP_STAGE_PATH = "shop_stage_path"


class Refusal(StrEnum):
    ALREADY_STOPPED = "ALREADY_STOPPED"
    ALREADY_PAUSED = "ALREADY_PAUSED"
    NOT_FOUND = "NOT_FOUND"


# Statuses with nothing left to stop.
FINAL = frozenset({Status.STOPPED, Status.ENDED})


def ads_action(value: str | None) -> AdsAction:
    text = (value or "pause").strip().lower()
    try:
        return AdsAction(text)
    except ValueError:
        raise ValidationFailed(
            "ads_action is pause or delete",
            field="ads_action",
            message=N_("Unknown %(field)s: choose one of %(allowed)s."),
            params={"field": "ads_action", "allowed": "pause, delete"},
        ) from None


def reason(code: str | None, text: str | None = None) -> tuple[Reason, str]:
    """The stop's reason: required; ``other`` needs a text (at most 1,000 characters)."""
    word = (code or "").strip().lower()
    note = (text or "").strip()
    allowed = ", ".join(r.value for r in Reason)
    if not word:
        raise ValidationFailed(
            "a reason is required",
            field="reason",
            message=N_("Say why: a reason is required."),
        )
    try:
        chosen = Reason(word)
    except ValueError:
        raise ValidationFailed(
            f"reason is one of {allowed}",
            field="reason",
            message=N_("Unknown %(field)s: choose one of %(allowed)s."),
            params={"field": "reason", "allowed": allowed},
        ) from None
    if chosen is Reason.OTHER and not note:
        raise ValidationFailed(
            "the reason other needs a text",
            field="reason_text",
            message=N_("Say why in a few words."),
        )
    if len(note) > 1000:
        raise ValidationFailed("the reason text is at most 1000 characters", field="reason_text")
    return chosen, note


def final_refusal(status: Status, ads: AdsAction | None = None) -> Refusal | None:
    """Whether a promotion in ``status`` has nothing left to stop (``ads``: the ads action,
    for which a paused object is already as asked)."""
    if status in FINAL:
        return Refusal.ALREADY_STOPPED
    if ads is AdsAction.PAUSE and status is Status.PAUSED:
        return Refusal.ALREADY_PAUSED
    return None


# --- the confirmed stop: its steps ---------------------------------------------------------


class StepStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# Each channel's own reason code for a stop's reason.
ADS_REASON = {
    Reason.SOLD_OUT: "out_of_stock",
    Reason.WRONG_CLAIM: "creative_or_policy",
    Reason.PLAN_CHANGE: "strategy_change",
    Reason.OTHER: "other",
}
SHOP_REASON = {
    Reason.SOLD_OUT: "stock_shortage",
    Reason.WRONG_CLAIM: "wrong_information",
    Reason.PLAN_CHANGE: "plan_change",
    Reason.OTHER: "other",
}

# A channel record's status → the step's status (ads cancellation, shop batch, Promote order).
ADS_STEP = {"running": StepStatus.RUNNING, "done": StepStatus.DONE}
SHOP_STEP = {
    "scheduled": StepStatus.RUNNING,
    "running": StepStatus.RUNNING,
    "done": StepStatus.DONE,
}
ORDER_STEP = {"stopped": StepStatus.DONE, "completed": StepStatus.DONE, "rejected": StepStatus.DONE}


def step_status(table: dict[str, StepStatus], record_status: str) -> StepStatus:
    """Any status a channel does not name as running or done is a failure (partial, failed)."""
    return table.get(record_status, StepStatus.FAILED)


def reversible(channel: str, path: str) -> bool:
    """What "restart everywhere" can undo: paused ads and shop cancellations (their
    snapshots); a Promote stop is final and a TikTok delete cannot be taken back."""
    return (channel == "tiktok_ads" and path == AdsAction.PAUSE.value) or channel == "shop"
