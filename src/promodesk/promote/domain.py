"""Promote rules, pure: eligibility, goals, coupons, refund split, delivery cap, order states.

Order lifecycle (``ALLOWED``): a video order waits ``in_review`` and then delivers; a LIVE order
delivers at once while its review is pending (reviewed while broadcasting). Every order ends
``completed`` (budget spent or duration over), ``stopped`` (cancelled by the creator) or
``rejected`` (by a reviewer). There is no pause. Settlement (the refund of the unspent rest) is
tracked apart: ``unsettled`` → ``settled``, exactly once per order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

import pycountry

from promodesk.kit.errors import InvalidTransition, ValidationFailed
from promodesk.promote.errors import (
    CouponNotUsable,
    GoalNotAllowed,
    NotEligible,
    PauseNotSupported,
)


class AccountType(StrEnum):
    BUSINESS = "business"
    CREATOR = "creator"
    PERSONAL = "personal"


class DeviceOS(StrEnum):
    ANDROID = "android"
    IOS = "ios"


class ContentKind(StrEnum):
    VIDEO = "video"
    LIVE = "live"


class PromoteType(StrEnum):
    VIDEO = "video"
    ECOMMERCE = "ecommerce"  # a video with an e-commerce anchor
    LIVE = "live"


class Goal(StrEnum):
    VIDEO_VIEWS = "video_views"
    WEBSITE_VISITS = "website_visits"
    FOLLOWERS = "followers"
    PRODUCT_CLICKS = "product_clicks"
    LIVE_VIEWERS = "live_viewers"


class OrderStatus(StrEnum):
    IN_REVIEW = "in_review"
    DELIVERING = "delivering"
    COMPLETED = "completed"
    STOPPED = "stopped"
    REJECTED = "rejected"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class SettlementStatus(StrEnum):
    UNSETTLED = "unsettled"
    SETTLED = "settled"


class CouponStatus(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    CONSUMED = "consumed"
    EXPIRED = "expired"


# -- values -----------------------------------------------------------------------------------

_VERSION = re.compile(r"^\d{1,6}(\.\d{1,6}){0,3}$")


def parse_version(value: str) -> tuple[int, ...]:
    """``"20.10.1"`` → ``(20, 10, 1)``: versions compare numerically, so 20.10 > 20.4."""
    text = (value or "").strip().lstrip("vV")
    if not _VERSION.match(text):
        raise ValidationFailed(f"{value!r} is not an app version like 20.4", field="app_version")
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()  # 20.4.0 == 20.4
    return tuple(parts)


def validate_region(code: str) -> str:
    """An ISO 3166-1 alpha-2 country code, upper-cased (``gb`` → ``GB``)."""
    upper = (code or "").strip().upper()
    if len(upper) != 2 or pycountry.countries.get(alpha_2=upper) is None:
        raise ValidationFailed(
            f"{code!r} is not an ISO 3166-1 alpha-2 country code", field="region"
        )
    return upper


def age_on(birth: date, today: date) -> int:
    years = today.year - birth.year
    return years - 1 if (today.month, today.day) < (birth.month, birth.day) else years


@dataclass(frozen=True)
class Limits:
    min_age: int = 18
    min_app_version: tuple[int, ...] = (20, 4)
    account_types: frozenset[str] = frozenset(a.value for a in AccountType)
    regions: dict[str, frozenset[str]] = field(default_factory=dict)
    live_start_window_minutes: int = 30
    budget_min: int = 100
    budget_max: int = 10_000_000
    duration_min_hours: int = 1
    duration_max_hours: int = 168


@dataclass(frozen=True, slots=True)
class CreatorFacts:
    birth_date: date
    account_type: str
    app_version: str
    region: str


@dataclass(frozen=True, slots=True)
class ContentFacts:
    kind: str
    has_ecommerce_anchor: bool = False
    commercial_music: bool = False
    on_air: bool = False
    scheduled_start: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str


def promote_type(content: ContentFacts) -> PromoteType:
    if content.kind == ContentKind.LIVE:
        return PromoteType.LIVE
    return PromoteType.ECOMMERCE if content.has_ecommerce_anchor else PromoteType.VIDEO


def eligibility(
    creator: CreatorFacts, content: ContentFacts | None, at: datetime, limits: Limits
) -> list[Reason]:
    """Every rule the creator (and content, when given) fails; an empty list means eligible."""
    reasons: list[Reason] = []
    if age_on(creator.birth_date, at.date()) < limits.min_age:
        reasons.append(Reason("under_age", f"Promote is for users aged {limits.min_age}+."))
    if creator.account_type not in limits.account_types:
        allowed = ", ".join(sorted(limits.account_types))
        reasons.append(
            Reason("account_type", f"{creator.account_type} accounts cannot promote ({allowed}).")
        )
    try:
        too_old = parse_version(creator.app_version) < limits.min_app_version
    except ValidationFailed:
        too_old = True
    if too_old:
        need = ".".join(str(p) for p in limits.min_app_version)
        reasons.append(Reason("app_version", f"Update the app to v{need} or later."))
    if content is None:
        return reasons
    kind = promote_type(content)
    if content.kind == ContentKind.VIDEO and not content.commercial_music:
        reasons.append(Reason("music", "The video's background music must be commercial music."))
    if creator.region not in limits.regions.get(kind.value, frozenset()):
        reasons.append(
            Reason("region", f"Promote ({kind.value}) is not launched in {creator.region}.")
        )
    if content.kind == ContentKind.LIVE and not live_ready(content, at, limits):
        reasons.append(
            Reason(
                "live_not_on_air",
                "The LIVE must be on air or start within "
                f"{limits.live_start_window_minutes} minutes.",
            )
        )
    return reasons


def check_scheduled_start(start: datetime | None, at: datetime) -> None:
    """A LIVE is scheduled to start in the future, never in the past."""
    if start is not None and start < at:
        raise ValidationFailed(
            f"the scheduled start {start.isoformat()} is in the past", field="scheduled_start"
        )


def live_ended(was_on_air: bool, on_air: bool, scheduled_start: datetime | None) -> bool:
    """Whether a LIVE state change ends the LIVE: it goes off air, or (never on air) its
    scheduled start is withdrawn. Its open orders end with it."""
    return not on_air and (was_on_air or scheduled_start is None)


def live_ready(content: ContentFacts, at: datetime, limits: Limits) -> bool:
    if content.on_air:
        return True
    start = content.scheduled_start
    window = timedelta(minutes=limits.live_start_window_minutes)
    return start is not None and at <= start <= at + window


def require_eligible(reasons: list[Reason]) -> None:
    if reasons:
        raise NotEligible(
            "not eligible for Promote: " + " ".join(r.message for r in reasons),
            reasons=[{"code": r.code, "message": r.message} for r in reasons],
        )


# -- goals ------------------------------------------------------------------------------------

GOALS: dict[PromoteType, tuple[Goal, ...]] = {
    PromoteType.VIDEO: (Goal.VIDEO_VIEWS, Goal.WEBSITE_VISITS, Goal.FOLLOWERS),
    PromoteType.ECOMMERCE: (Goal.VIDEO_VIEWS, Goal.PRODUCT_CLICKS, Goal.FOLLOWERS),
    PromoteType.LIVE: (Goal.LIVE_VIEWERS,),
}

# Which result counter each goal is measured by (cost per result).
GOAL_RESULT: dict[Goal, str] = {
    Goal.VIDEO_VIEWS: "views",
    Goal.WEBSITE_VISITS: "website_visits",
    Goal.FOLLOWERS: "follows",
    Goal.PRODUCT_CLICKS: "product_clicks",
    Goal.LIVE_VIEWERS: "live_viewers",
}
RESULT_FIELDS = ("views", "website_visits", "follows", "product_clicks", "live_viewers")

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def allowed_goals(content: ContentFacts) -> tuple[Goal, ...]:
    return GOALS[promote_type(content)]


def check_goal(content: ContentFacts, goal: str, website_url: str | None) -> Goal:
    """The goal, if it fits the content; website visits need an http(s) URL."""
    allowed = allowed_goals(content)
    if goal not in {g.value for g in allowed}:
        names = ", ".join(g.value for g in allowed)
        raise GoalNotAllowed(
            f"goal {goal!r} is not available for this content; choose one of: {names}",
            field="goal",
            allowed_goals=[g.value for g in allowed],
        )
    chosen = Goal(goal)
    bad_url = not website_url or len(website_url) > 2000 or not _URL.match(website_url)
    if chosen == Goal.WEBSITE_VISITS and bad_url:
        raise ValidationFailed(
            "more website visits needs the website's http(s) URL", field="website_url"
        )
    return chosen


def check_budget(budget: int, duration_hours: int, limits: Limits) -> None:
    if not limits.budget_min <= budget <= limits.budget_max:
        raise ValidationFailed(
            f"the budget must be between {limits.budget_min:,} and {limits.budget_max:,} coins",
            field="budget_coins",
        )
    if not limits.duration_min_hours <= duration_hours <= limits.duration_max_hours:
        raise ValidationFailed(
            f"the duration must be between {limits.duration_min_hours:,} and "
            f"{limits.duration_max_hours:,} hours",
            field="duration_hours",
        )


# -- coupons ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CouponFacts:
    creator_id: int
    value: int
    valid_from: datetime
    valid_until: datetime
    status: str


def coupon_status(coupon: CouponFacts, at: datetime) -> CouponStatus:
    """The status as shown: an unused coupon past its window reads ``expired``."""
    if coupon.status == CouponStatus.AVAILABLE and at >= coupon.valid_until:
        return CouponStatus.EXPIRED
    return CouponStatus(coupon.status)


def check_coupon(coupon: CouponFacts, creator_id: int, budget: int, at: datetime) -> None:
    """A coupon is usable once per order, by its creator, inside its validity window, and only
    if the budget is **greater than** its value."""
    if coupon.creator_id != creator_id:
        raise CouponNotUsable("this coupon belongs to another creator", field="coupon_id")
    status = coupon_status(coupon, at)
    if status != CouponStatus.AVAILABLE:
        raise CouponNotUsable(f"this coupon is {status.value}", field="coupon_id")
    if at < coupon.valid_from:
        raise CouponNotUsable(
            f"this coupon is valid from {coupon.valid_from.isoformat()}", field="coupon_id"
        )
    if budget <= coupon.value:
        raise CouponNotUsable(
            f"a coupon of {coupon.value} coins needs a budget greater than {coupon.value} coins",
            field="budget_coins",
        )


# -- money ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefundSplit:
    to_wallet: int  # paid coins back to the creator
    to_coupon_funding: int  # unused coupon value back to the issuer
    coupon_restored: bool  # True: nothing was spent, the coupon is usable again


def refund_split(paid: int, coupon: int, spent: int) -> RefundSplit:
    """Split the unspent rest of an ended order.

    Spend draws on the coupon first. The creator gets back ``min(paid, budget − spent)``; the
    coupon funding account gets the rest. Once spending has started the coupon is gone; with
    nothing spent (e.g. rejected before delivery) everything returns, coupon included.
    """
    budget = paid + coupon
    if min(paid, coupon, spent) < 0 or spent > budget:
        raise ValueError("spent must be between 0 and the budget")
    rest = budget - spent
    to_wallet = min(paid, rest)
    return RefundSplit(to_wallet, rest - to_wallet, coupon_restored=spent == 0 and coupon > 0)


def cap_spend(remaining: int, spend: int) -> tuple[int, int]:
    """``(charged, over_delivered)``: never charge past what the escrow still holds."""
    charged = max(0, min(remaining, spend))
    return charged, spend - charged


# -- order states -----------------------------------------------------------------------------

_S = OrderStatus
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.IN_REVIEW: frozenset({_S.DELIVERING, _S.STOPPED, _S.REJECTED}),
    _S.DELIVERING: frozenset({_S.COMPLETED, _S.STOPPED, _S.REJECTED}),
    _S.COMPLETED: frozenset(),
    _S.STOPPED: frozenset(),
    _S.REJECTED: frozenset(),
}
ENDED = frozenset({_S.COMPLETED, _S.STOPPED, _S.REJECTED})
OPEN = frozenset({_S.IN_REVIEW, _S.DELIVERING})


# How a refusal names a status ("an order in review") and a change to it ("cannot be started").
_STATUS_WORDS = {_S.IN_REVIEW: "in review"}
_CHANGE_WORDS = {_S.IN_REVIEW: "sent back to review", _S.DELIVERING: "started"}


def transition(
    current: OrderStatus | str, target: OrderStatus | str, *, what: str = "the order"
) -> OrderStatus:
    """The guard of every status change; raises ``InvalidTransition`` (409) saying, in plain
    words, "order 12 is already stopped" or "a stopped order cannot be started" (``what``
    names the order)."""
    cur, tgt = OrderStatus(current), OrderStatus(target)
    if tgt not in ALLOWED[cur]:
        if cur in ENDED:
            raise InvalidTransition(f"{what} is already {cur.value}")
        state = _STATUS_WORDS.get(cur)
        subject = f"an order {state}" if state else f"a {cur.value} order"
        raise InvalidTransition(f"{subject} cannot be {_CHANGE_WORDS.get(tgt, tgt.value)}")
    return tgt


def sources_for(target: OrderStatus) -> frozenset[OrderStatus]:
    """The statuses from which ``target`` may be reached (for compare-and-set updates)."""
    return frozenset(s for s, nxt in ALLOWED.items() if target in nxt)


def refuse_pause() -> None:
    raise PauseNotSupported(
        "Promote orders cannot be paused. You can stop (cancel) the order instead: delivery "
        "ends and the unspent coins return to your balance."
    )
