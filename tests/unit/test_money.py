"""Money: ISO 4217 exponents, exact parsing, coin pricing and the one rounding rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import (
    COIN,
    MAX_MINOR,
    CoinPricing,
    Money,
    cash_unit,
    coins,
    exponent,
    is_currency,
    is_tender,
    parse,
    price_text,
    round_charge,
    round_minor,
)
from promodesk.settings import DEFAULT_FX_PER_USD


def pricing(**fx: str) -> CoinPricing:
    return CoinPricing.from_settings("0.99", 100, "0.99", fx or DEFAULT_FX_PER_USD)


# exponents ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "digits"),
    [("USD", 2), ("usd", 2), ("JPY", 0), ("IDR", 2), ("KWD", 3), ("EUR", 2), (COIN, 0)],
)
def test_exponents_are_iso_4217_minor_units(code: str, digits: int) -> None:
    assert exponent(code) == digits


def test_iso_wins_where_cldr_digits_differ() -> None:
    # CLDR 48 shows IDR, HUF and COP with 0 digits; ISO 4217 (and stored amounts) keep 2.
    assert (exponent("IDR"), exponent("HUF"), exponent("COP"), exponent("IQD")) == (2, 2, 2, 3)


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        exponent("XYZQ")
    assert err.value.field == "currency"
    assert not is_currency("XYZQ")
    assert is_currency("coin")


def test_tender_is_iso_4217_in_use_with_minor_units() -> None:
    assert all(is_tender(c) for c in ("usd", "JPY", "IDR"))
    assert is_currency("DEM")  # CLDR keeps withdrawn codes
    assert not is_tender("DEM")
    assert not any(is_tender(c) for c in ("COIN", "XAU", "XDR", "XTS", "XXX", "XYZQ"))


# Money --------------------------------------------------------------------------------------


def test_money_is_integers_only_and_normalises_the_code() -> None:
    assert Money(5, "usd").currency == "USD"
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")
    with pytest.raises(ValidationFailed):
        Money(1, "NOPE")


def test_money_arithmetic_refuses_mixed_currencies() -> None:
    assert Money(150, "USD") + Money(250, "USD") == Money(400, "USD")
    assert Money(150, "USD") - Money(250, "USD") == Money(-100, "USD")
    assert -coins(3) == Money(-3, COIN)
    with pytest.raises(ValueError, match="currency mismatch"):
        _ = Money(1, "USD") + coins(1)


def test_format() -> None:
    assert Money(123456, "USD").format() == "1,234.56 USD"
    assert Money(1500, "JPY").format() == "1,500 JPY"
    assert str(coins(1200)) == "1,200 coins"


# parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("12.34", "USD", 1234),
        (" 12.340 ", "USD", 1234),  # trailing zeros are not extra precision
        ("12", "USD", 1200),
        ("1e3", "USD", 100000),
        ("-3.5", "USD", -350),
        ("0.000", "JPY", 0),
        ("1500", "JPY", 1500),
        ("16250.50", "IDR", 1625050),
        ("1.234", "KWD", 1234),
        ("100", COIN, 100),
    ],
)
def test_parse_is_exact(text: str, code: str, minor: int) -> None:
    assert parse(text, code) == Money(minor, code.upper())


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("12.345", "USD"),
        ("1.5", "JPY"),
        ("0.5", COIN),
        ("1.2345", "KWD"),
        # 34 significant digits: Decimal arithmetic would round this to 1.00 silently.
        ("1.000000000000000000000000000000001", "USD"),
    ],
)
def test_parse_refuses_extra_decimals(text: str, code: str) -> None:
    with pytest.raises(ValidationFailed, match="decimal places") as err:
        parse(text, code)
    assert err.value.field == "amount"


@pytest.mark.parametrize("text", ["", "abc", "NaN", "Infinity", "-inf", "1,5", "1e40", "1e999999"])
def test_parse_refuses_non_amounts_and_overflow(text: str) -> None:
    with pytest.raises(ValidationFailed):
        parse(text, "USD")


def test_parse_refuses_floats() -> None:
    with pytest.raises(TypeError):
        parse(0.1, "USD")  # type: ignore[arg-type]


def test_parse_bounds_are_64_bit() -> None:
    assert parse(str(MAX_MINOR), COIN).amount == MAX_MINOR
    with pytest.raises(ValidationFailed, match="too large"):
        parse(str(MAX_MINOR + 1), COIN)


@given(st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR))
def test_parse_round_trips_minor_units(minor: int) -> None:
    text = str(Decimal(minor).scaleb(-2))
    assert parse(text, "USD").amount == minor


# pricing ------------------------------------------------------------------------------------


def test_hundred_coins_cost_ninety_nine_cents() -> None:
    assert pricing().price(100, "USD") == Money(99, "USD")
    assert pricing().price(1000, "USD") == Money(990, "USD")


def test_minimum_charge_is_ninety_nine_cents_or_its_equivalent() -> None:
    p = pricing()
    assert p.min_charge("USD") == Money(99, "USD")
    # 0.99 USD x 16250 IDR/USD = 16,087.50 IDR, paid in whole rupiah: 16,088 (stored in ISO
    # 4217 minor units, IDR has 2: 1,608,800)
    assert p.min_charge("IDR") == Money(1608800, "IDR")
    # 0.99 x 151.5 = 149.985 JPY -> 150 (half up, once)
    assert p.min_charge("JPY") == Money(150, "JPY")


def test_fx_rates_are_settings() -> None:
    p = pricing(USD="1", EUR="0.5")
    assert p.min_charge("EUR") == Money(50, "EUR")  # 0.495 -> 0.50 half up
    assert p.price(10_000, "EUR") == Money(4950, "EUR")
    with pytest.raises(ValidationFailed, match="no exchange rate") as err:
        p.price(100, "JPY")
    assert err.value.field == "currency"


def test_cash_unit_is_cldr_cash_precision_in_iso_minor_units() -> None:
    assert cash_unit("USD") == 1
    assert cash_unit("JPY") == 1
    assert cash_unit("IDR") == 100  # exponent 2 (ISO), paid in whole rupiah (CLDR cash)
    assert cash_unit("CHF") == 5  # 0.05
    assert cash_unit("HUF") == 500  # 5 forint
    assert cash_unit(COIN) == 1
    assert exponent("IDR") == 2  # the stored exponent does not move


def test_charges_are_rounded_once_to_the_cash_unit() -> None:
    p = pricing()
    # 500 coins = US$4.95 x 16250 = 80,437.50 IDR -> 80,438 (half up, once, whole rupiah)
    assert p.price(500, "IDR") == Money(8043800, "IDR")
    assert p.price(100, "IDR") == Money(1608800, "IDR")
    assert round_charge(Decimal("80437.49"), "IDR") == 8043700
    assert round_charge(Decimal("1.025"), "CHF") == 105  # 1.025 -> 1.05 (0.05 steps, half up)
    assert round_charge(Decimal("1.0249"), "CHF") == 100


def test_amounts_show_the_cash_precision_only_when_paid_in_it() -> None:
    assert Money(1608800, "IDR").format() == "16,088 IDR"
    assert Money(1608750, "IDR").format() == "16,087.50 IDR"  # never rounded for display
    assert Money(99, "USD").format() == "0.99 USD"
    assert Money(100, "USD").format() == "1.00 USD"
    assert price_text(Money(8043800, "IDR")) == "IDR80,438"
    assert price_text(Money(8043750, "IDR")) == "IDR80,437.5"


@given(st.sampled_from(sorted(DEFAULT_FX_PER_USD)), st.integers(min_value=1, max_value=10**8))
def test_every_price_is_a_whole_number_of_cash_units(currency: str, n: int) -> None:
    price = pricing().price(n, currency)
    assert price.amount % cash_unit(currency) == 0
    assert parse(price.number().replace(",", ""), currency) == price


def test_rounding_is_half_up_once() -> None:
    assert round_minor(Decimal("0.005"), "USD") == 1
    assert round_minor(Decimal("0.00499999"), "USD") == 0
    assert round_minor(Decimal("149.5"), "JPY") == 150
    assert round_minor(Decimal("148.5"), "JPY") == 149  # not banker's rounding
    # Rounding once: 1051 coins x 0.0099 = 10.4049 USD -> 10.40. Rounding per 100 coins first
    # (or to 3 places first, 10.405) would give 10.41.
    assert pricing().price(1051, "USD") == Money(1040, "USD")
    # 1505 coins = 14.8995 USD -> 14.90; then x 151.5 would compound the rounding. Exact:
    # 14.8995 x 151.5 = 2257.27425 JPY -> 2257.
    assert pricing().price(1505, "JPY") == Money(2257, "JPY")


def test_price_refuses_non_positive_or_non_integer_coins() -> None:
    for bad in (0, -1, True):
        with pytest.raises(ValidationFailed):
            pricing().price(bad, "USD")


def test_coins_for_usd_rounds_down() -> None:
    p = pricing()
    assert p.coins_for_usd(Decimal("0.99")) == 100
    assert p.coins_for_usd(Decimal("1.00")) == 101  # 101.01 coins: the fraction is not credited
    assert p.coins_for_usd(Decimal("0.0098")) == 0
    assert p.coins_for_usd(Decimal("9.90")) == 1000
    with pytest.raises(ValidationFailed):
        p.coins_for_usd(Decimal("-1"))


@given(st.integers(min_value=1, max_value=10**9))
def test_coins_bought_never_cost_more_than_paid(n: int) -> None:
    p = pricing()
    usd = p.price(n, "USD").decimal
    bought = p.coins_for_usd(usd)
    # Paying price(n) buys at least n coins when above the minimum, and never coins not paid.
    assert bought * Decimal("0.0099") <= usd
    if usd > Decimal("0.99"):
        assert bought >= n - 1


def test_coins_paid_back_are_worth_their_price_rounded_down_to_the_cash_unit() -> None:
    p = pricing()
    assert p.value(400, "USD") == Money(396, "USD")
    assert p.value(1, "USD") == Money(0, "USD")  # 0.0099 USD: nothing is paid that was not
    # 150 coins = 1.485 USD x 16250 = 24,131.25 IDR -> 24,131 (whole rupiah, down)
    assert p.value(150, "IDR") == Money(2413100, "IDR")
    assert p.value(0, "IDR") == Money(0, "IDR")


@given(st.sampled_from(sorted(DEFAULT_FX_PER_USD)), st.integers(min_value=1, max_value=10**8))
def test_a_payback_never_exceeds_the_price(currency: str, n: int) -> None:
    p = pricing()
    back = p.value(n, currency)
    assert back.amount % cash_unit(currency) == 0
    assert 0 <= p.price(n, currency).amount - back.amount <= cash_unit(currency)


def test_coins_read_in_the_readers_language() -> None:
    from promodesk.kit.money import coins, price_text

    assert price_text(coins(3000)) == "3,000 coins"
    assert price_text(coins(3000), "zh_Hans") == "3,000 金币"
    assert price_text(coins(5), "id") == "5 coins"  # a language without its own words: English
