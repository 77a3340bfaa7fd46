"""Payment methods by region and OS (the seed's table), payer currency and price quotes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from promodesk.kit.money import CoinPricing, Money
from promodesk.promote.domain import DeviceOS
from promodesk.promote.regions import (
    DEFAULT_METHODS,
    Channel,
    MethodNotAllowed,
    MethodRule,
    MethodTable,
    RegionNotSupported,
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


def test_quote_applies_the_minimum_charge_in_the_payer_currency() -> None:
    # 10 coins = US$0.099 < US$0.99: charged the minimum, 0.99 x 16250 IDR = 16,087.50 -> 16,088
    q = quote(PRICING, 10, "ID")
    assert q.price == Money(1608800, "IDR")
    assert q.price == q.min_charge
    # 1,000 coins = US$9.90 = 9.90 x 36.20 THB = 358.38 THB
    assert quote(PRICING, 1000, "TH").price == Money(35838, "THB")
    # 7,000 coins = US$69.30 x 0.79 = 54.747 GBP -> 54.75 (half up, once)
    assert quote(PRICING, 7000, "GB").price == Money(5475, "GBP")
    assert not quote(PRICING, 7000, "GB").at_minimum


def test_quote_in_an_explicit_currency() -> None:
    assert quote(PRICING, 100, "ID", "USD").price == Money(99, "USD")
    assert PRICING.rate("USD") == Decimal(1)
