"""Payment methods by region and device OS, and the payer's currency (pure rules).

Rules (from the seed's table, kept as editable defaults):
- iOS users always pay through in-app purchase (IAP: Apple Pay).
- Android users pay with non-IAP methods (cards, wallets, transfers) except in GB, where
  everyone must use IAP (Google Pay on Android, Apple Pay on iOS).
- A method not allowed for the creator's region and OS is refused with the allowed ones named.
- The payer's currency is the region's official currency (CLDR via Babel), not a hand table.
- A quote is refused below the minimum charge (fewer coins than US$0.99 buys), naming the
  fewest coins allowed; coin packages (a setting) are offered with their prices.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from babel.numbers import get_territory_currencies

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import CoinPricing, Money
from promodesk.promote.domain.eligibility import DeviceOS


class Channel(StrEnum):
    IAP = "iap"  # in-app purchase through the phone's store
    NON_IAP = "non_iap"  # card, wallet or transfer outside the store


@dataclass(frozen=True, slots=True)
class MethodRule:
    """One row of the payment-methods settings table."""

    region: str  # ISO 3166-1 alpha-2
    os: DeviceOS
    code: str
    label: str
    channel: Channel
    enabled: bool = True


_LABELS: dict[str, str] = {
    "apple_pay": "Apple Pay",
    "google_pay": "Google Pay",
    "card": "Credit card & debit card",
    "dana": "DANA",
    "doku_transfer": "Bank transfer (DOKU)",
    "ovo": "OVO",
    "offline_transfer": "Offline bank transfer",
    "paypal": "PayPal",
    "rabbit_line_pay": "Rabbit LINE Pay",
    "2c2p_transfer": "Bank transfer (2C2P)",
    "true_money": "TrueMoney",
    "direct_debit": "Direct debit",
    "paypal_reference": "PayPal reference",
}

# Non-IAP methods for Android users per region (the seed's table). GB has none: IAP only.
_NON_IAP: dict[str, tuple[str, ...]] = {
    "ID": ("card", "dana", "doku_transfer", "ovo", "offline_transfer"),
    "TH": ("card", "paypal", "rabbit_line_pay", "2c2p_transfer", "true_money"),
    "GB": (),
    "US": ("card", "paypal", "direct_debit"),
    "AU": ("card", "paypal", "paypal_reference"),
    "CA": ("card", "paypal"),
}
IAP_ONLY_REGIONS = frozenset({"GB"})


def label_of(code: str) -> str:
    return _LABELS.get(code, code.replace("_", " ").title())


def _default_rules() -> tuple[MethodRule, ...]:
    rules: list[MethodRule] = []
    for region, non_iap in _NON_IAP.items():
        rules.append(
            MethodRule(region, DeviceOS.IOS, "apple_pay", label_of("apple_pay"), Channel.IAP)
        )
        if region in IAP_ONLY_REGIONS:
            rules.append(
                MethodRule(
                    region, DeviceOS.ANDROID, "google_pay", label_of("google_pay"), Channel.IAP
                )
            )
        for code in non_iap:
            rules.append(
                MethodRule(region, DeviceOS.ANDROID, code, label_of(code), Channel.NON_IAP)
            )
    return tuple(rules)


DEFAULT_METHODS: tuple[MethodRule, ...] = _default_rules()


class MethodNotAllowed(ValidationFailed):
    """The payment method is not offered to this creator's region and device."""


class RegionNotSupported(ValidationFailed):
    """Recharge is not offered in this region."""


@dataclass(frozen=True)
class MethodTable:
    """The effective settings table (defaults or a workspace's edited copy)."""

    rules: tuple[MethodRule, ...] = DEFAULT_METHODS

    @classmethod
    def of(cls, rules: Iterable[MethodRule]) -> MethodTable:
        return cls(tuple(rules))

    def regions(self) -> list[str]:
        return sorted({r.region for r in self.rules if r.enabled})

    def allowed(self, region: str, os: DeviceOS | str) -> list[MethodRule]:
        region, device = region.upper(), DeviceOS(os)
        return [r for r in self.rules if r.enabled and r.region == region and r.os == device]

    def check(self, region: str, os: DeviceOS | str, method: str) -> MethodRule:
        """The rule for ``method``, or a refusal naming the methods this creator may use."""
        device = DeviceOS(os)
        allowed = self.allowed(region, device)
        if not allowed:
            raise RegionNotSupported(
                f"recharge is not available in {region.upper()}; "
                f"available regions: {', '.join(self.regions())}",
                field="region",
            )
        for rule in allowed:
            if rule.code == method:
                return rule
        names = ", ".join(f"{r.code} ({r.label})" for r in allowed)
        raise MethodNotAllowed(
            f"{method!r} is not available to {device.value} users in {region.upper()}; "
            f"allowed: {names}",
            field="method",
            allowed=[r.code for r in allowed],
        )


def uses_iap(region: str, os: DeviceOS | str) -> bool:
    """Whether this creator is on the store (IAP) side: all iOS users and everyone in GB."""
    return DeviceOS(os) == DeviceOS.IOS or region.upper() in IAP_ONLY_REGIONS


def store_method(os: DeviceOS | str) -> str:
    return "apple_pay" if DeviceOS(os) == DeviceOS.IOS else "google_pay"


def payer_currency(region: str, *, on: date | None = None, priced: Sequence[str] = ()) -> str:
    """The region's current legal tender (CLDR). With ``priced`` (currencies that have an FX
    rate), the first tender that is priced, else USD when it is priced."""
    tenders = get_territory_currencies(region.upper(), start_date=on, tender=True)
    if not tenders:
        raise RegionNotSupported(f"no currency is known for region {region!r}", field="region")
    if not priced:
        return str(tenders[0])
    for code in tenders:
        if code in priced:
            return str(code)
    if "USD" in priced:
        return "USD"
    raise RegionNotSupported(
        f"no exchange rate for {', '.join(tenders)}; add one to PROMODESK_FX_PER_USD",
        field="currency",
    )


@dataclass(frozen=True, slots=True)
class Quote:
    coins: int
    price: Money
    min_charge: Money
    at_minimum: bool


def quote(pricing: CoinPricing, coins: int, region: str, currency: str | None = None) -> Quote:
    """The price of ``coins`` for a payer in ``region`` (its currency unless ``currency``): the
    one number that is shown, charged, stored and invoiced (rounded once to the cash unit)."""
    code = (currency or payer_currency(region, priced=tuple(pricing.fx_per_usd))).upper()
    minimum = pricing.min_charge(code)
    price = pricing.check(coins, code)  # fewer coins than the minimum charge buys: refused
    return Quote(coins, price, minimum, price.amount == minimum.amount)


def least_coins(pricing: CoinPricing, region: str, currency: str | None = None) -> int:
    """The fewest coins a payer in ``region`` may buy: what the minimum charge buys."""
    code = (currency or payer_currency(region, priced=tuple(pricing.fx_per_usd))).upper()
    return pricing.min_coins(code)


def packages(
    pricing: CoinPricing, sizes: Iterable[int], region: str, currency: str | None = None
) -> list[Quote]:
    """The coin packages offered to a payer in ``region``, each with its price; a package
    under the minimum charge in that currency is left out rather than offered and refused."""
    code = (currency or payer_currency(region, priced=tuple(pricing.fx_per_usd))).upper()
    least = pricing.min_coins(code)
    return [quote(pricing, n, region, code) for n in sorted(set(sizes)) if n >= least]
