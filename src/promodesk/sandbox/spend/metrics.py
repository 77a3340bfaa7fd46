"""The delivery metrics that spend bought, and how late conversions are attributed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from promodesk.sandbox import generate as gen
from promodesk.sandbox.world.objects import World

ATTRIBUTION_DAYS = 7  # a day's conversions keep changing this long after it ends
ATTRIBUTED_IN_FULL = 1_000_000


@dataclass
class Counts:
    """The additive metrics of one report row."""

    spend: int = 0  # hundredths of the account currency
    impressions: int = 0
    clicks: int = 0
    conversion: int = 0
    installs: int = 0

    def add(self, other: Counts) -> None:
        self.spend += other.spend
        self.impressions += other.impressions
        self.clicks += other.clicks
        self.conversion += other.conversion
        self.installs += other.installs


class Metrics:
    """The metrics of a ``SpendModel``'s rows (per-campaign rates)."""

    world: World
    account: int
    now: datetime
    _attributed: dict[date, int]  # ``attributed`` per day, for the model's lifetime (one "now")

    if TYPE_CHECKING:

        def bounds(self, day: date, hour: int | None = None) -> tuple[datetime, datetime]: ...

    def counts(self, campaign: int, spend: int, day: date | None = None) -> Counts:
        """Delivery metrics that ``spend`` bought in ``campaign`` (per-campaign rates).

        Rules: with ``day`` (the row's day in the account's zone), the click-through and
        conversion rates vary per campaign and day (deterministic noise: CTR 90–110 %, CVR
        85–115 % of the campaign's rate), and conversions are attributed late: a day shows 60 %
        of its conversions when it ends, rising linearly to all of them ``ATTRIBUTION_DAYS``
        later, after which the day is final. Spend and impressions are never revised.
        """
        if spend <= 0:
            return Counts()
        seed = self.world.config.seed
        cpm, ctr_bp, cvr_bp = _rates(seed, self.account, campaign)
        impressions = spend * 1000 // cpm
        if day is not None:
            roll = gen.mix(seed, 24, self.account, campaign, day.toordinal())
            ctr_bp = ctr_bp * (90 + roll % 21) // 100
            cvr_bp = cvr_bp * (85 + roll // 21 % 31) // 100
        clicks = impressions * ctr_bp // 10000
        conversion = clicks * cvr_bp // 10000
        if day is not None:
            conversion = conversion * self.attributed(day) // ATTRIBUTED_IN_FULL
        app = self.world.objective(self.account, campaign) == "APP_PROMOTION"
        return Counts(spend, impressions, clicks, conversion, conversion if app else 0)

    def attributed(self, day: date) -> int:
        """The share of ``day``'s conversions known now, in millionths (see ``counts``)."""
        known = self._attributed.get(day)
        if known is None:
            known = self._attributed[day] = self._attributed_now(day)
        return known

    def _attributed_now(self, day: date) -> int:
        end = self.bounds(day)[1]
        window = ATTRIBUTION_DAYS * 86_400
        elapsed = min(max(int((self.now - end).total_seconds()), 0), window)
        return 600_000 + 400_000 * elapsed // window


@lru_cache(maxsize=1 << 16)
def _rates(seed: int, account: int, campaign: int) -> tuple[int, int, int]:
    """A campaign's CPM (hundredths per thousand impressions), CTR and CVR (basis points):
    fixed per campaign, and asked for by every row of a report (kept for the busiest ones)."""
    per_usd = gen.market(account)[3]
    return (
        (150 + gen.mix(seed, 21, account, campaign) % 450) * per_usd,
        50 + gen.mix(seed, 22, account, campaign) % 200,
        200 + gen.mix(seed, 23, account, campaign) % 600,
    )
