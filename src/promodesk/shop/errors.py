"""Shop errors. Each carries its HTTP status through the product's one error tree."""

from __future__ import annotations

from promodesk.kit.errors import Conflict, InvalidTransition, ValidationFailed


class GuardrailViolation(Conflict):
    """A cancel would break an activity rule. The body carries ``violations`` (rule, numbers),
    ``verdicts`` per activity and shop, and the safer ``alternatives``; an admin may force it."""


class ShopRestricted(Conflict):
    """Risk control: the shop may not enroll new products until ``restricted_until``."""


class ActivityClosed(InvalidTransition):
    """The activity's rules do not allow this change any more (ended, immutable, no presale)."""


class NothingToDo(Conflict):
    """The selection holds nothing this action applies to (already cancelled, wrong state)."""


class AlreadyScheduled(Conflict):
    """An enrollment waits in a scheduled low-traffic-window batch: it cannot be scheduled or
    cancelled again until that batch runs or is called off. The body names ``scheduled``
    (enrollment id → batch id)."""


class BreaksOtherActivity(Conflict):
    """A product-level action (stock to zero) would break the rules of another activity the
    product is enrolled in. The body names the ``refusals`` (enrollment, activity, verdict,
    words); an admin may force it unless an activity is immutable."""


class PlatformNotLinked(Conflict):
    """The shop has no platform link (or it waits for re-authorization): link it first."""


class PlatformReauthorize(Conflict):
    """The platform no longer honours the shop's tokens: the seller must authorize again.
    The link and everything mirrored through it are kept."""


class PlatformUnavailable(Conflict):
    """The platform failed to answer or refused the call; nothing was changed here. The body
    carries the platform's ``code`` and ``request_id`` when it gave them."""


class PlatformChoiceNeeded(Conflict):
    """The authorization covers several platform shops: pick one by its ``cipher``. The body
    lists the ``shops``."""


class InvalidPlatformState(ValidationFailed):
    """The authorization callback's ``state`` is missing, forged, expired or for another shop."""
