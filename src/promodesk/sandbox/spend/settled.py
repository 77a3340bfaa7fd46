"""The kept spend of an ad account's ended days.

Rules: a day that has ended (its end is at or before now) never changes again: every change (a
budget, a status, a new object) takes effect from its own instant, which is now. The world
therefore keeps the spend of ended days per ad account (``Settled``), computed once for every
object of a level, and each report reads it instead of walking the budget and status history
again.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass
class Settled:
    """The spend of an ad account's ended days, shared by every request (see the module's rules).

    ``campaigns`` holds one array per day (a campaign's spend at its index), filled in day order
    from ``first`` through ``through`` (a lifetime cap sums the days before, so they come first).
    ``levels`` holds the ad group and ad arrays of a day, and the 24 hourly arrays of a level's
    day, as reports ask for them. An object made after an array was computed lies past its end:
    it had no spend on that day.
    """

    first: date
    through: date | None = None
    campaigns: dict[date, array[int]] = field(default_factory=dict)
    levels: dict[tuple[str, date, bool], array[int] | tuple[array[int], ...]] = field(
        default_factory=dict
    )

    def forget_from(self, day: date) -> None:
        """Drop ``day`` and every later day: a change was recorded on ``day`` (a sandbox clock
        set back in time can record one on a day that had ended)."""
        self.campaigns = {d: v for d, v in self.campaigns.items() if d < day}
        self.levels = {k: v for k, v in self.levels.items() if k[1] < day}
        if self.through is not None and self.through >= day:
            self.through = day - timedelta(days=1) if day > self.first else None


def spend_array(values: Sequence[int] | None = None, size: int = 0) -> array[int]:
    return array("q", values) if values is not None else array("q", bytes(8 * size))
