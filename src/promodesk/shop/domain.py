"""Pure shop rules: enrollment states, the stage-aware cancel path, guardrails, the low-traffic
window in the shop's time zone.

Rules (from the seed, as activity settings with the seed's numbers as defaults):
- Stage decides the path: 待审核 pending review → withdraw; 已审核 approved and the activity not
  started → remove ("edit activity"); started → terminate participation, then the enrollment
  leaves the activity.
- Guardrails, per activity and shop: the products still enrolled stay ≥ the minimum; the
  cumulative cancel ratio (cancelled / enrolled slots) stays ≤ the maximum percent; the
  activity is not immutable. Integer arithmetic: ``cancelled * 100 <= max_percent * enrolled``.
  Cancellations scheduled in a low-traffic window (a batch not run yet and not called off)
  count as if done: they leave the remaining count and add to the cancelled count.
- Forcing a violation needs the admin role; it is recorded as a risk-control event and the
  shop may not enroll new products for the activity's penalty days.
- Replace: the replacement's activity price keeps the old discount *percentage* (exact, then
  rounded once, half up, to the currency's cash unit) unless a price is given, and is never
  above its original price; it goes to review when the activity's rules say so
  (``replace_price``, ``replace_needs_review``). A replace is no cancellation.
- The low-traffic window is wall-clock time in the shop's zone (default 01:00–05:00); it may
  cross midnight. Times are computed per local date, so a DST change moves the UTC instant,
  never the local time; a local start that does not exist (spring forward) moves to the first
  valid instant after it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from promodesk.kit import money
from promodesk.kit.errors import N_, InvalidTransition, ValidationFailed

DEFAULT_TIMEZONE = "Asia/Shanghai"


class State(StrEnum):
    PENDING_REVIEW = "pending_review"  # 待审核
    APPROVED = "approved"  # 已审核
    LIVE = "live"  # 已开始
    WITHDRAWN = "withdrawn"
    REMOVED = "removed"
    TERMINATED = "terminated"
    STOCK_ZEROED = "stock_zeroed"
    DELISTED = "delisted"
    REPLACED = "replaced"
    REJECTED = "rejected"


S = State
ALLOWED: dict[State, frozenset[State]] = {
    S.PENDING_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN, S.REPLACED}),
    S.APPROVED: frozenset({S.LIVE, S.REMOVED, S.TERMINATED, S.STOCK_ZEROED, S.REPLACED}),
    S.LIVE: frozenset({S.TERMINATED, S.STOCK_ZEROED, S.REPLACED}),
    S.STOCK_ZEROED: frozenset({S.APPROVED, S.LIVE, S.DELISTED, S.REMOVED, S.TERMINATED}),
    # A cancellation made through promodesk may be restored from its snapshot.
    S.WITHDRAWN: frozenset({S.PENDING_REVIEW}),
    S.REMOVED: frozenset({S.APPROVED}),
    S.TERMINATED: frozenset({S.LIVE, S.APPROVED}),
    S.DELISTED: frozenset(),
    # A replace made through promodesk may be restored from its snapshot: the original goes
    # back to its stage (and the replacement becomes replaced by it).
    S.REPLACED: frozenset({S.PENDING_REVIEW, S.APPROVED, S.LIVE}),
    S.REJECTED: frozenset(),
}

#: states in which the product still occupies a slot of the activity
IN_ACTIVITY = frozenset({S.PENDING_REVIEW, S.APPROVED, S.LIVE, S.STOCK_ZEROED})
#: states a cancel can start from
CANCELLABLE = frozenset({S.PENDING_REVIEW, S.APPROVED, S.LIVE, S.STOCK_ZEROED})
#: states that are the result of a cancellation
CANCELLED = frozenset({S.WITHDRAWN, S.REMOVED, S.TERMINATED})
#: states in which a buyer can buy the product at the activity price (given stock)
PURCHASABLE = frozenset({S.APPROVED, S.LIVE})


class Path(StrEnum):
    WITHDRAW = "withdraw"  # 取消报名
    REMOVE = "remove"  # 编辑活动 → 移除
    TERMINATE = "terminate"  # 终止商品参与


class Reason(StrEnum):
    STOCK_SHORTAGE = "stock_shortage"
    WRONG_INFORMATION = "wrong_information"
    PLAN_CHANGE = "plan_change"
    OTHER = "other"


class Alternative(StrEnum):
    REPLACE = "replace"
    STOCK_TO_ZERO = "stock_to_zero"
    PRESALE = "presale"


def parse_state(value: str) -> State:
    try:
        return State(value)
    except ValueError:
        allowed = ", ".join(s.value for s in State)
        raise ValidationFailed(
            f"unknown state {value!r}; use one of {allowed}", field="state"
        ) from None


def _is_id(cell: str) -> bool:
    return cell.isascii() and cell.isdigit() and len(cell) <= 19 and 1 <= int(cell) < 2**63


def parse_csv_ids(text: str, field: str) -> list[int]:
    """Ids from a CSV: every non-empty cell of every line is an id (one column or
    comma-separated); only a first line with no id in it is taken as a header. Anything else
    is refused naming the line and the cell, never dropped."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationFailed(f"not a CSV: {exc}", field=field) from None
    ids: list[int] = []
    for n, row in enumerate(rows):
        cells = [c.strip() for c in row if c.strip()]
        if n == 0 and cells and not any(_is_id(c) for c in cells):
            continue  # a header
        for cell in cells:
            if not _is_id(cell):
                raise ValidationFailed(
                    f"line {n + 1}: {cell[:40]!r} is not a product id", field=field
                )
            ids.append(int(cell))
    return ids


