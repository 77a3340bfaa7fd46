"""Payment methods by region and OS (the seed's table), payer currency and price quotes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import CoinPricing, Money
from promodesk.promote.domain.eligibility import DeviceOS
from promodesk.promote.domain.regions import (
    DEFAULT_METHODS,
    Channel,
    MethodNotAllowed,
    MethodRule,
    MethodTable,
    RegionNotSupported,
    packages,
    payer_currency,
    quote,
    uses_iap,
)
from promodesk.settings import DEFAULT_FX_PER_USD

TABLE = MethodTable()
PRICING = CoinPricing.from_settings("0.99", 100, "0.99", DEFAULT_FX_PER_USD)


def codes(region: str, os: str) -> list[str]:
    return [r.code for r in TABLE.allowed(region, os)]


def test_seed_regions_are_all_there() -> None:
    assert TABLE.regions() == ["AU", "CA", "GB", "ID", "TH", "US"]


@pytest.mark.parametrize("region", ["ID", "TH", "GB", "US", "AU", "CA"])
def test_ios_pays_with_apple_pay_everywhere(region: str) -> None:
    rules = TABLE.allowed(region, DeviceOS.IOS)
    assert [(r.code, r.channel) for r in rules] == [("apple_pay", Channel.IAP)]


def test_gb_android_must_use_google_pay_iap() -> None:
    rules = TABLE.allowed("GB", "android")
    assert [(r.code, r.channel) for r in rules] == [("google_pay", Channel.IAP)]
    assert uses_iap("GB", "android")
    assert uses_iap("US", "ios")
    assert not uses_iap("US", "android")


def test_android_outside_gb_gets_the_seed_non_iap_methods() -> None:
    assert codes("ID", "android") == ["card", "dana", "doku_transfer", "ovo", "offline_transfer"]
    assert codes("TH", "android") == [
        "card",
        "paypal",
        "rabbit_line_pay",
        "2c2p_transfer",
        "true_money",
    ]
    assert codes("US", "android") == ["card", "paypal", "direct_debit"]
    assert codes("AU", "android") == ["card", "paypal", "paypal_reference"]
    assert codes("CA", "android") == ["card", "paypal"]
    for region in ("ID", "TH", "US", "AU", "CA"):
        assert all(r.channel == Channel.NON_IAP for r in TABLE.allowed(region, "android"))
        assert "apple_pay" not in codes(region, "android")


def test_refusal_names_the_allowed_methods() -> None:
    with pytest.raises(MethodNotAllowed) as err:
        TABLE.check("US", "ios", "paypal")
    assert "apple_pay (Apple Pay)" in err.value.detail
    assert err.value.field == "method"
    assert err.value.to_body()["allowed"] == ["apple_pay"]
    with pytest.raises(MethodNotAllowed) as err:
        TABLE.check("GB", "android", "card")
    assert "google_pay" in err.value.detail
    assert TABLE.check("id", "android", "ovo").label == "OVO"


def test_region_without_methods_is_refused_with_the_regions_listed() -> None:
    with pytest.raises(RegionNotSupported) as err:
        TABLE.check("JP", "android", "card")
    assert "AU, CA, GB, ID, TH, US" in err.value.detail


def test_an_edited_table_replaces_the_defaults() -> None:
    edited = MethodTable.of(
        [r for r in DEFAULT_METHODS if r.code != "paypal"]
        + [MethodRule("JP", DeviceOS.ANDROID, "card", "Card", Channel.NON_IAP)]
    )
    assert "paypal" not in [r.code for r in edited.allowed("US", "android")]
    assert edited.check("JP", "android", "card").code == "card"
    disabled = MethodTable.of(
        [MethodRule("US", DeviceOS.IOS, "apple_pay", "AP", Channel.IAP, False)]
    )
    with pytest.raises(RegionNotSupported):
        disabled.check("US", "ios", "apple_pay")


def test_payer_currency_comes_from_cldr() -> None:
    assert [payer_currency(r) for r in ("ID", "TH", "GB", "US", "AU", "CA")] == [
        "IDR",
        "THB",
        "GBP",
        "USD",
        "AUD",
        "CAD",
    ]
    # a region whose currency has no FX rate falls back to USD when USD is priced
    assert payer_currency("CH", priced=("USD", "EUR")) == "USD"
    with pytest.raises(RegionNotSupported):
        payer_currency("ZZ")


def test_quote_100_coins_is_0_99_usd() -> None:
    q = quote(PRICING, 100, "US")
    assert q.price == Money(99, "USD")
    assert q.at_minimum


def test_fewer_coins_than_the_minimum_charge_buys_are_refused() -> None:
    # 100 coins = US$0.99 = 16,087.50 IDR -> 16,088: exactly the minimum charge
    q = quote(PRICING, 100, "ID")
    assert q.price == Money(1608800, "IDR")
    assert q.price == q.min_charge
    assert q.at_minimum
    for few in (1, 10, 99):
        with pytest.raises(ValidationFailed) as err:
            quote(PRICING, few, "ID")
        assert err.value.field == "coins"
        assert err.value.detail == "at least 100 coins (the minimum charge, IDR16,088)"
        assert err.value.extra["min_coins"] == 100
    with pytest.raises(
        ValidationFailed, match=r"at least 100 coins \(the minimum charge, \$0.99\)"
    ):
        quote(PRICING, 99, "US")


def test_coin_packages_come_with_their_prices_and_skip_those_under_the_minimum() -> None:
    offered = packages(PRICING, (70, 100, 500, 1000), "ID")
    assert [(q.coins, q.price) for q in offered] == [
        (100, Money(1608800, "IDR")),
        (500, Money(8043800, "IDR")),
        (1000, Money(16087500, "IDR")),
    ]


def test_the_minimum_in_coins_for_every_priced_currency() -> None:
    for currency in PRICING.fx_per_usd:
        least = PRICING.min_coins(currency)
        assert PRICING.price(least, currency).amount >= PRICING.min_charge(currency).amount
        if least > 1:
            assert PRICING.price(least - 1, currency).amount < PRICING.min_charge(currency).amount
    # 1,000 coins = US$9.90 = 9.90 x 36.20 THB = 358.38 THB
    assert quote(PRICING, 1000, "TH").price == Money(35838, "THB")
    # 7,000 coins = US$69.30 x 0.79 = 54.747 GBP -> 54.75 (half up, once)
    assert quote(PRICING, 7000, "GB").price == Money(5475, "GBP")
    assert not quote(PRICING, 7000, "GB").at_minimum


def test_quote_in_an_explicit_currency() -> None:
    assert quote(PRICING, 100, "ID", "USD").price == Money(99, "USD")
    assert PRICING.rate("USD") == Decimal(1)
