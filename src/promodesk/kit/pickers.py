"""Country, currency and time-zone codes: the options a picker offers in a language, and the
one check of a code someone typed.

Rules:
- Names come from CLDR through Babel (``Locale.territories``, ``Locale.currencies``, the time
  zones' exemplar cities), never from a hand table. An option is shown as its name with its
  code beside it: "Indonesia (ID)", "印度尼西亚 (ID)".
- What is offered is what the field accepts: countries are ISO 3166-1 alpha-2 codes (a caller
  may narrow them, e.g. to Promote's launch regions); currencies are ISO 4217 codes with minor
  units (``kit.money.is_tender``, from the ``iso4217`` package); time zones are the tz
  database's zones of ``zone.tab`` (one per place people live) after UTC, each labelled with
  its country, city and current UTC offset. A stored value outside the list (an old alias such as
  ``US/Eastern``) is still shown, so editing a form never changes it silently.
- Options are sorted the way the reader's language sorts. English (and any language without a
  rule here): alphabetically by name, case and accents folded ("Åland Islands" with the As,
  "Côte d’Ivoire" before "Croatia"). Simplified Chinese: by pinyin, syllable by syllable,
  tone after syllable (阿根廷 ā, 巴西 bā, 中国 zhōng), as Chinese dictionaries and CLDR's
  ``zh`` collation do. Pinyin comes from ``pypinyin``: pure Python, maintained, with a phrase
  dictionary for characters read two ways (重庆 is chóng, not zhòng). ``pyuca`` implements the
  root Unicode collation, which orders Han characters by radical and stroke, not by pinyin;
  PyICU would need the system's libicu and a C++ build on every machine.
- A typed value is a code or it is refused, naming what was typed and, when it is a name we
  know (in English or Chinese, or an ISO alpha-3 code, or the code in lower case), the code
  that was probably meant: ``"Indonesia" is not a country code; did you mean ID?``. A name is
  never turned into a code silently: "Indonesia" is not "IN" (India).
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import ClassVar

import pycountry
from babel import Locale, UnknownLocaleError
from babel.dates import get_timezone_location
from babel.numbers import get_territory_currencies
from pypinyin import Style, pinyin

from promodesk.kit.money import is_tender, tender_currencies

# The languages whose names are recognised in a typed value (the console's languages).
NAME_LOCALES = ("en", "zh_Hans")
MAX_SHOWN = 40  # characters of a refused value repeated in its message


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a picker: the code stored and the name shown."""

    code: str
    name: str

    @property
    def label(self) -> str:
        return self.code if self.name == self.code else f"{self.name} ({self.code})"


class NotACode(ValueError):
    """A typed value that is not a code of its kind, with the code probably meant (if any)."""

    KINDS: ClassVar[dict[str, str]] = {
        "country": "a country code",
        "currency": "a currency code",
        "time zone": "a time zone",
    }
    EXAMPLES: ClassVar[dict[str, str]] = {
        "country": "GB",
        "currency": "USD",
        "time zone": "Asia/Singapore",
    }

    def __init__(self, kind: str, typed: str, suggestion: str | None) -> None:
        self.kind = kind
        self.typed = typed if len(typed) <= MAX_SHOWN else typed[: MAX_SHOWN - 1] + "…"
        self.suggestion = suggestion
        super().__init__(self.message)

    @property
    def hint(self) -> str:
        if self.suggestion:
            return f"did you mean {self.suggestion}?"
        return f"for example {self.EXAMPLES[self.kind]}"

    @property
    def message(self) -> str:
        """``"Indonesia" is not a country code; did you mean ID?``"""
        return f'"{self.typed}" is not {self.KINDS[self.kind]}; {self.hint}'

    @property
    def must(self) -> str:
        """The message after a field's name: ``must be a country code; "Indonesia" is not one
        (did you mean ID?)``."""
        return f'must be {self.KINDS[self.kind]}; "{self.typed}" is not one ({self.hint})'


# ---------------------------------------------------------------- sorting