def check_activity_price(activity_price_minor: int, price_minor: int) -> None:
    """An activity price is a discount: never above the product's original price."""
    if activity_price_minor > price_minor:
        raise ValidationFailed(
            f"the activity price {activity_price_minor} is above the product's original price "
            f"{price_minor} (minor units); an activity price may not exceed it",
            field="activity_price_minor",
        )


# replace --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplacePrice:
    """The replacement's activity price and what it means for the buyer."""

    activity_price_minor: int
    discount_percent: Decimal  # off the new original price, 2 decimals, for display
    source: str  # "kept_discount" or "explicit"
    rounding: str = "half_up"


def discount_percent(activity_price_minor: int, price_minor: int) -> Decimal:
    """The discount an activity price gives off an original price, in percent, computed
    exactly and shown with 2 decimals (half up); 0 for a price of 0."""
    if price_minor <= 0:
        return Decimal("0.00")
    exact = Decimal((price_minor - activity_price_minor) * 100) / Decimal(price_minor)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def replace_price(
    old_price_minor: int,
    old_activity_price_minor: int,
    new_price_minor: int,
    currency: str,
    explicit_minor: int | None = None,
) -> ReplacePrice:
    """The activity price of a replacement.

    Rules:
    - An explicit price is used as given; it may not be negative nor above the new product's
      original price (``check_activity_price``).
    - Otherwise the discount *percentage* carries over, never the absolute price:
      ``new × old_activity / old``, computed exactly on integers (no intermediate rounding)
      and rounded once, **half up**, to the unit the currency is paid in
      (``money.cash_unit``), like every customer price. ¥188 at the 15 % of ¥117.30/¥138 is
      ¥159.80.
    - An old original price of 0 (or an old activity price above it) gives no discount to
      keep: an explicit price is needed.
    """
    if explicit_minor is not None:
        if explicit_minor < 0:
            raise ValidationFailed(
                "the activity price cannot be negative", field="activity_price_minor"
            )
        check_activity_price(explicit_minor, new_price_minor)
        return ReplacePrice(
            explicit_minor, discount_percent(explicit_minor, new_price_minor), "explicit"
        )
    if old_price_minor <= 0 or not 0 <= old_activity_price_minor <= old_price_minor:
        raise ValidationFailed(
            "the replaced product's activity price is no discount of its original price; "
            "give the replacement's activity price",
            field="activity_price_minor",
        )
    unit = money.cash_unit(currency)
    numerator = new_price_minor * old_activity_price_minor
    denominator = old_price_minor * unit
    steps = (2 * numerator + denominator) // (2 * denominator)  # half up, exact
    price = steps * unit
    check_activity_price(price, new_price_minor)
    return ReplacePrice(price, discount_percent(price, new_price_minor), "kept_discount")


def replace_needs_review(
    state: str, review_replacements: bool, review_price_changes: bool, price_changed: bool
) -> bool:
    """Rules: a replacement of a product still pending review is pending review itself;
    otherwise it goes to review (待审核) when the activity reviews replacement products
    (``review_replacements``) or reviews price changes (``review_price_changes``) and the
    activity price changes. Without review it takes the old enrollment's stage at once."""
    if State(state) is S.PENDING_REVIEW:
        return True
    return review_replacements or (review_price_changes and price_changed)


