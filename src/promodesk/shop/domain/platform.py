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
