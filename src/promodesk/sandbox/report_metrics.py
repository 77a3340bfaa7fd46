"""Report metric values: strings, two decimals for money and ratios, ``"-"`` when undefined.

Rules:
- Every metric TikTok documents for BASIC reports (spec §6.9) and every one a common open-source
  connector requests (Airbyte's report streams, spec §8) is accepted: the additive ones follow
  from the row's counts; in-app and website event metrics are deterministic shares of
  conversions, so a row's numbers agree with each other (purchases never exceed conversions).
- A name in neither ``COUNTED`` nor ``ATTRIBUTES`` (or an attribute at a level where it has no
  meaning) is rejected with 40002 "Please correct the information in invalid metric fields and
  try again. Invalid metric fields: [...]".
- Money is exact: computed from integer hundredths, printed with two decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from promodesk.sandbox import generate as gen
from promodesk.sandbox.spend.metrics import Counts
from promodesk.sandbox.world.objects import World

CENT = Decimal("0.01")
EMPTY = "-"


def money(hundredths: int) -> str:
    return str((Decimal(hundredths) / 100).quantize(CENT))


def ratio(numerator: int, denominator: int, scale: int = 1) -> str:
    if denominator <= 0:
        return EMPTY
    return str((Decimal(numerator * scale) / denominator).quantize(CENT, ROUND_HALF_UP))


def cost(hundredths: int, count: int, scale: int = 1) -> str:
    if count <= 0:
        return EMPTY
    value = Decimal(hundredths * scale) / 100 / count
    return str(value.quantize(CENT, ROUND_HALF_UP))


def _share(c: Counts, part: int, whole: int = 100) -> int:
    return c.impressions * part // whole


COUNTED: dict[str, Callable[[Counts], str]] = {
    "spend": lambda c: money(c.spend),
    "impressions": lambda c: str(c.impressions),
    "clicks": lambda c: str(c.clicks),
    "ctr": lambda c: ratio(c.clicks, c.impressions, 100),
    "cpc": lambda c: cost(c.spend, c.clicks),
    "cpm": lambda c: cost(c.spend, c.impressions, 1000),
    "reach": lambda c: str(_share(c, 70)),
    "frequency": lambda c: ratio(c.impressions, _share(c, 70)),
    "cost_per_1000_reached": lambda c: cost(c.spend, _share(c, 70), 1000),
    "conversion": lambda c: str(c.conversion),
    "cost_per_conversion": lambda c: cost(c.spend, c.conversion),
    "conversion_rate": lambda c: ratio(c.conversion, c.clicks, 100),
    "result": lambda c: str(c.conversion),
    "cost_per_result": lambda c: cost(c.spend, c.conversion),
    "result_rate": lambda c: ratio(c.conversion, c.impressions, 100),
    "video_play_actions": lambda c: str(_share(c, 60)),
    "video_watched_2s": lambda c: str(_share(c, 35)),
    "video_watched_6s": lambda c: str(_share(c, 18)),
    "video_views_p25": lambda c: str(_share(c, 30)),
    "video_views_p50": lambda c: str(_share(c, 20)),
    "video_views_p75": lambda c: str(_share(c, 12)),
    "video_views_p100": lambda c: str(_share(c, 7)),
    "average_video_play": lambda c: ratio(c.impressions * 3 + c.spend % 200, c.impressions),
    "profile_visits": lambda c: str(c.clicks * 8 // 100),
    "likes": lambda c: str(c.clicks * 12 // 100),
    "comments": lambda c: str(c.clicks // 100),
    "shares": lambda c: str(c.clicks * 2 // 100),
    "follows": lambda c: str(c.clicks * 3 // 100),
    "app_install": lambda c: str(c.installs),
}


def _event(share: int) -> Callable[[Counts], int]:
    """An event that ``share`` per cent of conversions trigger."""
    return lambda c: c.conversion * share // 100


def _money_share(share: int) -> Callable[[Counts], int]:
    """A value in hundredths: ``share`` per cent of spend (an ROAS of share/100)."""
    return lambda c: c.spend * share // 100


# Event metrics: name -> count per row (``COSTED`` also get ``cost_per_*``, ``RATED`` ``*_rate``).
EVENTS: dict[str, Callable[[Counts], int]] = {
    "real_time_app_install": lambda c: c.installs,
    "registration": _event(40),
    "total_registration": _event(45),
    "purchase": _event(25),
    "total_purchase": _event(30),
    "app_event_add_to_cart": _event(60),
    "total_app_event_add_to_cart": _event(70),
    "checkout": _event(35),
    "total_checkout": _event(38),
    "view_content": _event(90),
    "total_view_content": _event(95),
    "complete_payment": _event(28),
    "sales_lead": _event(20),
    "total_sales_lead": _event(22),
    "onsite_shopping": _event(15),
    "vta_purchase": _event(8),
    "cta_purchase": _event(17),
    "vta_conversion": _event(30),
    "cta_conversion": _event(70),
    "total_pageview": lambda c: c.clicks * 9 // 10,
    "total_landing_page_view": lambda c: c.clicks * 8 // 10,
    "real_time_conversion": lambda c: c.conversion,
    "real_time_result": lambda c: c.conversion,
    "secondary_goal_result": _event(50),
    "engaged_view": lambda c: _share(c, 15),
    "engaged_view_15s": lambda c: _share(c, 6),
    "clicks_on_music_disc": lambda c: c.clicks // 50,
    "live_product_clicks": lambda c: 0,
}
VALUES: dict[str, Callable[[Counts], int]] = {
    "total_purchase_value": _money_share(180),
    "total_onsite_shopping_value": _money_share(60),
    "total_complete_payment_value": _money_share(150),
    "total_app_event_add_to_cart_value": _money_share(240),
    "total_checkout_value": _money_share(200),
    "cash_spend": lambda c: c.spend,
    "voucher_spend": lambda c: 0,
}
COSTED = (
    "registration",
    "total_registration",
    "purchase",
    "total_purchase",
    "app_event_add_to_cart",
    "total_app_event_add_to_cart",
    "checkout",
    "total_checkout",
    "view_content",
    "total_view_content",
    "complete_payment",
    "sales_lead",
    "total_landing_page_view",
    "onsite_shopping",
)
RATED = (
    "registration",
    "purchase",
    "app_event_add_to_cart",
    "checkout",
    "view_content",
    "complete_payment",
    "sales_lead",
    "onsite_shopping",
)


def _count_text(count: Callable[[Counts], int]) -> Callable[[Counts], str]:
    return lambda c: str(count(c))


def _money_text(value: Callable[[Counts], int]) -> Callable[[Counts], str]:
    return lambda c: money(value(c))


def _cost_text(count: Callable[[Counts], int]) -> Callable[[Counts], str]:
    return lambda c: cost(c.spend, count(c))


def _rate_text(count: Callable[[Counts], int]) -> Callable[[Counts], str]:
    return lambda c: ratio(count(c), c.clicks, 100)


COUNTED.update({name: _count_text(count) for name, count in EVENTS.items()})
COUNTED.update({name: _money_text(value) for name, value in VALUES.items()})
COUNTED.update({f"cost_per_{name}": _cost_text(EVENTS[name]) for name in COSTED})
COUNTED.update({f"{name}_rate": _rate_text(EVENTS[name]) for name in RATED})
COUNTED.update(
    {
        "real_time_app_install_cost": lambda c: cost(c.spend, c.installs),
        "cost_per_app_install": lambda c: cost(c.spend, c.installs),
        "real_time_cost_per_conversion": lambda c: cost(c.spend, c.conversion),
        "real_time_conversion_rate": lambda c: ratio(c.conversion, c.clicks, 100),
        "real_time_cost_per_result": lambda c: cost(c.spend, c.conversion),
        "real_time_result_rate": lambda c: ratio(c.conversion, c.impressions, 100),
        "cost_per_secondary_goal_result": lambda c: cost(c.spend, c.conversion * 50 // 100),
        "secondary_goal_result_rate": lambda c: ratio(c.conversion * 50 // 100, c.impressions, 100),
        "average_video_play_per_user": lambda c: ratio(
            c.impressions * 4 + c.spend % 300, _share(c, 70)
        ),
        "profile_visits_rate": lambda c: ratio(c.clicks * 8 // 100, c.impressions, 100),
        "value_per_complete_payment": lambda c: cost(
            c.spend * 150 // 100, c.conversion * 28 // 100
        ),
        "total_complete_payment_rate": lambda c: ratio(c.conversion * 28 // 100, c.clicks, 100),
        "value_per_total_purchase": lambda c: cost(c.spend * 180 // 100, c.conversion * 30 // 100),
        "total_active_pay_roas": lambda c: ratio(c.spend * 180 // 100, c.spend),
        "value_per_total_app_event_add_to_cart": lambda c: cost(
            c.spend * 240 // 100, c.conversion * 70 // 100
        ),
        "value_per_checkout": lambda c: cost(c.spend * 200 // 100, c.conversion * 35 // 100),
        "cost_per_total_sales_lead": lambda c: cost(c.spend, c.conversion * 22 // 100),
    }
)
ALL_LEVELS = ("advertiser", "campaign", "adgroup", "ad")
# Attribute metrics and the data levels where they are valid (others: 40002).
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "currency": ALL_LEVELS,
    "advertiser_name": ALL_LEVELS,
    "campaign_name": ("campaign", "adgroup", "ad"),
    "objective_type": ("campaign", "adgroup", "ad"),
    "campaign_id": ("adgroup", "ad"),
    "adgroup_name": ("adgroup", "ad"),
    "adgroup_id": ("ad",),
    "ad_name": ("ad",),
    "ad_text": ("ad",),
    "placement_type": ("adgroup", "ad"),
    "promotion_type": ("adgroup", "ad"),
    "tt_app_id": ("adgroup", "ad"),
    "tt_app_name": ("adgroup", "ad"),
    "mobile_app_id": ("adgroup", "ad"),
    "dpa_target_audience_type": ("adgroup", "ad"),
}


def metric_row(
    world: World, account: int, level: str, metrics: list[str]
) -> Callable[[int, Counts], dict[str, Any]]:
    """The metrics of one row of a page, as ``row(index, counts)``: what depends only on the
    query (which names are counted, which are attributes) is settled once per page."""
    plan = [(name, COUNTED.get(name)) for name in dict.fromkeys(metrics)]
    wanted = [name for name, value in plan if value is None and name in ATTRIBUTES]

    def row(index: int, counts: Counts) -> dict[str, Any]:
        attrs = _attributes(world, account, level, index, wanted) if wanted else {}
        return {
            name: value(counts) if value is not None else attrs.get(name, EMPTY)
            for name, value in plan
        }

    return row


def _attributes(
    world: World, account: int, level: str, index: int, wanted: list[str]
) -> dict[str, str]:
    """The attribute metrics in ``wanted`` of one row (only those: a page of 1,000 rows asks
    for each, and most reports want one or two); a name the row's level lacks is left out."""
    group = world.adgroup_of(account, index) if level == "ad" else index
    campaign = (
        world.campaign_of(account, group) if level not in ("campaign", "advertiser") else index
    )
    out: dict[str, str] = {}
    app: bool | None = None  # an app campaign's ad group or ad (looked up when a name needs it)
    for name in wanted:
        if level not in _LEVELS_OF.get(name, ()):
            continue
        if name in _APP_ONLY or name == "promotion_type":
            if app is None:
                app = world.objective(account, campaign) == "APP_PROMOTION"
            if name in _APP_ONLY and not app:
                continue
        out[name] = _ATTRIBUTE[name](world, account, index, group, campaign, bool(app))
    return out


