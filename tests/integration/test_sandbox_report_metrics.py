"""``report/integrated/get/`` accepts every BASIC metric TikTok documents and connectors request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from promodesk.kit.clock import FrozenClock
from promodesk.sandbox import SandboxConfig
from tests.sandbox_support import SandboxHandle, running_sandbox

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)

# spec §6.9's common metrics, then the metrics of Airbyte's report streams (spec §8).
DOCUMENTED = [
    "spend",
    "impressions",
    "clicks",
    "ctr",
    "cpc",
    "cpm",
    "reach",
    "frequency",
    "cost_per_1000_reached",
    "conversion",
    "cost_per_conversion",
    "conversion_rate",
    "result",
    "cost_per_result",
    "video_play_actions",
    "video_watched_2s",
    "video_watched_6s",
    "average_video_play",
    "video_views_p25",
    "video_views_p50",
    "video_views_p75",
    "video_views_p100",
    "profile_visits",
    "likes",
    "comments",
    "shares",
    "follows",
    "app_install",
]
CONNECTOR = [
    "real_time_conversion",
    "real_time_cost_per_conversion",
    "real_time_conversion_rate",
    "result_rate",
    "real_time_result",
    "real_time_cost_per_result",
    "real_time_result_rate",
    "secondary_goal_result",
    "cost_per_secondary_goal_result",
    "secondary_goal_result_rate",
    "cash_spend",
    "voucher_spend",
    "average_video_play_per_user",
    "clicks_on_music_disc",
    "real_time_app_install",
    "real_time_app_install_cost",
    "total_purchase_value",
    "total_onsite_shopping_value",
    "onsite_shopping",
    "vta_purchase",
    "cta_purchase",
    "vta_conversion",
    "cta_conversion",
    "total_pageview",
    "complete_payment",
    "value_per_complete_payment",
    "total_complete_payment_rate",
    "profile_visits_rate",
    "purchase",
    "purchase_rate",
    "registration",
    "registration_rate",
    "sales_lead",
    "sales_lead_rate",
    "cost_per_app_install",
    "cost_per_purchase",
    "cost_per_registration",
    "cost_per_sales_lead",
    "cost_per_total_sales_lead",
    "cost_per_total_app_event_add_to_cart",
    "total_app_event_add_to_cart",
]
ATTRIBUTES = {
    "AUCTION_CAMPAIGN": ["campaign_name"],
    "AUCTION_ADGROUP": [
        "campaign_name",
        "campaign_id",
        "adgroup_name",
        "placement_type",
        "tt_app_id",
        "tt_app_name",
        "mobile_app_id",
        "promotion_type",
        "dpa_target_audience_type",
    ],
    "AUCTION_AD": [
        "campaign_name",
        "campaign_id",
        "adgroup_name",
        "placement_type",
        "tt_app_id",
        "tt_app_name",
        "mobile_app_id",
        "promotion_type",
        "dpa_target_audience_type",
        "adgroup_id",
        "ad_name",
        "ad_text",
    ],
}


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    config = SandboxConfig(
        accounts=1, campaigns=10, adgroups=20, ads=40, rate_limit=False, now=FrozenClock(NOW).now
    )
    with running_sandbox(config) as sb:
        yield sb


def report(sb: SandboxHandle, level: str, metrics: list[str]) -> dict[str, Any]:
    id_dim = level.removeprefix("AUCTION_").lower() + "_id"
    params = {
        "advertiser_id": sb.advertiser_ids[0],
        "report_type": "BASIC",
        "data_level": level,
        "dimensions": json.dumps([id_dim, "stat_time_day"]),
        "metrics": json.dumps(metrics),
        "start_date": "2026-03-01",
        "end_date": "2026-03-14",
        "page_size": 1000,
    }
    answer = httpx.get(
        sb.api("report/integrated/get/"), params=params, headers={"Access-Token": sb.access_token()}
    )
    return answer.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("level", sorted(ATTRIBUTES))
def test_every_documented_and_connector_metric_is_accepted(sb: SandboxHandle, level: str) -> None:
    metrics = DOCUMENTED + CONNECTOR + ATTRIBUTES[level]
    assert len(metrics) <= 200
    body = report(sb, level, metrics)
    assert body["code"] == 0, body["message"]
    rows = body["data"]["list"]
    assert rows
    for row in rows:
        values = row["metrics"]
        assert set(values) == set(metrics)
        assert all(isinstance(v, str) for v in values.values())
        assert int(values["purchase"]) <= int(values["conversion"])
        assert Decimal(values["cash_spend"]) == Decimal(values["spend"])


def test_an_unknown_metric_gives_tiktoks_error(sb: SandboxHandle) -> None:
    body = report(sb, "AUCTION_CAMPAIGN", ["spend", "not_a_metric"])
    assert body["code"] == 40002
    assert body["message"] == (
        "Please correct the information in invalid metric fields and try again. "
        "Invalid metric fields: ['not_a_metric']"
    )
    assert body["data"] == {}
