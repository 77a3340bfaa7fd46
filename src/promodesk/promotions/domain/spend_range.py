"""The days the promotions index's spend and results cover (pure).

- ``lifetime`` (the default): every stored day. ``today``, ``yesterday``, ``last_7_days`` and
  ``last_30_days`` (the last 7 or 30 days, today included), or ``custom`` with ``since`` and
  ``until`` (both included, ``until`` not before ``since``, at most ``CUSTOM_MAX_DAYS`` days):
  the campaign list's words (``campaigns.domain.lists``) and its local days, plus lifetime.
- Days are local: each ad account's own days for TikTok ads (its reports are in its time zone),
  UTC days for Promote orders (their delivery is stored per UTC hour). Shop activities and
  enrollments have no spend, whatever the range.
- Anything else is a 422 naming ``range``, ``since`` or ``until``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from promodesk.campaigns.domain import lists
from promodesk.campaigns.domain.lists import local_today
from promodesk.kit.errors import N_, ValidationFailed

__all__ = ["LIFETIME", "RANGE_WORDS", "RangeWord", "SpendRange", "local_today", "spend_range"]


class RangeWord(StrEnum):
    LIFETIME = "lifetime"
    TODAY = "today"
    YESTERDAY = "yesterday"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    CUSTOM = "custom"


RANGE_WORDS = ", ".join(r.value for r in RangeWord)
CUSTOM_MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class SpendRange:
    """A chosen range; ``since``/``until`` (both included) only for ``custom``."""

    word: RangeWord = RangeWord.LIFETIME
    since: date | None = None
    until: date | None = None

    @property
    def lifetime(self) -> bool:
        return self.word is RangeWord.LIFETIME

    def _metric(self) -> lists.MetricRange:
        """The campaign list's range of the same words (every word but lifetime)."""
        return lists.MetricRange(lists.RangeWord(self.word.value), self.since, self.until)

    @property
    def token(self) -> str:
        """As cursors and exports name it: ``last_7_days`` or ``2026-01-01..2026-01-31``."""
        return self.word.value if self.lifetime else self._metric().token

    def days(self, today: date) -> tuple[date, date]:
        """(first day, day after the last) where the local day is ``today`` (not lifetime)."""
        return self._metric().days(today)


LIFETIME = SpendRange()


def _day(value: str | None, field: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ValidationFailed(f"{field} is a day written YYYY-MM-DD", field=field)


def spend_range(
    value: str | None, since: str | None = None, until: str | None = None
) -> SpendRange:
    """The range words above (any case); empty is ``lifetime``, or ``custom`` when ``since`` or
    ``until`` is given; days given with another word are refused."""
    text = (value or "").strip().lower()
    first, last = _day(since, "since"), _day(until, "until")
    if not text:
        text = RangeWord.CUSTOM.value if first or last else RangeWord.LIFETIME.value
    try:
        word = RangeWord(text)
    except ValueError:
        raise ValidationFailed(
            f"range is one of {RANGE_WORDS}",
            field="range",
            message=N_("“%(value)s” is not a range: choose one of %(allowed)s."),
            params={"value": text[:40], "allowed": RANGE_WORDS},
        ) from None
    if word is not RangeWord.CUSTOM:
        if first or last:
            raise ValidationFailed(
                "since and until go with range=custom only",
                field="range",
                message=N_("Days go with a custom range only."),
            )
        return SpendRange(word)
    if first is None:
        raise ValidationFailed(
            "a custom range needs since (YYYY-MM-DD)",
            field="since",
            message=N_("A custom range needs its first day."),
        )
    if last is None:
        raise ValidationFailed(
            "a custom range needs until (YYYY-MM-DD)",
            field="until",
            message=N_("A custom range needs its last day."),
        )
    if last < first:
        raise ValidationFailed(
            "until is before since",
            field="until",
            message=N_("The last day is before the first."),
        )
    if (last - first).days + 1 > CUSTOM_MAX_DAYS:
        raise ValidationFailed(
            f"a custom range is at most {CUSTOM_MAX_DAYS} days",
            field="until",
            message=N_("A custom range is at most %(days)s days."),
            params={"days": CUSTOM_MAX_DAYS},
        )
    return SpendRange(word, first, last)