def fold(text: str) -> str:
    """Case and accents folded: ``"Côte d’Ivoire"`` → ``"cote d’ivoire"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold()


SortKey = tuple[tuple[str, int, str], ...]
_TONE = re.compile(r"^([a-zü]+)([1-5])$")


def _alphabetic_key(name: str) -> SortKey:
    return ((fold(name), 0, name),)


def _pinyin_key(name: str) -> SortKey:
    """Syllable by syllable: the syllable's letters, then its tone, then the character."""
    parts: list[tuple[str, int, str]] = []
    syllables = pinyin(name, style=Style.TONE3, neutral_tone_with_five=True, errors="default")
    for (syllable,) in syllables:
        found = _TONE.match(syllable)
        if found:
            parts.append((found.group(1), int(found.group(2)), syllable))
        else:  # not a Han character: letters, digits, punctuation
            parts.append((fold(syllable), 0, syllable))
    return tuple(parts)


def collation_key(locale: str) -> Callable[[str], SortKey]:
    """The sort key of names in this language (``zh*``: pinyin; any other: alphabetical)."""
    if locale.lower().startswith("zh"):
        return _pinyin_key
    return _alphabetic_key


def sort_options(options: Iterable[Option], locale: str) -> list[Option]:
    key = collation_key(locale)
    return sorted(options, key=lambda o: (key(o.name), o.code))


# ---------------------------------------------------------------- names


def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2."""
    return frozenset(c.alpha_2 for c in pycountry.countries)


def country_name(code: str, locale: str) -> str:
    name = _locale(locale).territories.get(code)
    if name:
        return str(name)
    found = pycountry.countries.get(alpha_2=code)
    return str(found.name) if found is not None else code


def currency_name(code: str, locale: str) -> str:
    return _locale(locale).currencies.get(code) or code


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """tz database zone → its country (``zone.tab``), in file order."""
    text = (resources.files("tzdata.zoneinfo") / "zone.tab").read_text(encoding="utf-8")
    zones: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            country, _coords, zone = line.split("\t")[:3]
            zones[zone] = country
    return zones


@lru_cache(maxsize=1)
def time_zone_codes() -> frozenset[str]:
    """Every zone the tz database knows (aliases included): what a stored value may be."""
    return frozenset(zoneinfo.available_timezones())


def utc_offset(zone: str, now: datetime | None = None) -> str:
    """``UTC+07:00`` (the offset in force at ``now``)."""
    at = (now or datetime.now(UTC)).astimezone(zoneinfo.ZoneInfo(zone))
    offset = at.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


@lru_cache(maxsize=2048)
def time_zone_place(zone: str, locale: str) -> str:
    """``Indonesia · Jakarta`` (``印度尼西亚 · 雅加达``); ``UTC`` for UTC."""
    if zone in ("UTC", "Etc/UTC"):
        return "UTC"
    city = get_timezone_location(zone, locale=_locale(locale), return_city=True)
    country = _zone_countries().get(zone)
    return f"{country_name(country, locale)} · {city}" if country else str(city)


def time_zone_name(zone: str, locale: str, now: datetime | None = None) -> str:
    """``Indonesia · Jakarta · UTC+07:00`` (``印度尼西亚 · 雅加达 · UTC+07:00``)."""
    offset = utc_offset(zone, now)
    if zone in ("UTC", "Etc/UTC"):
        return offset[:3]
    return f"{time_zone_place(zone, locale)} · {offset}"


# ---------------------------------------------------------------- options


@lru_cache(maxsize=8)
def _all_countries(locale: str) -> tuple[Option, ...]:
    return tuple(
        sort_options((Option(c, country_name(c, locale)) for c in country_codes()), locale)
    )


@lru_cache(maxsize=8)
def _all_currencies(locale: str) -> tuple[Option, ...]:
    named = (Option(c, currency_name(c, locale)) for c in tender_currencies())
    return tuple(sort_options(named, locale))


def countries(locale: str, only: Iterable[str] | None = None) -> list[Option]:
    """The countries a picker offers, named in ``locale`` and sorted as it sorts."""
    if only is None:
        return list(_all_countries(locale))
    wanted = set(only)
    return [o for o in _all_countries(locale) if o.code in wanted]


def currencies(locale: str, only: Iterable[str] | None = None) -> list[Option]:
    """ISO 4217 currencies (with minor units), named in ``locale`` and sorted as it sorts."""
    if only is None:
        return list(_all_currencies(locale))
    wanted = set(only)
    return [o for o in _all_currencies(locale) if o.code in wanted]


@lru_cache(maxsize=8)
def _sorted_zones(locale: str) -> tuple[str, ...]:
    """UTC, then the zones in the order of their places' names (the offset does not sort)."""
    zones = [Option(z, time_zone_place(z, locale)) for z in _zone_countries()]
    return ("UTC", *(o.code for o in sort_options(zones, locale)))


