"""How ``promodesk promote`` reads dates and times given on the command line.

Rules:
- An instant is an ISO date or date-time: a date means its midnight UTC, a naive time is UTC.
- Anything else is a ``ValidationFailed`` naming the option.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from promodesk.kit.errors import ValidationFailed


def parse_instant(value: str | None, field: str) -> datetime | None:
    """ISO date or date-time; a date means its midnight UTC; naive times are UTC."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{value!r} is not an ISO date or date-time", field=field) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{value!r} is not an ISO date (YYYY-MM-DD)", field=field) from None
