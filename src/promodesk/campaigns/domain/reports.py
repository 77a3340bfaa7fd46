"""Report metrics and the rules derived from them (pure).

A ``Metrics`` is a sum of report rows; the ratios are computed from the sums, never averaged
(the CTR of a week is its clicks over its impressions). Money stays in minor units of one
currency; a ratio that divides by zero is ``None`` (shown as a dash).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum


class Level(StrEnum):
    CAMPAIGN = "campaign"
    ADGROUP = "adgroup"
    AD = "ad"


class Grain(StrEnum):
    DAY = "day"
    HOUR = "hour"


@dataclass(frozen=True)
class Metrics:
    spend_minor: int = 0
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    video_views: int = 0
    reach: int = 0

    def __add__(self, other: Metrics) -> Metrics:
        return Metrics(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def ctr(self) -> Decimal | None:
        """Clicks per impression, as a percentage with two decimals."""
        return _ratio(self.clicks * 100, self.impressions, "0.01")

    @property
    def cpc_minor(self) -> Decimal | None:
        """Spend per click, in minor units with two decimals."""
        return _ratio(self.spend_minor, self.clicks, "0.01")

    @property
    def cpm_minor(self) -> Decimal | None:
        """Spend per thousand impressions, in minor units with two decimals."""
        return _ratio(self.spend_minor * 1000, self.impressions, "0.01")

    @property
    def cost_per_result_minor(self) -> Decimal | None:
        """Spend per conversion (the result), in minor units with two decimals."""
        return _ratio(self.spend_minor, self.conversions, "0.01")


ZERO = Metrics()


def _ratio(num: int, den: int, quantum: str) -> Decimal | None:
    if den == 0:
        return None
    return (Decimal(num) / Decimal(den)).quantize(Decimal(quantum), rounding=ROUND_HALF_EVEN)


def day_text(day: date) -> str:
    """A day as the report store keys it (``YYYY-MM-DD``, the ad account's local day)."""
    return day.isoformat()


def days(since: date, until: date) -> list[date]:
    """Every day from ``since`` through ``until``, both included."""
    return [since + timedelta(days=i) for i in range((until - since).days + 1)]
