"""Rules of the object lists (campaigns, ad groups, ads) at agency scale (pure).

- **Levels**: campaign, ad group, ad (``reports.Level``). Every object has exactly one status
  word (``campaigns.ListStatus``), derived from the mirrored statuses in this order: deleted
  (marked deleted, gone from TikTok's listing, operation ``DELETE``, or a secondary status
  saying it or its parent was deleted), paused (operation ``DISABLE``, or a secondary status
  saying it or its parent was paused), active (a delivering secondary status, or none known),
  else **not delivering**, whose reason is the secondary status.
- **Ranges** of the metric columns: ``today``, ``yesterday``, ``last_7_days`` and
  ``last_30_days`` (the last 7 or 30 days, today included), or ``custom`` with ``since`` and
  ``until`` (both included, at most ``CUSTOM_MAX_DAYS`` days). Days are each ad account's own
  local days: "today" of an account in Asia/Singapore is not today of one in America/New_York.
  Anything else is a 422 naming ``range``, ``since`` or ``until``.
- **Sorts**: the list's sorts (``campaigns.SortKey``) plus every metric column; an ad has no
  budget, so ``budget`` is refused for ads. Ratios sort by their value scaled to an integer
  (``RATIO_SCALE``: CTR to a millionth of a percent point, money ratios to a ten-thousandth of a
  minor unit); an undefined ratio (nothing to divide by) sorts before every defined one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from promodesk.campaigns.domain.campaigns import ListStatus, SortKey
from promodesk.campaigns.domain.reports import Level
from promodesk.kit.errors import ValidationFailed

# --- status words per level -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LevelStatuses:
    """The secondary statuses of one level that say deleted, paused and delivering."""

    deleted: frozenset[str]
    paused: frozenset[str]
    active: frozenset[str]


LEVEL_STATUSES: dict[Level, LevelStatuses] = {
    Level.CAMPAIGN: LevelStatuses(
        deleted=frozenset({"CAMPAIGN_STATUS_DELETE"}),
        paused=frozenset({"CAMPAIGN_STATUS_DISABLE"}),
        active=frozenset({"", "CAMPAIGN_STATUS_ENABLE"}),
    ),
    Level.ADGROUP: LevelStatuses(
        deleted=frozenset({"ADGROUP_STATUS_DELETE", "ADGROUP_STATUS_CAMPAIGN_DELETE"}),
        paused=frozenset({"ADGROUP_STATUS_DISABLE", "ADGROUP_STATUS_CAMPAIGN_DISABLE"}),
        active=frozenset(
            {"", "ADGROUP_STATUS_DELIVERY_OK", "ADGROUP_STATUS_PARTIAL_AUDIT_DELIVERY_OK"}
        ),
    ),
    Level.AD: LevelStatuses(
        deleted=frozenset(
            {"AD_STATUS_DELETE", "AD_STATUS_CAMPAIGN_DELETE", "AD_STATUS_ADGROUP_DELETE"}
        ),
        paused=frozenset(
            {"AD_STATUS_DISABLE", "AD_STATUS_CAMPAIGN_DISABLE", "AD_STATUS_ADGROUP_DISABLE"}
        ),
        active=frozenset({"", "AD_STATUS_DELIVERY_OK"}),
    ),
}


def level(value: str | None) -> Level:
    text = (value or "").strip().lower().replace("_", "").replace(" ", "")
    try:
        return Level(text)
    except ValueError:
        raise ValidationFailed("level is campaign, adgroup or ad", field="level") from None


def status_at(
    lvl: Level, operation_status: str, secondary_status: str, deleted: bool, vanished: bool
) -> ListStatus:
    """The object's one status word (rules above)."""
    s = LEVEL_STATUSES[lvl]
    if deleted or vanished or operation_status == "DELETE" or secondary_status in s.deleted:
        return ListStatus.DELETED
    if operation_status == "DISABLE" or secondary_status in s.paused:
        return ListStatus.PAUSED
    if secondary_status in s.active:
        return ListStatus.ACTIVE
    return ListStatus.NOT_DELIVERING


# --- ranges -----------------------------------------------------------------------------------


