"""Guardrails of a cancel, per activity and shop, and the seed's safer alternatives.

Rules (from the seed, as activity settings with the seed's numbers as defaults):
- The products still enrolled stay ≥ the minimum; the cumulative cancel ratio (cancelled /
  enrolled slots) stays ≤ the maximum percent; the activity is not immutable. Integer
  arithmetic: ``cancelled * 100 <= max_percent * enrolled``.
- Cancellations scheduled in a low-traffic window (a batch not run yet and not called off)
  count as if done: they leave the remaining count and add to the cancelled count.
- Forcing a violation needs the admin role; it is recorded as a risk-control event and the
  shop may not enroll new products for the activity's penalty days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


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


class Alternative(StrEnum):
    REPLACE = "replace"
    STOCK_TO_ZERO = "stock_to_zero"
    PRESALE = "presale"


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
