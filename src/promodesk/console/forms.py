"""What a browser sends the console, read once and parsed into values.

Rules:
- A POSTed form is read once, before the route runs (``read``, called by ``ConsoleRoute``):
  plain strings only (files are ignored), NUL removed, each field capped at ``MAX_FIELD``
  characters; ``request.state.form`` keeps the first value of each name (``visit.form``),
  ``request.state.form_items`` every pair, to show a refused form again.
- Every field a route reads, from a form or a query string, goes through a parser here. A value
  that does not parse is a ``ValidationFailed`` naming the field, with a short message to show
  beside it in the member's language (``says``, ``says_n``; see console/refill.py), never a
  500. Messages name the field in words and never show a storage limit.
- An id is a decimal integer in 1..``MAX_ID`` (the rule of the app's path ids): an optional one
  that does not parse reads as absent, a required one is refused.

Showing a refused form again is console/formerrors.py; sending one twice, console/submit.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from fastapi import Request
from starlette.datastructures import UploadFile

from promodesk.console.core import N_
from promodesk.kit import validation
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.pagination import MAX_ID
from promodesk.web import parse_id

MAX_FIELD = 10_000
MAX_FIELDS = 100
MAX_ITEMS = 200
MAX_IDS = 1000
TICKED = ("1", "on", "true", "yes")


async def read(request: Request) -> None:
    """Parse a POSTed form once, as plain strings (files are ignored; fields are capped)."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    data: dict[str, str] = {}
    for key, value in form.multi_items():
        if not isinstance(value, UploadFile) and key not in data:
            data[key] = value.replace("\x00", "")[:MAX_FIELD]
    request.state.form = data
    request.state.form_items = [
        (key, value.replace("\x00", "")[:MAX_FIELD])
        for key, value in form.multi_items()[:MAX_ITEMS]
        if not isinstance(value, UploadFile)
    ]


def clean(text: str, limit: int) -> str:
    """Text a browser sent, made storable: NUL removed (PostgreSQL refuses it), trimmed, capped."""
    return text.replace("\x00", "").strip()[:limit]


def whole(
    form: Mapping[str, str],
    name: str,
    *,
    low: int = 1,
    high: int = MAX_ID,
    default: int | None = None,
) -> int:
    """A whole number from a form or query field, within ``[low, high]`` ("Budget (coins) must
    be at least 1"); thousands separators (``,`` and ``_``) are allowed."""
    said = validation.label(name)
    raw = (form.get(name) or "").strip().replace(",", "").replace("_", "")
    if not raw:
        if default is not None:
            return default
        raise ValidationFailed(f"{said} is required", field=name, says=N_("Required."))
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise ValidationFailed(
            f"{said} must be a whole number", field=name, says=N_("Enter a whole number.")
        )
    value = int(raw)
    if value < low:
        raise ValidationFailed(
            f"{said} must be at least {low:,}",
            field=name,
            says=N_("At least %(n)s."),
            says_n=f"{low:,}",
        )
    if value > high:
        too_large = high >= validation.STORAGE_LIMIT
        limit = "is too large" if too_large else f"must be at most {high:,}"
        says = N_("Too large.") if too_large else N_("At most %(n)s.")
        raise ValidationFailed(f"{said} {limit}", field=name, says=says, says_n=f"{high:,}")
    return value


def optional_id(raw: str | None) -> int | None:
    """An id from a query string or a form; anything else reads as absent."""
    return parse_id((raw or "").strip())


def required_id(raw: str | None, field: str) -> int:
    """The id a dropdown or a hidden field must name."""
    found = optional_id(raw)
    if found is None:
        raise ValidationFailed("choose one", field=field, says=N_("Choose one."))
    return found


def id_list(raw: str, field: str) -> list[int]:
    """``"1,2,3"`` (commas or spaces) → the ids, sorted, each once; empty parts are skipped;
    at most ``MAX_IDS``."""
    ids = []
    for part in raw.replace(" ", ",").split(","):
        if not part:
            continue
        value = optional_id(part)
        if value is None:
            raise ValidationFailed(f"{part[:30]!r} is not an id", field=field)
        ids.append(value)
    if len(ids) > MAX_IDS:
        raise ValidationFailed(f"select at most {MAX_IDS} products at once", field=field)
    return sorted(set(ids))


def ticked_ids(form: Mapping[str, str], prefix: str, *, field: str | None = None) -> list[int]:
    """The ids of the ticked boxes named ``{prefix}{id}`` (a form keeps one value per field
    name, so each box has its own), in the order of the form; with ``field``, at least one."""
    keys = [k.removeprefix(prefix) for k, value in form.items() if k.startswith(prefix) and value]
    ids = [i for i in (optional_id(key) for key in keys) if i is not None]
    if field is not None and not ids:
        raise ValidationFailed("tick at least one", field=field, says=N_("Tick at least one."))
    return ids


def day(raw: str | None, field: str) -> date | None:
    """A ``YYYY-MM-DD`` day; empty is None."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{field} is not a date (YYYY-MM-DD)", field=field) from None


def checked(form: Mapping[str, str], name: str) -> bool:
    """A checkbox: ticked when sent with one of the usual values."""
    return form.get(name, "") in TICKED
