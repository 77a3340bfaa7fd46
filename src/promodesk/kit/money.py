"""Money: integer minor units with a currency code; ``COIN`` has exponent 0.

Rules:
- No floats anywhere in money. ``Decimal`` appears only at the edges (parsing, display, FX).
- Currency exponents come from CLDR via Babel (a maintained library), not a hand table.
- 100 coins = US$0.99 (settings ``coin_price_usd`` / ``coin_price_per``).
- Customer charges: the exact price is computed in ``Decimal`` with no intermediate rounding and
  rounded once, **half up**, to the payer currency's minor unit; the result is then raised to the
  minimum charge (US$0.99 converted the same way) if it is below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

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
    return int(get_currency_precision(code))


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code.upper() == COIN or code.upper() in _known_currencies()


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")

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

    def format(self) -> str:
        if self.currency == COIN:
            return f"{self.amount:,} coins"
        return f"{self.decimal:,.{exponent(self.currency)}f} {self.currency}"

    def __str__(self) -> str:
        return self.format()


def coins(amount: int) -> Money:
    return Money(amount, COIN)


def parse(value: str | int | Decimal, currency: str) -> Money:
    """Parse a major-unit amount ("12.34") exactly; refuse more decimals than the currency has."""
    code = currency.upper()
    exp = exponent(code)
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(f"not an amount: {value!r}", field="amount") from None
    if not dec.is_finite():
        raise ValidationFailed(f"not an amount: {value!r}", field="amount")
    minor = dec.scaleb(exp)
    if minor != minor.to_integral_value():
        raise ValidationFailed(f"{code} has {exp} decimal places; {value} has more", field="amount")
    return Money(int(minor), code)


def round_minor(value: Decimal, currency: str) -> int:
    """The one rounding rule for customer charges: half up, to the minor unit, done once."""
    return int(value.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class CoinPricing:
    """Converts coins to a charge in the payer's currency using FX settings (units per USD)."""

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
        return Money(round_minor(self.min_charge_usd * self.rate(currency), currency), currency)

    def price(self, coin_amount: int, currency: str) -> Money:
        """What a customer pays for ``coin_amount`` coins, minimum charge applied."""
        if coin_amount <= 0:
            raise ValidationFailed("coin amount must be positive", field="coins")
        exact = Decimal(coin_amount) * self.coin_price_usd / self.coin_price_per
        charge = round_minor(exact * self.rate(currency), currency)
        return Money(max(charge, self.min_charge(currency).amount), currency.upper())

    def coins_for_usd(self, usd: Decimal) -> int:
        """Whole coins a USD amount buys (rounded down: never credit coins not paid for)."""
        return int(
            (usd * self.coin_price_per / self.coin_price_usd).to_integral_value("ROUND_DOWN")
        )
