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


# States a read of the platform never moves an enrollment out of while the platform lists it:
# stock to zero is promodesk's own; a cancelled or replaced enrollment's removal may still be
# on its way to the platform, and an undo goes through its snapshot.
KEPT_BY_READS = frozenset({State.STOCK_ZEROED, State.REPLACED, *CANCELLED})


def mirrored_state(current: State | None, platform_status: str, listed: bool) -> State | None:
    """The enrollment's state after a read of the platform, or None to leave it as it is.

    - Listed in an activity the platform runs (DRAFT, NOT_START, ONGOING): the stage of that
      status, when the enrollment lifecycle allows the move. A cancelled or replaced
      enrollment is never brought back by a read (``KEPT_BY_READS``): its removal may still be
      on its way to the platform, and a restore goes through its snapshot.
    - Not listed any more, or the activity deactivated: an enrollment still in the activity
      leaves it the way its stage leaves (withdrawn, removed, terminated).
    - EXPIRED activities keep their enrollments' last states (the activity just ended)."""
    stage = STAGE_OF_STATUS.get(platform_status)
    if listed and stage is not None:
        if current is None:
            return stage
        if current == stage or current in KEPT_BY_READS:
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


class WriteAction(StrEnum):
    """What one recorded platform write does (an intent's ``action``)."""

    REMOVE = "remove_products"
    DEACTIVATE = "deactivate_activity"
    UPDATE = "update_activity_products"
    REPUBLISH = "republish_activity"
    INVENTORY = "set_inventory"
    DELIST = "delist_products"
    RELIST = "relist_products"


# Activity types the platform republishes (the changelog: product discounts and flash deals).
REPUBLISHABLE_TYPES = frozenset({"FIXED_PRICE", "DIRECT_DISCOUNT", "FLASHSALE"})
REPUBLISHABLE_STATUSES = frozenset({"EXPIRED", "DEACTIVATED"})


def republishable(status: str, immutable: bool, activity_type: str, allowed: bool) -> bool:
    """Whether an activity can be put back online by Republish (spec §1.1, §1.5): an expired
    or deactivated product discount or flash deal, not IMMUTABLE, where the setting allows
    the (new, 2026-07) API at all."""
    return (
        allowed
        and not immutable
        and status in REPUBLISHABLE_STATUSES
        and activity_type in REPUBLISHABLE_TYPES
    )


def percent_off(price_minor: int, activity_price_minor: int) -> int:
    """The whole percent off ``price_minor`` an activity price gives (the inverse of
    ``discounted``, rounded half up), within 0..100."""
    if price_minor <= 0:
        return 0
    saved = (price_minor - activity_price_minor) * 100
    return max(0, min(100, (2 * saved + price_minor) // (2 * price_minor)))


def split_stock(
    total: int, skus: Sequence[str], saved: dict[str, int] | None = None
) -> dict[str, int]:
    """A product's stock spread over its SKUs for an inventory update: the saved quantities
    when they add up to ``total`` (a snapshot restore), else as evenly as possible, the
    remainder on the first SKUs."""
    if not skus:
        return {}
    if saved and set(saved) == set(skus) and sum(saved.values()) == total:
        return {sku: saved[sku] for sku in skus}
    share, rest = divmod(max(total, 0), len(skus))
    return {sku: share + (1 if n < rest else 0) for n, sku in enumerate(skus)}


def orderable(product_status_listed: bool, stock: int, stock_expected: bool) -> bool:
    """A buyer can order the product at its normal price: it is active on the platform and has
    stock, unless its stock was at zero on purpose (stock to zero was the path)."""
    return product_status_listed and (stock > 0 or not stock_expected)


class Problem(StrEnum):
    """What a verification's read-back of the platform found wrong."""

    ACTIVITY_PRICE = "activity_price"  # the activity still lists the product and runs
    NOT_ORDERABLE = "not_orderable"  # not active, or no stock when it should have some
    COUPON_ACTIVE = "coupon_active"  # a linked coupon still runs for the product
    NOT_READ = "not_read"  # the platform could not be read


def verification_verdict(
    *,
    still_in_activity: bool,
    activity_status: str,
    product_listed: bool,
    stock: int,
    stock_expected: bool,
) -> list[str]:
    """The problems the platform's read-back shows after a cancel (none: passed).

    - ``activity_price``: the activity still lists the product and runs (or will run): the
      product still shows, or will show, the activity price;
    - ``not_orderable``: the product is not active or has no stock when it should have some."""
    problems = []
    if still_in_activity and activity_status in REMOVABLE_STATUSES:
        problems.append("activity_price")
    if not orderable(product_listed, stock, stock_expected):
        problems.append("not_orderable")
    return problems