def parse_reason(code: str, text: str = "") -> tuple[Reason, str]:
    """A cancel carries a reason; ``other`` needs a text."""
    try:
        reason = Reason(code)
    except ValueError:
        allowed = ", ".join(r.value for r in Reason)
        raise ValidationFailed(
            f"unknown reason {code!r}; use one of {allowed}", field="reason"
        ) from None
    text = text.strip()
    if reason is Reason.OTHER and not text:
        raise ValidationFailed("the reason 'other' needs a text", field="reason_text")
    return reason, text


def transition(current: str, target: str) -> State:
    """Guard one edge of the enrollment state machine (409 ``InvalidTransition`` otherwise)."""
    cur, tgt = State(current), State(target)
    if tgt not in ALLOWED[cur]:
        raise InvalidTransition(
            f"an enrollment cannot go from {cur.value} to {tgt.value}",
            message=N_("A product cannot go from %(state)s to %(target_state)s."),
            params={"state": cur.value, "target_state": tgt.value},
        )
    return tgt


def cancel_path(state: str, activity_started: bool) -> tuple[Path, State]:
    """The stage-aware path and the state it leads to."""
    cur = State(state)
    if cur not in CANCELLABLE:
        raise InvalidTransition(
            f"an enrollment in state {cur.value} cannot be cancelled",
            message=N_("A product in the stage %(state)s cannot be cancelled."),
            params={"state": cur.value},
        )
    if cur is S.PENDING_REVIEW:
        return Path.WITHDRAW, S.WITHDRAWN
    if cur is S.LIVE or activity_started:
        return Path.TERMINATE, S.TERMINATED
    return Path.REMOVE, S.REMOVED


def restore_target(cancelled_state: str, activity_started: bool) -> State:
    """Where a restored cancellation goes back to."""
    cur = State(cancelled_state)
    if cur is S.WITHDRAWN:
        return S.PENDING_REVIEW
    if cur in (S.REMOVED, S.TERMINATED):
        return S.LIVE if activity_started else S.APPROVED
    raise InvalidTransition(
        f"an enrollment in state {cur.value} has no cancellation to restore",
        message=N_("A product in the stage %(state)s has no cancellation to restore."),
        params={"state": cur.value},
    )


# guardrails ----------------------------------------------------------------------------------


class Rule(StrEnum):
    MIN_PRODUCTS = "min_products"
    MAX_CANCEL_RATIO = "max_cancel_ratio"
    IMMUTABLE = "immutable"


@dataclass(frozen=True)
class Rules:
    """An activity's rules (the seed's numbers are the defaults)."""

    min_products: int = 5
    max_cancel_percent: int = 30
    immutable: bool = False


@dataclass(frozen=True)
class Counts:
    """Per activity and shop: slots ever enrolled, products still in, cancellations so far,
    and cancellations scheduled in a window that has not run yet (counted as if done)."""

    enrolled: int
    active: int
    cancelled: int
    scheduled: int = 0


@dataclass(frozen=True)
class Violation:
    rule: Rule
    detail: str
    limit: int
    value: int

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule.value,
            "detail": self.detail,
            "limit": self.limit,
            "value": self.value,
        }


@dataclass(frozen=True)
class Verdict:
    """What cancelling ``n`` more would do to one activity and shop."""

    n: int
    counts: Counts
    remaining_after: int
    cancelled_after: int
    ratio_after_percent: float
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict[str, object]:
        return {
            "cancel": self.n,
            "enrolled": self.counts.enrolled,
            "remaining_before": self.counts.active,
            "remaining_after": self.remaining_after,
            "cancelled_before": self.counts.cancelled,
            "scheduled": self.counts.scheduled,
            "cancelled_after": self.cancelled_after,
            "ratio_after_percent": self.ratio_after_percent,
            "ok": self.ok,
            "violations": [v.as_dict() for v in self.violations],
        }


def ratio_percent(cancelled: int, enrolled: int) -> float:
    return round(100.0 * cancelled / enrolled, 2) if enrolled else 0.0


def ratio_ok(cancelled: int, enrolled: int, max_percent: int) -> bool:
    return cancelled * 100 <= max_percent * enrolled


