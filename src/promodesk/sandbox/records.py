"""The JSON records of campaigns, ad groups, ads and audiences, as ``*/get/`` returns them."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Any

from promodesk.sandbox import generate as gen
from promodesk.sandbox.wire import fmt_time
from promodesk.sandbox.world.objects import World


class Memo:
    """What the records of one listed page share: the account's status vectors and parent
    names, looked up once per page instead of once per record (a page is 1,000 records)."""

    def __init__(self, world: World, account: int) -> None:
        self.world = world
        self.account = account
        self.advertiser_id = gen.advertiser_id(account)
        self._campaign_names: dict[int, str] = {}
        self._adgroup_names: dict[int, str] = {}

    @cached_property
    def campaign_statuses(self) -> list[str]:
        return self.world.statuses("campaign", self.account)

    @cached_property
    def adgroup_statuses(self) -> list[str]:
        return self.world.statuses("adgroup", self.account)

    @cached_property
    def ad_statuses(self) -> list[str]:
        return self.world.statuses("ad", self.account)

    def campaign_name(self, index: int) -> str:
        name = self._campaign_names.get(index)
        if name is None:
            name = self._campaign_names[index] = self.world.campaign_name(self.account, index)
        return name

    def adgroup_name(self, index: int) -> str:
        name = self._adgroup_names.get(index)
        if name is None:
            name = self._adgroup_names[index] = self.world.adgroup_name(self.account, index)
        return name


def campaign(world: World, account: int, index: int, memo: Memo | None = None) -> dict[str, Any]:
    m = memo or Memo(world, account)
    mode, budget = world.campaign_budget(account, index)
    change = world.changes.get(gen.entity_id("campaign", account, index)) or {}
    own = world.own("campaign", account, index)
    goal = world.objective(account, index)
    return {
        "advertiser_id": m.advertiser_id,
        "campaign_id": gen.entity_id("campaign", account, index),
        "campaign_name": m.campaign_name(index),
        "campaign_type": "REGULAR_CAMPAIGN",
        "objective_type": goal,
        "objective": "APP" if goal == "APP_PROMOTION" else "LANDING_PAGE",
        "app_promotion_type": "APP_INSTALL" if goal == "APP_PROMOTION" else "UNSET",
        "budget_mode": mode,
        "budget": float(change.get("budget", budget)),
        "budget_optimize_on": False,
        "operation_status": "ENABLE" if own.enabled else "DISABLE",
        "secondary_status": m.campaign_statuses[index],
        "is_new_structure": True,
        "is_smart_performance_campaign": False,
        "is_search_campaign": False,
        "is_advanced_dedicated_campaign": False,
        "disable_skan_campaign": False,
        "campaign_automation_type": "MANUAL",
        "catalog_enabled": False,
        "roas_bid": 0.0,
        "deep_bid_type": None,
        "rta_id": None,
        "rta_bid_enabled": False,
        "rta_product_selection_enabled": False,
        "special_industries": list(change.get("special_industries", [])),
        "po_number": change.get("po_number"),
        "postback_window_mode": None,
        **world.timestamps("campaign", account, index),
    }


def _adgroup(world: World, account: int, index: int, memo: Memo | None = None) -> dict[str, Any]:
    m = memo or Memo(world, account)
    seed = world.config.seed
    parent = world.campaign_of(account, index)
    goal = world.objective(account, parent)
    optimization, billing = gen.GOALS[goal]
    schedule_type, start, end = world.schedule(account, index)
    per_usd = gen.market(account)[3]
    own = world.own("adgroup", account, index)
    roll = gen.mix(seed, 14, account, index)
    return {
        "advertiser_id": m.advertiser_id,
        "campaign_id": gen.entity_id("campaign", account, parent),
        "campaign_name": m.campaign_name(parent),
        "adgroup_id": gen.entity_id("adgroup", account, index),
        "adgroup_name": m.adgroup_name(index),
        "budget_mode": "BUDGET_MODE_DAY",
        "budget": float((20 + 5 * (roll % 37)) * per_usd),
        "scheduled_budget": 0.0,
        "schedule_type": schedule_type,
        "schedule_start_time": fmt_time(start),
        "schedule_end_time": fmt_time(end),
        "dayparting": None,
        "optimization_goal": optimization,
        "billing_event": billing,
        "bid_type": "BID_TYPE_NO_BID",
        "bid_price": 0.0,
        "conversion_bid_price": 0.0,
        "pacing": "PACING_MODE_SMOOTH",
        "operation_status": "ENABLE" if own.enabled else "DISABLE",
        "secondary_status": m.adgroup_statuses[index],
        "placement_type": "PLACEMENT_TYPE_AUTOMATIC",
        "placements": ["PLACEMENT_TIKTOK"],
        "location_ids": [str(1_000_000 + account % 50)],
        "age_groups": ["AGE_18_24", "AGE_25_34"] if roll % 2 else ["AGE_25_34", "AGE_35_44"],
        "gender": "GENDER_UNLIMITED",
        "languages": [],
        "audience_ids": [],
        "promotion_type": "APP_ANDROID" if goal == "APP_PROMOTION" else "WEBSITE",
        "is_new_structure": True,
        **world.timestamps("adgroup", account, index),
    }


def _ad(world: World, account: int, index: int, memo: Memo | None = None) -> dict[str, Any]:
    m = memo or Memo(world, account)
    seed = world.config.seed
    group = world.adgroup_of(account, index)
    parent = world.campaign_of(account, group)
    own = world.own("ad", account, index)
    roll = gen.mix(seed, 15, account, index)
    brand = gen.BRANDS[account % len(gen.BRANDS)]
    return {
        "advertiser_id": m.advertiser_id,
        "campaign_id": gen.entity_id("campaign", account, parent),
        "campaign_name": m.campaign_name(parent),
        "adgroup_id": gen.entity_id("adgroup", account, group),
        "adgroup_name": m.adgroup_name(group),
        "ad_id": gen.entity_id("ad", account, index),
        "ad_name": world.ad_name(account, index),
        "operation_status": "ENABLE" if own.enabled else "DISABLE",
        "secondary_status": m.ad_statuses[index],
        "ad_format": "SINGLE_VIDEO",
        "ad_text": gen.ad_text(account, index),
        "ad_texts": None,
        "video_id": f"v10033g5000{roll % 10**12:012d}",
        "image_ids": [],
        "call_to_action": gen.CALL_TO_ACTIONS[roll % len(gen.CALL_TO_ACTIONS)],
        "call_to_action_id": None,
        "landing_page_url": f"https://shop.example/{account}/p/{index}",
        "landing_page_urls": None,
        # A shopping ad's product ids (UNCERTAIN in the spec): none on generated ads; an ad
        # created with them keeps them.
        "item_group_ids": None,
        "display_name": brand,
        "identity_id": str(6_900_000_000 + account),
        "identity_type": "CUSTOMIZED_USER",
        "tiktok_item_id": None,
        "is_aco": False,
        "creative_type": None,
        **world.timestamps("ad", account, index),
    }


def audience(world: World, account: int, index: int) -> dict[str, Any]:
    seed = world.config.seed
    roll = gen.mix(seed, 16, account, index)
    created = gen.created_at(world.config.epoch, seed, "audience", account, index)
    kind = gen.AUDIENCE_TYPES[roll % len(gen.AUDIENCE_TYPES)]
    expiring = roll % 7 == 0
    return {
        "audience_id": gen.entity_id("audience", account, index),
        "name": f"{kind} audience {index + 1:03d}",
        "audience_type": kind,
        "cover_num": int(1000 + roll % 2_000_000),
        "is_valid": roll % 11 != 0,
        "is_expiring": expiring,
        "expired_time": fmt_time(created + timedelta(days=365)),
        "create_time": fmt_time(created),
        "calculate_type": None,
        "shared": False,
        "is_creator": True,
    }


# The fields an ad group or ad made through ``*/create/`` keeps as it was created with; the
# rest (ids, names, statuses, times) comes from the world like a generated object's.
CREATED_FIELDS = {
    "adgroup": frozenset(
        {
            "budget_mode",
            "budget",
            "optimization_goal",
            "billing_event",
            "bid_type",
            "bid_price",
            "pacing",
            "placement_type",
            "placements",
            "location_ids",
            "age_groups",
            "gender",
            "languages",
            "promotion_type",
        }
    ),
    "ad": frozenset(
        {
            "ad_format",
            "ad_text",
            "video_id",
            "image_ids",
            "call_to_action",
            "landing_page_url",
            "item_group_ids",
            "display_name",
            "identity_id",
            "identity_type",
        }
    ),
}


def _created(kind: str, world: World, account: int, index: int, record: dict[str, Any]) -> None:
    made = world.made_of(kind, account, index)
    if made is not None:
        keep = CREATED_FIELDS[kind]
        record.update({k: v for k, v in made.values.items() if k in keep})


def adgroup(world: World, account: int, index: int, memo: Memo | None = None) -> dict[str, Any]:
    record = _adgroup(world, account, index, memo)
    _created("adgroup", world, account, index, record)
    return record


def ad(world: World, account: int, index: int, memo: Memo | None = None) -> dict[str, Any]:
    record = _ad(world, account, index, memo)
    _created("ad", world, account, index, record)
    return record


BUILDERS = {"campaign": campaign, "adgroup": adgroup, "ad": ad}
