"""The sandbox's wire format, paging, filters, deleted entities and reports, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from promodesk.kit.clock import FrozenClock
from promodesk.sandbox import SandboxConfig
from tests.sandbox_support import SandboxHandle, running_sandbox

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    config = SandboxConfig(
        accounts=3, campaigns=25, adgroups=50, ads=100, rate_limit=False, now=FrozenClock(NOW).now
    )
    with running_sandbox(config) as sb:
        yield sb


@pytest.fixture(scope="module")
def token(sb: SandboxHandle) -> str:
    return sb.access_token()


def get(sb: SandboxHandle, token: str, path: str, **params: Any) -> dict[str, Any]:
    answer = httpx.get(sb.api(path), params=params, headers={"Access-Token": token})
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def test_envelope_on_success_and_error(sb: SandboxHandle, token: str) -> None:
    ok = get(sb, token, "campaign/get/", advertiser_id=sb.advertiser_ids[0])
    assert set(ok) == {"code", "message", "request_id", "data"}
    assert (ok["code"], ok["message"]) == (0, "OK")
    bad = get(sb, token, "campaign/get/", advertiser_id=sb.advertiser_ids[0], page_size=1001)
    assert bad["code"] == 40002
    assert bad["data"] == {}
    assert bad["request_id"] != ok["request_id"]
    unknown = get(sb, token, "nothing/here/")
    assert unknown["code"] == 40400
    wrong_method = httpx.post(sb.api("campaign/get/"), json={}).json()
    assert wrong_method["code"] == 40400


def test_ids_are_numeric_strings_and_times_are_formatted(sb: SandboxHandle, token: str) -> None:
    row = get(sb, token, "ad/get/", advertiser_id=sb.advertiser_ids[0])["data"]["list"][0]
    for key in ("advertiser_id", "campaign_id", "adgroup_id", "ad_id"):
        assert isinstance(row[key], str)
        assert row[key].isdigit()
    datetime.strptime(row["create_time"], "%Y-%m-%d %H:%M:%S")


def test_paging_covers_every_row_once(sb: SandboxHandle, token: str) -> None:
    adv = sb.advertiser_ids[0]
    everything = json.dumps({"secondary_status": "AD_STATUS_ALL"})
    seen: list[str] = []
    for page in range(1, 9):
        data = get(
            sb, token, "ad/get/", advertiser_id=adv, page=page, page_size=15, filtering=everything
        )["data"]
        assert data["page_info"] == {
            "page": page,
            "page_size": 15,
            "total_number": 100,
            "total_page": 7,
        }
        seen += [r["ad_id"] for r in data["list"]]
    assert len(seen) == len(set(seen)) == 100
    assert seen == sorted(seen, reverse=True)
    assert get(sb, token, "ad/get/", advertiser_id=adv)["data"]["page_info"]["page_size"] == 10


@pytest.mark.parametrize(
    "spelling",
    [
        '{"secondary_status":"CAMPAIGN_STATUS_ALL"}',
        '{"secondary_status": "CAMPAIGN_STATUS_ALL"}',
        "{'secondary_status': 'CAMPAIGN_STATUS_ALL'}",
    ],
)
def test_json_query_parameters_are_parsed_leniently(
    sb: SandboxHandle, token: str, spelling: str
) -> None:
    data = get(
        sb,
        token,
        "campaign/get/",
        advertiser_id=sb.advertiser_ids[0],
        filtering=spelling,
        page_size=1000,
    )["data"]
    assert data["page_info"]["total_number"] == 25


def test_deleted_entities_hidden_unless_asked(sb: SandboxHandle, token: str) -> None:
    adv = sb.advertiser_ids[0]

    def statuses(path: str, filtering: dict[str, Any] | None = None) -> list[str]:
        params: dict[str, Any] = {"advertiser_id": adv, "page_size": 1000}
        if filtering is not None:
            params["filtering"] = json.dumps(filtering)
        return [r["secondary_status"] for r in get(sb, token, path, **params)["data"]["list"]]

    for path, prefix in (
        ("campaign/get/", "CAMPAIGN"),
        ("adgroup/get/", "ADGROUP"),
        ("ad/get/", "AD"),
    ):
        visible = statuses(path)
        every = statuses(path, {"secondary_status": f"{prefix}_STATUS_ALL"})
        deleted = statuses(path, {"primary_status": "STATUS_DELETE"})
        assert not any(s.endswith("DELETE") for s in visible)
        assert deleted
        assert all(s.endswith("DELETE") for s in deleted)
        assert len(every) == len(visible) + len(deleted)
        assert statuses(path, {"primary_status": "STATUS_ALL"}) == every


def test_filters_by_ids_name_and_parent(sb: SandboxHandle, token: str) -> None:
    adv = sb.advertiser_ids[0]
    every = {"secondary_status": "CAMPAIGN_STATUS_ALL"}
    campaigns = get(
        sb, token, "campaign/get/", advertiser_id=adv, page_size=1000, filtering=json.dumps(every)
    )["data"]["list"]
    some = [c["campaign_id"] for c in campaigns[:3]]
    picked = get(
        sb,
        token,
        "campaign/get/",
        advertiser_id=adv,
        filtering=json.dumps({**every, "campaign_ids": some}),
    )["data"]["list"]
    assert [c["campaign_id"] for c in picked] == some
    name = campaigns[0]["campaign_name"]
    named = get(
        sb,
        token,
        "campaign/get/",
        advertiser_id=adv,
        filtering=json.dumps({**every, "campaign_name": name.lower()}),
    )["data"]["list"]
    assert campaigns[0]["campaign_id"] in [c["campaign_id"] for c in named]
    groups = get(
        sb,
        token,
        "adgroup/get/",
        advertiser_id=adv,
        page_size=1000,
        filtering=json.dumps({"campaign_ids": some, "secondary_status": "ADGROUP_STATUS_ALL"}),
    )["data"]["list"]
    assert groups
    assert {g["campaign_id"] for g in groups} <= set(some)
    too_many = get(
        sb,
        token,
        "campaign/get/",
        advertiser_id=adv,
        filtering=json.dumps({"campaign_ids": [str(i) for i in range(101)]}),
    )
    assert too_many["code"] == 40002
    other_account = get(
        sb,
        token,
        "campaign/get/",
        advertiser_id=sb.advertiser_ids[1],
        filtering=json.dumps({"campaign_ids": some}),
    )["data"]
    assert other_account["list"] == []


def test_fields_and_null_exclusion(sb: SandboxHandle, token: str) -> None:
    adv = sb.advertiser_ids[0]
    rows = get(sb, token, "campaign/get/", advertiser_id=adv, fields='["campaign_id", "budget"]')[
        "data"
    ]["list"]
    assert all(set(r) == {"campaign_id", "budget"} for r in rows)
    assert get(sb, token, "campaign/get/", advertiser_id=adv, fields='["nope"]')["code"] == 40002
    lean = get(
        sb,
        token,
        "campaign/get/",
        advertiser_id=adv,
        exclude_field_types_in_response='["NULL_FIELD"]',
    )["data"]["list"][0]
    assert None not in lean.values()


def test_bad_parameters_answer_40002(sb: SandboxHandle, token: str) -> None:
    adv = sb.advertiser_ids[0]
    cases: list[dict[str, Any]] = [
        {"advertiser_id": adv, "page": 0},
        {"advertiser_id": adv, "page_size": "ten"},
        {"advertiser_id": adv, "filtering": "{not json"},
        {"advertiser_id": adv, "filtering": "[1, 2]"},
        {"advertiser_id": adv, "filtering": '{"primary_status": "STATUS_NOPE"}'},
        {"advertiser_id": adv, "filtering": '{"creation_filter_start_time": "yesterday"}'},
        {"advertiser_id": "abc"},
        {},
    ]
    for params in cases:
        assert get(sb, token, "campaign/get/", **params)["code"] == 40002, params


def test_audiences_page_size_cap(sb: SandboxHandle, token: str) -> None:
    adv = sb.advertiser_ids[0]
    data = get(sb, token, "dmp/custom_audience/list/", advertiser_id=adv, page_size=100)["data"]
    assert data["page_info"]["total_number"] == 8
    capped = get(sb, token, "dmp/custom_audience/list/", advertiser_id=adv, page_size=101)
    assert capped["code"] == 40002
    one = data["list"][0]["audience_id"]
    chosen = get(
        sb,
        token,
        "dmp/custom_audience/list/",
        advertiser_id=adv,
        custom_audience_ids=json.dumps([one]),
    )["data"]["list"]
    assert [a["audience_id"] for a in chosen] == [one]


def report(sb: SandboxHandle, token: str, **params: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "advertiser_id": sb.advertiser_ids[0],
        "report_type": "BASIC",
        "data_level": "AUCTION_CAMPAIGN",
        "dimensions": '["campaign_id", "stat_time_day"]',
        "start_date": "2026-03-01",
        "end_date": "2026-03-15",
        "page_size": 1000,
    }
    base.update(params)
    return get(sb, token, "report/integrated/get/", **base)


def test_report_levels_add_up(sb: SandboxHandle, token: str) -> None:
    totals = {}
    for level in ("ADVERTISER", "CAMPAIGN", "ADGROUP", "AD"):
        dim = "advertiser_id" if level == "ADVERTISER" else f"{level.lower()}_id"
        status = (
            []
            if level == "ADVERTISER"
            else [
                {
                    "field_name": f"{level.lower()}_status",
                    "filter_type": "IN",
                    "filter_value": '["STATUS_ALL"]',
                }
            ]
        )
        data = report(
            sb,
            token,
            data_level=f"AUCTION_{level}",
            dimensions=json.dumps([dim, "stat_time_day"]),
            metrics='["spend", "impressions", "ctr", "cpc"]',
            filtering=json.dumps(status),
            start_date="2026-03-08",  # 100 ads × 8 days fit in one page
        )
        assert data["code"] == 0, data
        rows = data["data"]["list"]
        assert all(isinstance(v, str) for r in rows for v in r["metrics"].values())
        totals[level] = sum(int(r["metrics"]["spend"].replace(".", "")) for r in rows)
    assert totals["ADVERTISER"] == totals["CAMPAIGN"] == totals["ADGROUP"] == totals["AD"] > 0


def test_report_hours_split_the_day_and_today_is_partial(sb: SandboxHandle, token: str) -> None:
    daily = report(sb, token, start_date="2026-03-14", end_date="2026-03-14")["data"]["list"]
    hourly = report(
        sb,
        token,
        dimensions='["campaign_id", "stat_time_hour"]',
        start_date="2026-03-14",
        end_date="2026-03-14",
    )["data"]["list"]
    total = sum(int(r["metrics"]["spend"].replace(".", "")) for r in daily)
    assert total == sum(int(r["metrics"]["spend"].replace(".", "")) for r in hourly)
    assert hourly[0]["dimensions"]["stat_time_hour"].endswith(":00:00")
    today = report(
        sb,
        token,
        dimensions='["campaign_id", "stat_time_hour"]',
        start_date="2026-03-15",
        end_date="2026-03-15",
    )["data"]["list"]
    hours = {r["dimensions"]["stat_time_hour"][11:13] for r in today}
    assert hours
    assert max(hours) <= "12"  # nothing after the (frozen) present


def test_report_hides_deleted_unless_status_all(sb: SandboxHandle, token: str) -> None:
    adv = sb.advertiser_ids[2]
    deleted = get(
        sb,
        token,
        "campaign/get/",
        advertiser_id=adv,
        page_size=1000,
        filtering='{"secondary_status": "CAMPAIGN_STATUS_ENABLE"}',
    )["data"]["list"][0]
    body = {
        "advertiser_id": adv,
        "campaign_ids": [deleted["campaign_id"]],
        "operation_status": "DELETE",
    }
    headers = {"Access-Token": token}
    assert (
        httpx.post(sb.api("campaign/status/update/"), json=body, headers=headers).json()["code"]
        == 0
    )
    dims = '["campaign_id"]'
    shown = report(sb, token, advertiser_id=adv, dimensions=dims)["data"]["list"]
    every = report(
        sb,
        token,
        advertiser_id=adv,
        dimensions=dims,
        filtering=json.dumps(
            [
                {
                    "field_name": "campaign_status",
                    "filter_type": "IN",
                    "filter_value": '["STATUS_ALL"]',
                }
            ]
        ),
    )["data"]["list"]
    assert deleted["campaign_id"] not in [r["dimensions"]["campaign_id"] for r in shown]
    assert deleted["campaign_id"] in [r["dimensions"]["campaign_id"] for r in every]


def test_report_limits_and_invalid_input(sb: SandboxHandle, token: str) -> None:
    assert report(sb, token, start_date="2026-01-01", end_date="2026-02-15")["code"] == 40002
    hour = report(
        sb,
        token,
        dimensions='["campaign_id", "stat_time_hour"]',
        start_date="2026-03-01",
        end_date="2026-03-02",
    )
    assert hour["code"] == 40002
    assert "1 day" in hour["message"]
    assert (
        report(
            sb, token, dimensions='["campaign_id"]', start_date="2025-01-01", end_date="2026-03-01"
        )["code"]
        == 40002
    )
    bad_metric = report(sb, token, metrics='["spend", "adgroup_name"]')
    assert bad_metric["code"] == 40002
    assert "Invalid metric fields" in bad_metric["message"]
    wrong_status = report(
        sb,
        token,
        filtering=json.dumps(
            [{"field_name": "ad_status", "filter_type": "IN", "filter_value": '["STATUS_ALL"]'}]
        ),
    )
    assert wrong_status["code"] == 40002
    assert report(sb, token, report_type="AUDIENCE")["code"] == 40002
    assert report(sb, token, data_level="AUCTION_NOPE")["code"] == 40002
    assert report(sb, token, end_date="2026-02-01")["code"] == 40002
    lifetime = report(
        sb, token, dimensions='["campaign_id"]', query_lifetime="True", start_date="", end_date=""
    )
    assert lifetime["code"] == 0
    assert lifetime["data"]["list"]


def test_report_empty_values_are_dashes(sb: SandboxHandle, token: str) -> None:
    rows = report(
        sb,
        token,
        metrics='["spend", "cost_per_conversion", "app_install"]',
        data_level="AUCTION_AD",
        dimensions='["ad_id", "stat_time_hour"]',
        start_date="2026-03-14",
        end_date="2026-03-14",
    )["data"]["list"]
    costs = {r["metrics"]["cost_per_conversion"] for r in rows}
    assert "-" in costs


def test_spend_moves_with_time() -> None:
    moving = FrozenClock(NOW)
    config = SandboxConfig(
        accounts=1, campaigns=5, adgroups=5, ads=5, rate_limit=False, now=moving.now
    )
    with running_sandbox(config) as sb:
        token = sb.access_token()

        def today() -> int:
            rows = report(
                sb,
                token,
                data_level="AUCTION_ADVERTISER",
                dimensions='["advertiser_id", "stat_time_day"]',
                start_date="2026-03-15",
                end_date="2026-03-15",
            )["data"]["list"]
            return sum(int(r["metrics"]["spend"].replace(".", "")) for r in rows)

        before = today()
        moving.advance(timedelta(hours=3))
        assert today() > before
