"""Pure rules of a shop's platform link and of the writes made through it.

Link lifecycle: ``active`` ⇄ ``needs_reauth``. The platform refusing our tokens (revoked, or
a refresh refused) moves the link to ``needs_reauth``; nothing linked to it is deleted, and a
new authorization of the same platform shop brings it back to ``active``.

Token refresh: a link's access token is refreshed once less than ``before`` is left of it.

Write intents: ``pending`` (recorded before the call) → ``sent`` (the platform answered) →
``verified`` (a read-back shows the change) or ``failed`` (the platform refused, or the read
back shows it did not happen). A ``sent`` intent found after a crash is verified by reading
back, never sent again blindly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from promodesk.kit.statemachine import StateMachine
from promodesk.shop.domain.enrollments import ALLOWED, CANCELLED, IN_ACTIVITY, State


class LinkStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"


LINK_LIFECYCLE: StateMachine[LinkStatus] = StateMachine(
    LinkStatus,
    {
        LinkStatus.ACTIVE: frozenset({LinkStatus.NEEDS_REAUTH}),
        LinkStatus.NEEDS_REAUTH: frozenset({LinkStatus.ACTIVE}),
    },
    noun="the shop's platform link",
)


class IntentStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    VERIFIED = "verified"
    FAILED = "failed"


INTENT_LIFECYCLE: StateMachine[IntentStatus] = StateMachine(
    IntentStatus,
    {
        IntentStatus.PENDING: frozenset(
            {IntentStatus.SENT, IntentStatus.VERIFIED, IntentStatus.FAILED}
        ),
        IntentStatus.SENT: frozenset({IntentStatus.VERIFIED, IntentStatus.FAILED}),
        IntentStatus.VERIFIED: frozenset(),
        IntentStatus.FAILED: frozenset(),
    },
    noun="the platform write",
)


def refresh_due(access_expires_at: datetime, now: datetime, before: timedelta) -> bool:
    """Whether the access token should be refreshed now."""
    return access_expires_at - now <= before


def chunk(ids: Sequence[str], size: int) -> list[list[str]]:
    """``ids`` without repeats, in order, ``size`` at a time (the platform's per-call cap)."""
    if size < 1:
        raise ValueError("a chunk holds at least one id")
    unique = list(dict.fromkeys(ids))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def still_enrolled(removed: Iterable[str], present: Iterable[str]) -> list[str]:
    """The ids a removal named that the platform's read-back still lists (a silent no-op)."""
    there = set(present)
    return [pid for pid in removed if pid in there]


# The platform's activity statuses in which products can still be removed (spec §1.3): not
# in DEACTIVATED or EXPIRED ones, where the products are already out of reach of buyers.
REMOVABLE_STATUSES = frozenset({"DRAFT", "NOT_START", "ONGOING"})


# The mirror: what the platform's activity status means for an enrollment in it (spec §1.3;
# 待审核/已审核 ≈ DRAFT/NOT_START, 已开始 ≈ ONGOING is the spec's own, UNCERTAIN, mapping).
STAGE_OF_STATUS: dict[str, State] = {
    "DRAFT": State.PENDING_REVIEW,
    "NOT_START": State.APPROVED,
    "ONGOING": State.LIVE,
}
# Statuses in which the platform took the products out of buyers' reach.
OFF_STATUSES = frozenset({"DEACTIVATED", "NOT_EFFECTIVE"})


def mirrored_state(current: State | None, platform_status: str, listed: bool) -> State | None:
    """The enrollment's state after a read of the platform, or None to leave it as it is.

    - Listed in an activity the platform runs (DRAFT, NOT_START, ONGOING): the stage of that
      status, when the enrollment lifecycle allows the move. A cancelled enrollment is never
      brought back by a read: its removal may still be on its way to the platform, and a
      restore goes through its snapshot.
    - Not listed any more, or the activity deactivated: an enrollment still in the activity
      leaves it the way its stage leaves (withdrawn, removed, terminated).
    - EXPIRED activities keep their enrollments' last states (the activity just ended)."""
    stage = STAGE_OF_STATUS.get(platform_status)
    if listed and stage is not None:
        if current is None:
            return stage
        if current == stage or current == State.STOCK_ZEROED or current in CANCELLED:
            return None
        return stage if stage in ALLOWED[current] else None
    if current is None or current not in IN_ACTIVITY:
        return None
    if listed and platform_status not in OFF_STATUSES:
        return None
    if current == State.PENDING_REVIEW:
        return State.WITHDRAWN
    if current == State.LIVE:
        return State.TERMINATED
    return State.TERMINATED if platform_status == "ONGOING" else State.REMOVED


def quantity(value: int | None) -> int:
    """A platform quantity (−1 unlimited, None unknown) as a count promodesk keeps (0 = none
    set)."""
    return value if value is not None and value > 0 else 0


def discounted(price_minor: int, percent_off: int) -> int:
    """A percentage-off activity price in minor units, rounded half up once."""
    percent = max(0, min(percent_off, 100))
    return (price_minor * (100 - percent) + 50) // 100


SYNC_PHASES = ("products", "activities", "coupons")


def next_phase(phase: str) -> str | None:
    """The sync's phase after ``phase`` (None after the last): products first, so that
    activities find the products they enroll; coupons last, so that they find enrollments."""
    index = SYNC_PHASES.index(phase)
    return SYNC_PHASES[index + 1] if index + 1 < len(SYNC_PHASES) else None
