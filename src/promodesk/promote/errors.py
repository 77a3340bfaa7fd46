"""Promote errors. Each carries its HTTP status through the product's one error tree."""

from __future__ import annotations

from promodesk.kit.errors import Conflict, InvalidTransition, ValidationFailed


class NotEligible(ValidationFailed):
    """The creator or content may not be promoted; ``reasons`` lists every failed rule."""


class GoalNotAllowed(ValidationFailed):
    """The goal does not fit the content; ``allowed_goals`` lists the ones that do."""


class CouponNotUsable(Conflict):
    """The coupon is not the creator's, not valid now, already used, or worth the budget or more."""


class PauseNotSupported(InvalidTransition):
    """Promote orders cannot be paused; they can be stopped (cancelled)."""
