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
  ``CurrencyCode`` is three ASCII capitals that ISO 4217 lists with minor units.
- Ids are 1..2^63-1 (BIGINT); counts and minor-unit amounts are 0..10^12.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict

from promodesk.kit.money import is_tender, tender_currencies

MAX_ID = 2**63 - 1
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


def _region(code: str) -> str:
    if code not in iso_regions():
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 code")
    return code


def _currency(code: str) -> str:
    if not is_tender(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency")
    return code


Region = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166-1 alpha-2, e.g. GB",
        json_schema_extra={"enum": list(iso_regions())},
    ),
    AfterValidator(_region),
]
Country = Region
CurrencyCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217, e.g. USD",
        json_schema_extra={"enum": list(tender_currencies())},
    ),
    AfterValidator(_currency),
]
