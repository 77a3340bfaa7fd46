"""The typed endpoint methods against the local sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from promodesk.integrations.tiktok.api.token import TikTokApi
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.errors import BadParameter, ObjectNotFound, PermissionDenied
from promodesk.integrations.tiktok.paging import iter_items
from tests.integration.tiktok_client_support import make_client
from tests.sandbox_support import running_sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with running_sandbox(accounts=2, campaigns=30, adgroups=60, ads=90, audiences=130) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: Any) -> Iterator[TikTokClient]:
    with make_client(sb) as client:
        yield client


@pytest.fixture
def api(sb: Any, client: TikTokClient) -> TikTokApi:
    return client.for_token(str(sb.access_token()))


def test_advertiser_info(sb: Any, api: TikTokApi) -> None:
    accounts = api.advertiser_info(sb.advertiser_ids)
    assert sorted(a.advertiser_id for a in accounts) == sorted(sb.advertiser_ids)
    for account in accounts:
        assert account.name
        assert account.currency
        assert len(account.currency) == 3
        assert account.timezone


def test_campaign_filtering_and_updates(sb: Any, api: TikTokApi) -> None:
    advertiser = sb.advertiser_ids[0]
    campaigns = [c for c in iter_items(api.campaign_pages(advertiser)) if c.budget]
    first, second = campaigns[0], campaigns[1]
    only = list(
        iter_items(api.campaign_pages(advertiser, filtering={"campaign_ids": [first.campaign_id]}))
    )
    assert [c.campaign_id for c in only] == [first.campaign_id]

    api.update_campaign(advertiser, first.campaign_id, name="Renamed", budget=Decimal("123.45"))
    disabled = api.update_campaign_status(advertiser, [second.campaign_id], "DISABLE")
    assert disabled.ids == [second.campaign_id]
    assert disabled.status == "DISABLE"

    both = {
        c.campaign_id: c
        for c in iter_items(
            api.campaign_pages(
                advertiser, filtering={"campaign_ids": [first.campaign_id, second.campaign_id]}
            )
        )
    }
    assert both[first.campaign_id].campaign_name == "Renamed"
    assert both[first.campaign_id].budget == Decimal("123.45")
    assert both[second.campaign_id].operation_status == "DISABLE"

    api.update_campaign_status(advertiser, [second.campaign_id], "DELETE")
    visible = {c.campaign_id for c in iter_items(api.campaign_pages(advertiser))}
    assert second.campaign_id not in visible
    deleted_only = list(
        iter_items(
            api.campaign_pages(advertiser, filtering={"secondary_status": "CAMPAIGN_STATUS_DELETE"})
        )
    )
    assert second.campaign_id in {c.campaign_id for c in deleted_only}
    assert all(c.secondary_status == "CAMPAIGN_STATUS_DELETE" for c in deleted_only)


def test_status_updates_are_chunked_by_twenty(
    sb: Any, client: TikTokClient, api: TikTokApi
) -> None:
    advertiser = sb.advertiser_ids[1]
    ads = [a.ad_id for a in iter_items(api.ad_pages(advertiser))][:45]
    assert len(ads) == 45
    before = client.stats.snapshot().requests
    result = api.update_ad_status(advertiser, ads, "DISABLE")
    assert client.stats.snapshot().requests - before == 3
    assert sorted(result.ids) == sorted(ads)
    again = {
        a.ad_id: a for a in iter_items(api.ad_pages(advertiser, filtering={"ad_ids": ads[:5]}))
    }
    assert {a.operation_status for a in again.values()} == {"DISABLE"}


def test_adgroups_and_ads(sb: Any, api: TikTokApi) -> None:
    advertiser = sb.advertiser_ids[0]
    adgroups = list(iter_items(api.adgroup_pages(advertiser, include_deleted=True)))
    assert len(adgroups) == 60
    assert all(g.advertiser_id == advertiser and g.campaign_id for g in adgroups)
    live = [
        g
        for g in adgroups
        if g.secondary_status != "ADGROUP_STATUS_DELETE"
        and "DELETE" not in (g.secondary_status or "")
    ]
    target = live[0]
    result = api.update_adgroup_status(advertiser, [target.adgroup_id], "DISABLE")
    assert result.ids == [target.adgroup_id]
    ads = list(iter_items(api.ad_pages(advertiser, include_deleted=True, page_size=40)))
    assert len(ads) == 90
    assert len({a.ad_id for a in ads}) == 90
    assert all(a.adgroup_id and a.campaign_id for a in ads)


def test_custom_audiences_page_by_at_most_100(
    sb: Any, client: TikTokClient, api: TikTokApi
) -> None:
    pages = list(api.custom_audience_pages(sb.advertiser_ids[0], page_size=1000))
    assert [p.page_size for p in pages] == [100, 100]
    audiences = [a for p in pages for a in p.items]
    assert len(audiences) == 130
    assert all(a.audience_id and a.name for a in audiences)


def test_integrated_report(sb: Any, api: TikTokApi) -> None:
    today = datetime.now(UTC).date()
    rows = list(
        iter_items(
            api.report_pages(
                sb.advertiser_ids[0],
                data_level="AUCTION_CAMPAIGN",
                dimensions=["campaign_id", "stat_time_day"],
                metrics=["spend", "impressions", "clicks", "ctr"],
                start_date=str(today - timedelta(days=6)),
                end_date=str(today),
                include_deleted=True,
            )
        )
    )
    assert rows
    assert all(r.dimensions["stat_time_day"].endswith(" 00:00:00") for r in rows)
    assert all(isinstance(r.metrics["spend"], str) for r in rows)
    with pytest.raises(BadParameter, match="30 days"):
        next(
            api.report_pages(
                sb.advertiser_ids[0],
                data_level="AUCTION_CAMPAIGN",
                dimensions=["campaign_id", "stat_time_day"],
                metrics=["spend"],
                start_date=str(today - timedelta(days=60)),
                end_date=str(today),
            )
        )


def test_bc_advertiser_create(sb: Any, api: TikTokApi) -> None:
    created = api.create_bc_advertiser(
        sb.sandbox.config.bc_id,
        name="New shop account",
        currency="USD",
        timezone="Asia/Singapore",
        company="Example Ltd",
        industry=291905,
        registered_area="SG",
    )
    assert created.isdigit()
    with pytest.raises(PermissionDenied):
        api.create_bc_advertiser(
            "1",
            name="x",
            currency="USD",
            timezone="Etc/GMT",
            company="c",
            industry=1,
            registered_area="SG",
        )


def test_errors_of_unknown_objects(api: TikTokApi) -> None:
    with pytest.raises((ObjectNotFound, PermissionDenied, BadParameter)):
        next(api.campaign_pages("1"))