# Attribute metric -> its value from (world, account, index, ad group, campaign, app), and the
# levels whose rows have it (``_APP_ONLY``: ad groups and ads of app campaigns only).
_Attribute = Callable[[World, int, int, int, int, bool], str]
_ATTRIBUTE: dict[str, _Attribute] = {
    "currency": lambda w, a, i, g, c, app: w.currency(a),
    "advertiser_name": lambda w, a, i, g, c, app: str(w.account(a)["name"]),
    "campaign_name": lambda w, a, i, g, c, app: w.campaign_name(a, c),
    "objective_type": lambda w, a, i, g, c, app: w.objective(a, c),
    "campaign_id": lambda w, a, i, g, c, app: gen.entity_id("campaign", a, c),
    "adgroup_name": lambda w, a, i, g, c, app: w.adgroup_name(a, g),
    "adgroup_id": lambda w, a, i, g, c, app: gen.entity_id("adgroup", a, g),
    "placement_type": lambda w, a, i, g, c, app: "PLACEMENT_TYPE_AUTOMATIC",
    "promotion_type": lambda w, a, i, g, c, app: "APP_ANDROID" if app else "WEBSITE",
    "tt_app_id": lambda w, a, i, g, c, app: str(7_100_000_000 + a),
    "tt_app_name": lambda w, a, i, g, c, app: f"{gen.BRANDS[a % len(gen.BRANDS)]} app",
    "mobile_app_id": lambda w, a, i, g, c, app: f"com.example.app{a}",
    "ad_name": lambda w, a, i, g, c, app: w.ad_name(a, i),
    "ad_text": lambda w, a, i, g, c, app: gen.ad_text(a, i),
}
_ADGROUP_AND_AD = ("adgroup", "ad")
_LEVELS_OF: dict[str, tuple[str, ...]] = {
    "currency": ALL_LEVELS,
    "advertiser_name": ALL_LEVELS,
    "campaign_name": ALL_LEVELS[1:],
    "objective_type": ALL_LEVELS[1:],
    "campaign_id": ALL_LEVELS[1:],
    "adgroup_name": _ADGROUP_AND_AD,
    "adgroup_id": _ADGROUP_AND_AD,
    "placement_type": _ADGROUP_AND_AD,
    "promotion_type": _ADGROUP_AND_AD,
    "tt_app_id": _ADGROUP_AND_AD,
    "tt_app_name": _ADGROUP_AND_AD,
    "mobile_app_id": _ADGROUP_AND_AD,
    "ad_name": ("ad",),
    "ad_text": ("ad",),
}
_APP_ONLY = frozenset(("tt_app_id", "tt_app_name", "mobile_app_id"))