def time_zones(
    locale: str, *, current: str | None = None, now: datetime | None = None
) -> list[Option]:
    """One zone per place (``zone.tab``) and UTC, plus ``current`` when it is another zone
    the tz database knows (first); each named by country, city and UTC offset at ``now``."""
    minute = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    options = list(_named_zones(locale, minute))
    listed = current in _zone_countries() or current == "UTC"
    if current and current in time_zone_codes() and not listed:
        options.insert(0, Option(current, time_zone_name(current, locale, minute)))
    return options


@lru_cache(maxsize=8)
def _named_zones(locale: str, minute: datetime) -> tuple[Option, ...]:
    """The picker's zones named with their offsets at ``minute`` (offsets change on the minute)."""
    return tuple(Option(z, time_zone_name(z, locale, minute)) for z in _sorted_zones(locale))


# ---------------------------------------------------------------- checks


def _key(text: str) -> str:
    """A typed name's lookup form: folded, punctuation and spacing ignored, except a sign
    before a digit (``GMT+7`` and ``GMT-7`` are different places)."""
    folded = fold(text)
    return "".join(
        c
        for i, c in enumerate(folded)
        if c.isalnum() or (c in "+-" and folded[i + 1 : i + 2].isdigit())
    )


def _guess(index: dict[str, str], typed: str, *, within: bool = True) -> str | None:
    """The code of a name: an exact (folded) match, else the one name it starts, else the one
    name it is part of."""
    key = _key(typed)
    if not key:
        return None
    if key in index:
        return index[key]
    if len(key) >= 3:
        found = {code for name, code in index.items() if name.startswith(key)}
        if len(found) == 1:
            return found.pop()
    if within and len(key) >= 4:  # a word of one name: "rupiah" is the Indonesian Rupiah
        found = {code for name, code in index.items() if key in name}
        if len(found) == 1:
            return found.pop()
    return None


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (
            code,
            country.alpha_3,
            country.name,
            getattr(country, "official_name", ""),
            getattr(country, "common_name", ""),
        ):
            if name:
                index.setdefault(_key(name), code)
        for locale in NAME_LOCALES:
            index.setdefault(_key(country_name(code, locale)), code)
    return index


@lru_cache(maxsize=1)
def _currency_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for code in tender_currencies():
        index.setdefault(_key(code), code)
        for locale in NAME_LOCALES:
            index.setdefault(_key(currency_name(code, locale)), code)
    for name, country in _country_index().items():  # a country's name: its currency
        tender = [c for c in get_territory_currencies(country, tender=True) if is_tender(c)]
        if tender:
            index.setdefault(name, tender[0])
    return index


@lru_cache(maxsize=1)
def _zone_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for zone in sorted(time_zone_codes()):
        index.setdefault(_key(zone), zone)
    by_country: dict[str, list[str]] = {}
    for zone, country in _zone_countries().items():
        by_country.setdefault(country, []).append(zone)
        for locale in NAME_LOCALES:
            city = get_timezone_location(zone, locale=_locale(locale), return_city=True)
            index.setdefault(_key(city), zone)
    for name, country in _country_index().items():  # a country with one zone: that zone
        zones = by_country.get(country, [])
        if len(zones) == 1:
            index.setdefault(name, zones[0])
    return index


def country_code(typed: str, *, any_case: bool = False) -> str:
    """``typed`` if it is an ISO 3166-1 alpha-2 code (``any_case``: ``id`` is ID), else
    ``NotACode``."""
    code = typed.strip().upper() if any_case else typed
    if code in country_codes():
        return code
    raise NotACode("country", typed, _guess(_country_index(), typed))


def currency_code(typed: str, *, any_case: bool = False) -> str:
    """``typed`` if it is an ISO 4217 code with minor units, else ``NotACode``."""
    code = typed.strip().upper() if any_case else typed
    if len(code) == 3 and is_tender(code) and code.isupper():
        return code
    raise NotACode("currency", typed, _guess(_currency_index(), typed))


def time_zone(typed: str) -> str:
    """``typed`` if it is a zone of the tz database (``Asia/Jakarta``), else ``NotACode``."""
    zone = typed.strip()
    if zone in time_zone_codes():
        return zone
    # not within a name: "GMT+7" must not suggest Etc/GMT+7, which is UTC-7 (POSIX signs)
    raise NotACode("time zone", typed, _guess(_zone_index(), typed, within=False))
