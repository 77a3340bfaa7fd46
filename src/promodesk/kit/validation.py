"""Validation messages a person reads: fields named in words, limits with thousands separators,
no storage limits.

A request's machine field name (``budget_coins``) stays in an error body's ``field`` and
``loc``; the text says "Budget (coins) must be at most 1,000,000,000,000". A bound at or above
2^53 is a storage limit (a BIGINT id), not a rule anyone set: such a value "is too large".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

STORAGE_LIMIT = 2**53

# Names whose words are not enough; every other field reads as its words ("ad_account_id" is
# "Ad account id").
LABELS = {
    "budget_coins": "Budget (coins)",
    "spent_coins": "Spent (coins)",
    "value_coins": "Value (coins)",
    "coins": "Coins",
    "duration_hours": "Duration (hours)",
    "shipping_days": "Shipping (days)",
    "valid_days": "Valid for (days)",
    "days": "Days",
    "url": "URL",
    "website_url": "Website URL",
}
_UNITS = {"coins", "hours", "days", "minutes", "seconds", "percent"}


def label(name: str) -> str:
    """A field's name in words: ``budget_coins`` → "Budget (coins)"."""
    if name in LABELS:
        return LABELS[name]
    words = [w for w in name.replace("-", "_").split("_") if w]
    if not words:
        return name
    unit = f" ({words.pop()})" if len(words) > 1 and words[-1] in _UNITS else ""
    if words[-1] == "minor":
        words[-1] = "(in minor units)"
    text = " ".join(words) + unit
    return text[:1].upper() + text[1:]


def place(loc: Iterable[Any]) -> str | None:
    """Where in a request the field is, in words: ``("audience", "age_ranges", 0)`` →
    "Audience, age ranges, item 1"."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"item {part + 1:,}")
        else:
            words = label(str(part))
            if parts and not words[:2].isupper():  # "URL" stays as it is
                words = words[:1].lower() + words[1:]
            parts.append(words)
    return ", ".join(parts) or None


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _huge(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) >= STORAGE_LIMIT


def message(error: Mapping[str, Any]) -> str:
    """One pydantic error's message, without the field: "must be at most 1,000"."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    bounds = {
        "less_than_equal": ("le", "must be at most {}"),
        "less_than": ("lt", "must be less than {}"),
        "greater_than_equal": ("ge", "must be at least {}"),
        "greater_than": ("gt", "must be more than {}"),
    }
    if kind in bounds:
        key, text = bounds[kind]
        if kind.startswith("less") and _huge(ctx.get(key)):
            return "is too large"
        return text.format(_number(ctx.get(key)))
    lengths = {
        "string_too_long": ("max_length", "must be at most {} characters"),
        "string_too_short": ("min_length", "must be at least {} characters"),
        "too_long": ("max_length", "must have at most {} items"),
        "too_short": ("min_length", "must have at least {} items"),
    }
    if kind in lengths:
        key, text = lengths[kind]
        return text.format(_number(ctx.get(key)))
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of this request"
    text = str(error.get("msg") or "is not valid")
    if text.startswith("Input should be"):
        text = "must be" + text[len("Input should be") :]
    elif text.startswith("Value error, "):
        text = text[len("Value error, ") :]
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def describe(error: Mapping[str, Any], loc: Iterable[Any]) -> str:
    """ "Budget (coins) must be at most 1,000,000,000,000"."""
    where = place(loc)
    said = message(error)
    return f"{where} {said}" if where else said[:1].upper() + said[1:]