def check(rules: Rules, counts: Counts, n: int) -> Verdict:
    """The guardrails for cancelling ``n`` more products of one shop in one activity
    (scheduled cancellations counted as if done)."""
    remaining = counts.active - counts.scheduled - n
    cancelled = counts.cancelled + counts.scheduled + n
    violations: list[Violation] = []
    if rules.immutable and n > 0:
        violations.append(Violation(Rule.IMMUTABLE, "the activity is immutable", 0, n))
    if n > 0 and remaining < rules.min_products:
        violations.append(
            Violation(
                Rule.MIN_PRODUCTS,
                f"{remaining} products would remain; the activity needs at least "
                f"{rules.min_products}",
                rules.min_products,
                remaining,
            )
        )
    if n > 0 and not ratio_ok(cancelled, counts.enrolled, rules.max_cancel_percent):
        violations.append(
            Violation(
                Rule.MAX_CANCEL_RATIO,
                f"{cancelled} of {counts.enrolled} enrolled products would be cancelled "
                f"({ratio_percent(cancelled, counts.enrolled)} %); the maximum is "
                f"{rules.max_cancel_percent} %",
                rules.max_cancel_percent,
                cancelled,
            )
        )
    return Verdict(
        n, counts, remaining, cancelled, ratio_percent(cancelled, counts.enrolled), violations
    )


def allowed_count(rules: Rules, counts: Counts) -> int:
    """How many more products may be cancelled without breaking a guardrail."""
    if rules.immutable:
        return 0
    by_min = counts.active - counts.scheduled - rules.min_products
    by_ratio = (
        (rules.max_cancel_percent * counts.enrolled) // 100 - counts.cancelled - counts.scheduled
    )
    return max(0, min(by_min, by_ratio))


def alternatives(presale_allowed: bool, immutable: bool) -> list[Alternative]:
    """The seed's safer alternatives, where the activity allows them."""
    if immutable:
        return []
    found = [Alternative.REPLACE, Alternative.STOCK_TO_ZERO]
    if presale_allowed:
        found.append(Alternative.PRESALE)
    return found


def penalty_until(at: datetime, days: int) -> datetime | None:
    return at + timedelta(days=days) if days > 0 else None


# low-traffic window --------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """A validated IANA time zone."""
    if not name or len(name) > 64 or name not in _zones():
        raise ValidationFailed(
            f"unknown time zone {name!r}; use an IANA name such as {DEFAULT_TIMEZONE}",
            field="timezone",
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"unknown time zone {name!r}", field="timezone") from None


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def check_minute(value: int, name: str) -> int:
    if not 0 <= value < 24 * 60:
        raise ValidationFailed(f"{name} is a minute of the day, 0..1439", field=name)
    return value


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``minute`` on ``day`` in ``tz``. A wall time skipped by
    a DST change (spring forward) moves to the first instant after the gap; a repeated one
    (fall back) takes its first occurrence."""
    naive = datetime.combine(day, time(minute // 60, minute % 60))
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # Nonexistent: fold=1 maps it with the offset after the gap (too early), fold=0 with the
    # offset before it (too late); the gap's end lies between, on a whole minute.
    probe = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    while probe.astimezone(tz).replace(tzinfo=None) < naive:
        probe += timedelta(minutes=1)
    return probe


@dataclass(frozen=True)
class Window:
    start: datetime  # UTC
    end: datetime  # UTC

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


def windows_around(at: datetime, tz: ZoneInfo, start_min: int, end_min: int) -> list[Window]:
    """The windows that start on the local day before, of and after ``at``."""
    local_day = at.astimezone(tz).date()
    found = []
    for offset in (-1, 0, 1, 2):
        day = local_day + timedelta(days=offset)
        end_day = day if end_min > start_min else day + timedelta(days=1)
        found.append(Window(_local(day, start_min, tz), _local(end_day, end_min, tz)))
    return found


def in_window(at: datetime, tz_name: str, start_min: int, end_min: int) -> bool:
    if start_min == end_min:
        return True  # a window of 24 h: any time is low-traffic
    tz = zone(tz_name)
    return any(w.contains(at) for w in windows_around(at, tz, start_min, end_min))


def next_window(at: datetime, tz_name: str, start_min: int, end_min: int) -> Window:
    """The window ``at`` is in, or else the next one to start (UTC instants)."""
    tz = zone(tz_name)
    if start_min == end_min:
        return Window(at, at + timedelta(days=1))
    for w in windows_around(at, tz, start_min, end_min):
        if w.contains(at) or w.start > at:
            return w
    raise AssertionError("a window starts within two days")  # pragma: no cover
