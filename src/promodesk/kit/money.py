"""Money: integer minor units with a currency code; ``COIN`` has exponent 0.

Rules:
- No floats anywhere in money. ``Decimal`` appears only at the edges (parsing, display, FX).
- Currency exponents are ISO 4217's minor units (the ``iso4217`` package), not a hand table;
  CLDR's (Babel) only for codes ISO gives none. Not CLDR first: its "digits" are a display and
  cash preference that moves between releases (CLDR 48, Babel 2.19, made IDR 0 digits), and a
  stored amount in minor units must mean the same after a library upgrade.
- Parsing is exact: more decimals than the currency has is refused, never rounded; amounts fit
  the signed 64-bit columns.
- 100 coins = US$0.99 (settings ``coin_price_usd`` / ``coin_price_per``).
- Customer charges: the exact price is computed in ``Decimal`` with no intermediate rounding and
  rounded once, **half up**, to the unit the currency is paid in: CLDR's *cash* precision
  (``cash_unit``; IDR is paid in whole rupiah, CHF in 0.05), never finer than the ISO minor
  unit. The result is still stored in ISO minor units (IDR 80,438 is 8,043,800), so the one
  number is shown, charged, stored and invoiced. A cash unit that moves with a CLDR release
  changes only new charges, never the meaning of a stored amount.
- Fewer coins than the minimum charge (US$0.99 converted the same way) buys are refused, never
  silently priced up: ``CoinPricing.min_coins`` is the smallest amount allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.core import get_global
from babel.numbers import format_currency, format_decimal, get_currency_precision, list_currencies
from iso4217 import Currency as Iso4217

from promodesk.kit.errors import ValidationFailed

COIN = "COIN"


@lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    """Number of minor-unit digits of ``currency`` (COIN: 0, USD: 2, JPY: 0, IDR: 2)."""
    code = currency.upper()
    if code == COIN:
        return 0
    if code not in _known_currencies():
        raise ValidationFailed(f"unknown currency {currency!r}", field="currency")
    iso = _iso_minor_units().get(code)
    return iso if iso is not None else int(get_currency_precision(code))


@lru_cache(maxsize=1)
def _iso_minor_units() -> dict[str, int]:
    return {c.code: int(c.exponent) for c in Iso4217 if c.exponent is not None}


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies()) | frozenset(_iso_minor_units())


@lru_cache(maxsize=512)
def cash_unit(currency: str) -> int:
    """The smallest amount a customer pays in ``currency``, in its minor units: CLDR's cash
    precision (IDR 100 = one whole rupiah, CHF 5 = 0.05, JPY 1, USD 1). Never finer than the
    minor unit, and 1 for COIN or a currency CLDR does not describe."""
    code = currency.upper()
    exp = exponent(code)
    if code == COIN:
        return 1
    fractions = get_global("currency_fractions")
    _digits, _rounding, cash_digits, cash_rounding = fractions.get(code, fractions["DEFAULT"])
    digits, step = int(cash_digits), int(cash_rounding)
    if digits > exp:
        return 1
    return int(10 ** (exp - digits) * max(step, 1))


def _display_digits(amount: int, currency: str) -> int:
    """Decimals to show: the cash precision when the amount is paid in it, else every digit."""
    exp = exponent(currency)
    unit = cash_unit(currency)
    digits = exp
    while digits > 0 and unit % 10 ** (exp - digits + 1) == 0:
        digits -= 1
    return digits if amount % 10 ** (exp - digits) == 0 else exp


def is_currency(code: str) -> bool:
    return code.upper() == COIN or code.upper() in _known_currencies()


def is_tender(code: str) -> bool:
    """A currency ISO 4217 lists today with minor units: what a bank account or an ad account
    can hold. Not ``COIN``, not CLDR's withdrawn codes (DEM, HRK), not metals, funds or the
    testing and "no currency" codes (XAU, XDR, XTS): ISO gives those no minor unit."""
    return code.upper() in _iso_minor_units()


def tender_currencies() -> tuple[str, ...]:
    """The codes ``is_tender`` accepts, sorted."""
    return tuple(sorted(_iso_minor_units()))


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        code = self.currency.upper()
        exponent(code)  # refuses an unknown currency
        if code != self.currency:
            object.__setattr__(self, "currency", code)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-exponent(self.currency))

    def number(self) -> str:
        """The amount with grouping, to the cash precision when it is paid in it (``16,088``
        IDR, ``0.99`` USD), else with every minor digit (``16,087.50``): never rounded."""
        if self.currency == COIN:
            return f"{self.amount:,}"
        return f"{self.decimal:,.{_display_digits(self.amount, self.currency)}f}"

    def format(self) -> str:
        if self.currency == COIN:
            return f"{self.amount:,} coins"
        return f"{self.number()} {self.currency}"

    def __str__(self) -> str:
        return self.format()


# Coins as a reader of each console language writes them (the console's own catalogue says
# "%(n)s coins" / "%(n)s 金币" the same way).
COIN_WORDS = {"en": "{n} coins", "zh_Hans": "{n} 金币"}


def price_text(money: Money, locale: str = "en") -> str:
    """A price as a reader of ``locale`` writes it (``US$0.99``, ``IDR16,088``). Every digit of
    the amount is shown: an amount is never rounded for display."""
    babel_locale = "zh_Hans_CN" if locale == "zh_Hans" else locale
    if money.currency == COIN:
        number = format_decimal(money.amount, locale=babel_locale)
        return COIN_WORDS.get(locale, COIN_WORDS["en"]).format(n=number)
    return str(
        format_currency(
            money.decimal, money.currency, locale=babel_locale, decimal_quantization=False
        )
    )


def coins(amount: int) -> Money:
    return Money(amount, COIN)


# Amounts are stored in signed 64-bit columns; anything larger is refused at the edge.
MAX_MINOR = 2**63 - 1


def parse(value: str | int | Decimal, currency: str) -> Money:
    """Parse a major-unit amount ("12.34") exactly; refuse more decimals than the currency has.

    Exactness is decided on the digits themselves (never through ``Decimal`` arithmetic, which
    rounds at 28 digits), so "1.000000000000000000000000000001" USD is refused, not 1.00.
    Floats are refused: they cannot carry money exactly.
    """
    if isinstance(value, float | bool):
        raise TypeError("parse() takes a str, int or Decimal, never a float or bool")
    code = currency.upper()
    exp = exponent(code)
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(f"not an amount: {value!r}", field="amount") from None
    if not dec.is_finite():
        raise ValidationFailed(f"not an amount: {value!r}", field="amount")
    sign, digits, power = dec.as_tuple()
    assert isinstance(power, int)  # finite
    trimmed = list(digits)
    while len(trimmed) > 1 and trimmed[-1] == 0 and power < -exp:
        trimmed.pop()
        power += 1
    if power < -exp and any(trimmed):
        raise ValidationFailed(f"{code} has {exp} decimal places; {value} has more", field="amount")
    shift = power + exp
    if any(trimmed) and len(trimmed) + shift > len(str(MAX_MINOR)):
        raise ValidationFailed(f"amount {value} is too large", field="amount")
    magnitude = int("".join(map(str, trimmed))) if trimmed else 0
    magnitude = magnitude * 10**shift if shift >= 0 else 0
    if magnitude > MAX_MINOR:
        raise ValidationFailed(f"amount {value} is too large", field="amount")
    return Money(-magnitude if sign else magnitude, code)


_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def parse_plain(text: str, currency: str) -> Money:
    """Parse what a person typed: a plain decimal ("12.50") only, never an exponent ("1e3"),
    a sign, spaces inside or a number in another base; then exactly as ``parse``."""
    stripped = text.strip()
    if not _PLAIN.fullmatch(stripped):
        raise ValidationFailed(
            f"not a plain amount: {text!r} (digits with an optional decimal point)",
            field="amount",
        )
    return parse(stripped, currency)


def round_minor(value: Decimal, currency: str) -> int:
    """Half up (away from zero at exactly half) to the currency's minor unit."""
    return int(value.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_charge(value: Decimal, currency: str) -> int:
    """The one rounding rule for customer charges: half up, to the unit the currency is paid
    in (``cash_unit``), applied once to the exact amount. Minor units, a multiple of that unit."""
    unit = cash_unit(currency)
    steps = (value.scaleb(exponent(currency)) / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(steps) * unit


@dataclass(frozen=True)
class CoinPricing:
    """Converts coins to a charge in the payer's currency using FX settings (units per USD).

    ``price(coins, currency)`` = round_charge(coins x coin_price_usd x rate / coin_price_per),
    computed exactly and rounded once. ``min_charge(currency)`` = round_charge(min_charge_usd x
    rate); ``min_coins(currency)`` is the fewest coins whose price reaches it, and ``check``
    refuses fewer.
    """

    coin_price_usd: Decimal
    coin_price_per: int
    min_charge_usd: Decimal
    fx_per_usd: dict[str, Decimal]

    @classmethod
    def from_settings(
        cls, coin_price_usd: str, coin_price_per: int, min_charge_usd: str, fx: dict[str, str]
    ) -> CoinPricing:
        return cls(
            Decimal(coin_price_usd),
            coin_price_per,
            Decimal(min_charge_usd),
            {k.upper(): Decimal(v) for k, v in fx.items()},
        )

    def rate(self, currency: str) -> Decimal:
        code = currency.upper()
        if code not in self.fx_per_usd:
            raise ValidationFailed(
                f"no exchange rate for {code}; known: {', '.join(sorted(self.fx_per_usd))}",
                field="currency",
            )
        return self.fx_per_usd[code]

    def min_charge(self, currency: str) -> Money:
        code = currency.upper()
        return Money(round_charge(self.min_charge_usd * self.rate(code), code), code)

    def price(self, coin_amount: int, currency: str) -> Money:
        """What a customer pays for ``coin_amount`` coins (no minimum applied: see ``check``)."""
        if isinstance(coin_amount, bool) or not isinstance(coin_amount, int) or coin_amount <= 0:
            raise ValidationFailed("coin amount must be a positive whole number", field="coins")
        code = currency.upper()
        # Multiply first and divide last: the only inexact step is the one rounding below.
        exact = Decimal(coin_amount) * self.coin_price_usd * self.rate(code)
        return Money(round_charge(exact / self.coin_price_per, code), code)

    def value(self, coin_amount: int, currency: str) -> Money:
        """What ``coin_amount`` coins are worth when paid back (a withdrawal): the same exact
        price, rounded DOWN to the cash unit, so no payout exceeds what the coins cost."""
        if isinstance(coin_amount, bool) or not isinstance(coin_amount, int) or coin_amount < 0:
            raise ValidationFailed("coin amount must be a whole number", field="coins")
        code = currency.upper()
        exact = Decimal(coin_amount) * self.coin_price_usd * self.rate(code)
        minor = (exact / self.coin_price_per).scaleb(exponent(code))
        unit = cash_unit(code)
        return Money(int((minor / unit).to_integral_value(ROUND_DOWN)) * unit, code)

    def min_coins(self, currency: str) -> int:
        """The fewest coins whose price is at least the minimum charge in ``currency``."""
        code = currency.upper()
        floor = self.min_charge(code).amount
        per_coin = self.coin_price_usd * self.rate(code) / self.coin_price_per
        n = max(1, int((self.min_charge_usd * self.rate(code) / per_coin).to_integral_value()) - 2)
        while n > 1 and self.price(n - 1, code).amount >= floor:
            n -= 1
        while self.price(n, code).amount < floor:
            n += 1
        return n

    def check(self, coin_amount: int, currency: str) -> Money:
        """The price of ``coin_amount`` coins, or a refusal naming the fewest coins allowed."""
        price = self.price(coin_amount, currency)
        minimum = self.min_charge(currency)
        if price.amount < minimum.amount:
            least = self.min_coins(currency)
            raise ValidationFailed(
                f"at least {least:,} coins (the minimum charge, {price_text(minimum)})",
                field="coins",
                min_coins=least,
                min_charge=minimum.amount,
                currency=minimum.currency,
            )
        return price

    def coins_for_usd(self, usd: Decimal) -> int:
        """Whole coins a USD amount buys (rounded down: never credit coins not paid for)."""
        if usd < 0:
            raise ValidationFailed("a USD amount buys coins only when positive", field="amount")
        return int((usd * self.coin_price_per / self.coin_price_usd).to_integral_value(ROUND_DOWN))
