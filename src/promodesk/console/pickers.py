"""Country, currency and time-zone pickers in the console: the options the ``macros.html``
pickers render (``kit.pickers``, in the page's language), and the check of a submitted value.

Rules:
- A form field that takes one of these codes is a ``<select>`` (``m.country_select``,
  ``m.currency_select``, ``m.time_zone_select``), never free text: "Indonesia" typed into a
  two-letter box used to become "IN" (India) without a word.
- Where a code is shown (a creator's region, a request's country), it is shown the same way:
  ``country_label``, ``currency_label``, ``time_zone_label``.
- A submitted value that is not a code (a hand-made request, an old form) is refused with a
  message in the reader's language naming what was sent and, when known, the code meant.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from jinja2 import Environment

from promodesk.console.formerrors import FormRefused
from promodesk.kit import pickers


class Translates(Protocol):
    def _(self, message: str, **variables: object) -> str: ...


def install(env: Environment, locale: str) -> None:
    """The options as globals of a locale's template environment."""

    def country_options(only: Iterable[str] | None = None) -> list[pickers.Option]:
        return pickers.countries(locale, only)

    def currency_options(only: Iterable[str] | None = None) -> list[pickers.Option]:
        return pickers.currencies(locale, only)

    def time_zone_options(current: str | None = None) -> list[pickers.Option]:
        return pickers.time_zones(locale, current=current)

    def country_label(code: str) -> str:
        """``Indonesia (ID)``; a code CLDR does not know stays as it is."""
        return _label(code, pickers.country_name(code, locale))

    def currency_label(code: str) -> str:
        return _label(code, pickers.currency_name(code, locale))

    def time_zone_label(zone: str) -> str:
        if zone not in pickers.time_zone_codes():
            return zone
        return _label(zone, pickers.time_zone_name(zone, locale))

    env.globals.update(
        country_options=country_options,
        currency_options=currency_options,
        time_zone_options=time_zone_options,
        country_label=country_label,
        currency_label=currency_label,
        time_zone_label=time_zone_label,
    )


def _label(code: str, name: str) -> str:
    return pickers.Option(code, name).label


def _refused(visit: Translates, exc: pickers.NotACode, field: str) -> FormRefused:
    """The refusal already in the member's words, beside ``field``."""
    typed, code = exc.typed, exc.suggestion
    messages = {
        ("country", True): visit._(
            "“%(typed)s” is not a country code; did you mean %(code)s?", typed=typed, code=code
        ),
        ("country", False): visit._(
            "“%(typed)s” is not a country code; choose a country from the list.", typed=typed
        ),
        ("currency", True): visit._(
            "“%(typed)s” is not a currency code; did you mean %(code)s?", typed=typed, code=code
        ),
        ("currency", False): visit._(
            "“%(typed)s” is not a currency code; choose a currency from the list.", typed=typed
        ),
        ("time zone", True): visit._(
            "“%(typed)s” is not a time zone; did you mean %(code)s?", typed=typed, code=code
        ),
        ("time zone", False): visit._(
            "“%(typed)s” is not a time zone; choose a time zone from the list.", typed=typed
        ),
    }
    return FormRefused(messages[(exc.kind, bool(code))], status=422, field=field)


def country(visit: Translates, value: str, field: str) -> str:
    try:
        return pickers.country_code(value)
    except pickers.NotACode as exc:
        raise _refused(visit, exc, field) from None


def currency(visit: Translates, value: str, field: str) -> str:
    try:
        return pickers.currency_code(value)
    except pickers.NotACode as exc:
        raise _refused(visit, exc, field) from None


def time_zone(visit: Translates, value: str, field: str) -> str:
    try:
        return pickers.time_zone(value)
    except pickers.NotACode as exc:
        raise _refused(visit, exc, field) from None