class RangeWord(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    CUSTOM = "custom"


RANGE_WORDS = ", ".join(r.value for r in RangeWord)
DEFAULT_RANGE = RangeWord.LAST_7_DAYS
CUSTOM_MAX_DAYS = 400
_LAST = {
    RangeWord.TODAY: (0, 1),
    RangeWord.YESTERDAY: (1, 1),
    RangeWord.LAST_7_DAYS: (0, 7),
    RangeWord.LAST_30_DAYS: (0, 30),
}


@dataclass(frozen=True, slots=True)
class MetricRange:
    """A chosen range; ``since``/``until`` (both included) only for ``custom``."""

    word: RangeWord
    since: date | None = None
    until: date | None = None

    @property
    def token(self) -> str:
        """As the cursor and the export name it: ``last_7_days`` or ``2026-01-01..2026-01-31``."""
        if self.word is RangeWord.CUSTOM:
            return f"{self.since}..{self.until}"
        return self.word.value

    def days(self, today: date) -> tuple[date, date]:
        """(first day, day after the last) for an account whose local day is ``today``."""
        if self.word is RangeWord.CUSTOM:
            assert self.since is not None
            assert self.until is not None
            return self.since, self.until + timedelta(days=1)
        back, length = _LAST[self.word]
        end = today - timedelta(days=back) + timedelta(days=1)
        return end - timedelta(days=length), end


def _day(value: str | None, field: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _bad_day(field)
    except ValueError:
        return _bad_day(field)


def _bad_day(field: str) -> date:
    raise ValidationFailed(f"{field} is a day written YYYY-MM-DD", field=field)


def metric_range(
    value: str | None, since: str | None = None, until: str | None = None
) -> MetricRange:
    """The range words above (any case, spaces or dashes for underscores); empty is the default
    (``last_7_days``), or ``custom`` when ``since`` or ``until`` is given. ``custom`` needs both
    days, ``since`` not after ``until``; days given with another word are refused (422)."""
    text = (value or "").strip().lower().replace(" ", "_").replace("-", "_")
    first, last = _day(since, "since"), _day(until, "until")
    if not text:
        text = RangeWord.CUSTOM.value if first or last else DEFAULT_RANGE.value
    try:
        word = RangeWord(text)
    except ValueError:
        raise ValidationFailed(f"range is one of {RANGE_WORDS}", field="range") from None
    if word is not RangeWord.CUSTOM:
        if first or last:
            raise ValidationFailed("since and until go with range=custom only", field="range")
        return MetricRange(word)
    if first is None:
        raise ValidationFailed("a custom range needs since (YYYY-MM-DD)", field="since")
    if last is None:
        raise ValidationFailed("a custom range needs until (YYYY-MM-DD)", field="until")
    if first > last:
        raise ValidationFailed("since is after until", field="since")
    if (last - first).days + 1 > CUSTOM_MAX_DAYS:
        raise ValidationFailed(f"a custom range is at most {CUSTOM_MAX_DAYS} days", field="until")
    return MetricRange(word, first, last)


def local_today(zone: str, at: datetime) -> date:
    """The day it is at ``at`` (aware) in ``zone``; an unknown zone counts as UTC."""
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return at.astimezone(tz).date()


# --- sorts ------------------------------------------------------------------------------------


class MetricKey(StrEnum):
    SPEND = "spend"
    IMPRESSIONS = "impressions"
    CLICKS = "clicks"
    CTR = "ctr"
    CPC = "cpc"
    CPM = "cpm"
    CONVERSIONS = "conversions"
    COST_PER_RESULT = "cost_per_result"


# The integer a ratio sorts by: numerator * scale // denominator, -1 when the denominator is 0.
RATIO_SCALE: dict[MetricKey, int] = {
    MetricKey.CTR: 1_000_000,  # clicks * 10**6 // impressions (percent * 10**4)
    MetricKey.CPC: 10_000,  # spend * 10**4 // clicks
    MetricKey.CPM: 10_000_000,  # spend * 1000 * 10**4 // impressions
    MetricKey.COST_PER_RESULT: 10_000,  # spend * 10**4 // conversions
}


@dataclass(frozen=True, slots=True)
class Sort:
    """A list sort: one of ``campaigns.SortKey`` or a ``MetricKey``."""

    key: SortKey | MetricKey
    descending: bool

    @property
    def token(self) -> str:
        return ("-" if self.descending else "") + self.key.value

    @property
    def by_id(self) -> bool:
        return self.key is SortKey.ID

    def reversed(self) -> Sort:
        return Sort(self.key, not self.descending)


def sort_words(lvl: Level) -> str:
    keys = [k.value for k in SortKey if not (lvl is Level.AD and k is SortKey.BUDGET)]
    return ", ".join(keys + [k.value for k in MetricKey])


def sort(value: str | None, lvl: Level = Level.CAMPAIGN) -> Sort:
    """A sort word of ``sort_words(lvl)``, a leading ``-`` for descending; empty is ``id``
    ascending; anything else (``budget`` for ads) is a 422 naming ``sort``."""
    text = (value or "").strip().lower()
    descending = text.startswith("-")
    word = text.removeprefix("-") or SortKey.ID.value
    key: SortKey | MetricKey | None = None
    if word in {k.value for k in SortKey}:
        key = SortKey(word)
    elif word in {k.value for k in MetricKey}:
        key = MetricKey(word)
    if key is None or (lvl is Level.AD and key is SortKey.BUDGET):
        raise ValidationFailed(
            f"sort is one of {sort_words(lvl)}, with a leading - for descending", field="sort"
        )
    return Sort(key, descending)
