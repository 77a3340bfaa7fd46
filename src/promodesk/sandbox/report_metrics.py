"""Report metric values: strings, two decimals for money and ratios, ``"-"`` when undefined."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from promodesk.sandbox import generate as gen
from promodesk.sandbox.spend import Counts
from promodesk.sandbox.world import World

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
}


def metric_values(
    world: World, account: int, level: str, index: int, counts: Counts, metrics: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    attrs: dict[str, str] = {}
    if any(m in ATTRIBUTES for m in metrics):
        attrs = _attributes(world, account, level, index)
    for name in metrics:
        out[name] = COUNTED[name](counts) if name in COUNTED else attrs.get(name, EMPTY)
    return out


def _attributes(world: World, account: int, level: str, index: int) -> dict[str, str]:
    attrs = {"currency": world.currency(account), "advertiser_name": world.account(account)["name"]}
    if level == "advertiser":
        return attrs
    group = world.adgroup_of(account, index) if level == "ad" else index
    campaign = world.campaign_of(account, group) if level != "campaign" else index
    attrs["campaign_name"] = world.campaign_name(account, campaign)
    attrs["objective_type"] = gen.objective(account, campaign)
    attrs["campaign_id"] = gen.entity_id("campaign", account, campaign)
    if level in ("adgroup", "ad"):
        attrs["adgroup_name"] = world.adgroup_name(account, group)
        attrs["adgroup_id"] = gen.entity_id("adgroup", account, group)
    if level == "ad":
        attrs["ad_name"] = world.ad_name(account, index)
        attrs["ad_text"] = gen.ad_text(account, index)
    return attrs
