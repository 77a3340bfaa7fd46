"""Compatibility proof: TikTok's official Python SDK (``tiktok-business-api-sdk-official``,
a test-only dependency) works against the sandbox over real HTTP (spec §7)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from promodesk.kit import clock
from tests.sandbox_support import SandboxHandle, running_sandbox

sdk = pytest.importorskip("business_api_client")
exceptions = pytest.importorskip("business_api_client.tiktok_business.tiktok_exceptions")


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(accounts=3, campaigns=25, adgroups=50, ads=100, rate_limit=False) as sb:
        yield sb


@pytest.fixture(scope="module")
def client(sb: SandboxHandle) -> Any:
    config = sdk.Configuration()
    config.host = sb.base_url
    return sdk.ApiClient(config)


@pytest.fixture(scope="module")
def token(sb: SandboxHandle, client: Any) -> str:
    body = sdk.Oauth2AccessTokenBody(app_id=sb.app_id, secret=sb.secret, auth_code=sb.auth_code())
    answer = sdk.AuthenticationApi(client).oauth2_access_token(body=body)
    data = answer["data"]
    assert data["advertiser_ids"] == sb.advertiser_ids
    assert data["scope"]
    return str(data["access_token"])


def test_token_exchange_rejects_a_used_code(sb: SandboxHandle, client: Any) -> None:
    code = sb.auth_code()
    api = sdk.AuthenticationApi(client)
    body = sdk.Oauth2AccessTokenBody(app_id=sb.app_id, secret=sb.secret, auth_code=code)
    api.oauth2_access_token(body=body)
    with pytest.raises(exceptions.TiktokSDKError, match="40110"):
        api.oauth2_access_token(body=body)


def test_advertiser_get_and_info(sb: SandboxHandle, client: Any, token: str) -> None:
    listed = sdk.AuthenticationApi(client).oauth2_advertiser_get(sb.app_id, sb.secret, token)
    ids = [row["advertiser_id"] for row in listed["data"]["list"]]
    assert ids == sb.advertiser_ids
    info = sdk.AccountManagementApi(client).advertiser_info(
        ids, token, fields=["advertiser_id", "name", "currency", "timezone", "status"]
    )
    rows = info["data"]["list"]
    assert [r["advertiser_id"] for r in rows] == ids
    assert set(rows[0]) == {"advertiser_id", "name", "currency", "timezone", "status"}


def test_campaign_get_pages_and_filters(sb: SandboxHandle, client: Any, token: str) -> None:
    api = sdk.CampaignCreationApi(client)
    adv = sb.advertiser_ids[0]
    everything = sdk.FilteringCampaignGet(secondary_status="CAMPAIGN_STATUS_ALL")
    seen: list[str] = []
    page = 1
    while True:
        answer = api.campaign_get(adv, token, filtering=everything, page=page, page_size=10)
        data = answer["data"]
        seen += [row["campaign_id"] for row in data["list"]]
        if page >= data["page_info"]["total_page"]:
            break
        page += 1
    assert len(seen) == 25 == data["page_info"]["total_number"]
    assert seen == sorted(seen, reverse=True)
    default = api.campaign_get(adv, token, page_size=1000)["data"]
    assert default["page_info"]["total_number"] < 25  # deleted campaigns are hidden by default
    picked = sdk.FilteringCampaignGet(campaign_ids=seen[:2])
    chosen = api.campaign_get(adv, token, filtering=picked, fields=["campaign_id"])["data"]
    assert {r["campaign_id"] for r in chosen["list"]} <= set(seen[:2])
    assert all(set(r) == {"campaign_id"} for r in chosen["list"])


def test_campaign_status_update(sb: SandboxHandle, client: Any, token: str) -> None:
    api = sdk.CampaignCreationApi(client)
    adv = sb.advertiser_ids[1]
    first = api.campaign_get(adv, token, page_size=1)["data"]["list"][0]["campaign_id"]
    body = sdk.CampaignStatusUpdateBody(
        advertiser_id=adv, campaign_ids=[first], operation_status="DISABLE"
    )
    answer = api.campaign_status_update(token, body=body)["data"]
    assert answer["campaign_ids"] == [first]
    assert answer["status"] == "DISABLE"
    picked = sdk.FilteringCampaignGet(campaign_ids=[first])
    row = api.campaign_get(adv, token, filtering=picked)["data"]["list"][0]
    assert row["operation_status"] == "DISABLE"
    assert row["secondary_status"] == "CAMPAIGN_STATUS_DISABLE"


def test_adgroup_and_ad_get(sb: SandboxHandle, client: Any, token: str) -> None:
    adv = sb.advertiser_ids[0]
    # The SDK's ad group and ad filters default primary_status to STATUS_NOT_DELETE, which
    # narrows any secondary status: ask for STATUS_ALL to see deleted ones too.
    every_group = sdk.FilteringAdgroupGet(primary_status="STATUS_ALL")
    groups = sdk.AdgroupApi(client).adgroup_get(adv, token, filtering=every_group)
    assert groups["data"]["page_info"]["total_number"] == 50
    every_ad = sdk.FilteringAdGet(primary_status="STATUS_ALL", secondary_status="AD_STATUS_ALL")
    ads = sdk.AdApi(client).ad_get(adv, token, filtering=every_ad, page_size=100)
    assert len(ads["data"]["list"]) == 100
    assert ads["data"]["page_info"]["total_number"] == 100
    assert {"ad_id", "adgroup_id", "campaign_id", "secondary_status"} <= set(ads["data"]["list"][0])
    hidden = sdk.AdApi(client).ad_get(adv, token, filtering=sdk.FilteringAdGet(), page_size=100)
    assert hidden["data"]["page_info"]["total_number"] < 100


def test_audience_list(sb: SandboxHandle, client: Any, token: str) -> None:
    answer = sdk.AudienceApi(client).dmp_custom_audience_list(
        sb.advertiser_ids[0], token, page=1, page_size=100
    )
    data = answer["data"]
    assert data["page_info"]["total_number"] == 8 == len(data["list"])
    assert {"audience_id", "name", "audience_type", "cover_num"} <= set(data["list"][0])


def test_integrated_report(sb: SandboxHandle, client: Any, token: str) -> None:
    today = clock.now().date()
    answer = sdk.ReportingApi(client).report_integrated_get(
        "BASIC",
        token,
        advertiser_id=sb.advertiser_ids[0],
        service_type="AUCTION",
        data_level="AUCTION_CAMPAIGN",
        dimensions=["campaign_id", "stat_time_day"],
        metrics=["spend", "impressions", "clicks", "ctr", "cpc", "cpm", "conversion", "follows"],
        start_date=str(today - timedelta(days=6)),
        end_date=str(today),
        filtering=[
            {"field_name": "campaign_status", "filter_type": "IN", "filter_value": '["STATUS_ALL"]'}
        ],
        page=1,
        page_size=1000,
        enable_total_metrics=False,
    )
    rows = answer["data"]["list"]
    assert rows
    first = rows[0]
    assert set(first["dimensions"]) == {"campaign_id", "stat_time_day"}
    assert first["dimensions"]["stat_time_day"].endswith(" 00:00:00")
    assert all(isinstance(v, str) for v in first["metrics"].values())
