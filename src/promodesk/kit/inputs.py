"""Request bodies: the one base model and the input types every API schema uses.

Rules (decided here once, so that a new schema cannot drift from them):
- Every request body model, nested ones included, is an ``Input``: an unknown field is refused
  (422 naming it), and values are strict: a number is a JSON integer (not ``true``, ``"100"``,
  ``100.0`` or ``1e3``), a flag is a JSON boolean, text is a JSON string.
- JSON has no dates, instants or enums: such a field is annotated ``FromText`` (``Day``,
  ``Timestamp``, or an enum) and its string form is parsed, the one conversion allowed.
- An amount written in major units (a budget, "120.50") is ``DecimalText``: ASCII digits with
  at most one dot, digits on both sides of it; no sign, exponent, spaces or separators.
- Codes: ``Region`` (and ``Country``) is two ASCII capitals that ISO 3166-1 lists;
  ``CurrencyCode`` is three ASCII capitals that ISO 4217 lists with minor units; ``TimeZone``
  is a tz database zone. Anything else (a name such as "Indonesia") is refused naming what was
  sent and the code probably meant (``kit.pickers``), never mapped to a code.
- Ids are 1..2^63-1 (BIGINT); counts and minor-unit amounts are 0..10^12.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from promodesk.kit import pickers
from promodesk.kit.money import tender_currencies
from promodesk.kit.pagination import MAX_ID

MAX_COUNT = 10**12


class Input(BaseModel):
    """Base of every request body model."""

    model_config = ConfigDict(extra="forbid", strict=True)


FromText = Strict(False)
Day = Annotated[date, FromText]
Timestamp = Annotated[datetime, FromText]

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]

DecimalText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[0-9]+(\.[0-9]+)?$",
        description='a decimal amount in major units, e.g. "120.50"',
        examples=["120.50"],
    ),
]


@lru_cache(maxsize=1)
def iso_regions() -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes, sorted."""
    return tuple(sorted(country.alpha_2 for country in pycountry.countries))


def _refused(exc: pickers.NotACode) -> PydanticCustomError:
    kind = exc.kind.replace(" ", "_")
    return PydanticCustomError(f"{kind}_code", "{text}", {"text": exc.must})


def _region(code: str) -> str:
    try:
        return pickers.country_code(code)
    except pickers.NotACode as exc:
        raise _refused(exc) from None


def _currency(code: str) -> str:
    try:
        return pickers.currency_code(code)
    except pickers.NotACode as exc:
        raise _refused(exc) from None


def _zone(name: str) -> str:
    try:
        return pickers.time_zone(name)
    except pickers.NotACode as exc:
        raise _refused(exc) from None


Region = Annotated[
    str,
    Field(
        description="ISO 3166-1 alpha-2, e.g. GB",
        json_schema_extra={"enum": list(iso_regions()), "pattern": r"^[A-Z]{2}$"},
    ),
    AfterValidator(_region),
]
Country = Region
CurrencyCode = Annotated[
    str,
    Field(
        description="ISO 4217, e.g. USD",
        json_schema_extra={"enum": list(tender_currencies()), "pattern": r"^[A-Z]{3}$"},
    ),
    AfterValidator(_currency),
]
TimeZone = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="a tz database zone, e.g. Asia/Singapore",
        examples=["Asia/Singapore"],
    ),
    AfterValidator(_zone),
]
