"""Business Center money over HTTP: ad account and BC balances, and ``bc/transfer/`` with its
``request_id`` idempotency (spec §12)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.sandbox_support import SandboxHandle, running_sandbox


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(accounts=3, campaigns=4, adgroups=8, ads=16, rate_limit=False) as sb:
        yield sb


def call(
    sb: SandboxHandle,
    token: str | None,
    path: str,
    body: dict[str, Any] | None = None,
    **params: Any,
) -> dict[str, Any]:
    headers = {"Access-Token": token} if token is not None else {}
    if body is not None:
        return httpx.post(sb.api(path), json=body, headers=headers).json()  # type: ignore[no-any-return]
    return httpx.get(sb.api(path), params=params, headers=headers).json()  # type: ignore[no-any-return]


def bc(sb: SandboxHandle) -> str:
    return sb.sandbox.config.bc_id


def account_cash(sb: SandboxHandle, token: str, adv: str) -> float:
    answer = call(sb, token, "advertiser/balance/get/", bc_id=bc(sb), page_size=100)
    assert answer["code"] == 0, answer
    rows = {r["advertiser_id"]: r for r in answer["data"]["advertiser_account_list"]}
    return float(rows[adv]["cash_balance"])


def bc_cash(sb: SandboxHandle, token: str) -> float:
    answer = call(sb, token, "bc/balance/get/", bc_id=bc(sb))
    assert answer["code"] == 0, answer
    return float(answer["data"]["cash_balance"])


def transfer(sb: SandboxHandle, token: str, **body: Any) -> dict[str, Any]:
    full = {"bc_id": bc(sb), "advertiser_id": sb.advertiser_ids[0], "transfer_type": "RECHARGE"}
    full.update(body)
    return call(sb, token, "bc/transfer/", full)


def test_advertiser_balance_lists_the_bc_accounts_paged(sb: SandboxHandle) -> None:
    token = sb.access_token()
    answer = call(sb, token, "advertiser/balance/get/", bc_id=bc(sb), page_size=2)
    assert answer["code"] == 0, answer
    data = answer["data"]
    assert data["page_info"] == {"page": 1, "page_size": 2, "total_number": 3, "total_page": 2}
    row = data["advertiser_account_list"][0]
    assert row["advertiser_id"] == sb.advertiser_ids[0]
    assert row["currency"] == "USD"
    assert isinstance(row["cash_balance"], int | float)
    assert row["account_balance"] == row["cash_balance"] == 5000
    second = call(sb, token, "advertiser/balance/get/", bc_id=bc(sb), page_size=2, page=2)
    assert [r["advertiser_id"] for r in second["data"]["advertiser_account_list"]] == [
        sb.advertiser_ids[2]
    ]
    name = row["advertiser_name"]
    found = call(
        sb,
        token,
        "advertiser/balance/get/",
        bc_id=bc(sb),
        filtering=json.dumps({"keyword": name, "advertiser_status": ["STATUS_ENABLE"]}),
    )
    assert [r["advertiser_name"] for r in found["data"]["advertiser_account_list"]] == [name]
    bad = call(
        sb,
        token,
        "advertiser/balance/get/",
        bc_id=bc(sb),
        filtering=json.dumps({"advertiser_status": ["NOPE"]}),
    )
    assert bad["code"] == 40002


def test_balances_need_a_token_and_the_sandbox_bc(sb: SandboxHandle) -> None:
    token = sb.access_token()
    for path in ("advertiser/balance/get/", "bc/balance/get/"):
        assert call(sb, None, path, bc_id=bc(sb))["code"] == 40104
        assert call(sb, "wrong", path, bc_id=bc(sb))["code"] == 40105
        assert call(sb, token, path, bc_id="7200000000000000999")["code"] == 40001
        missing = call(sb, token, path)
        assert missing["code"] == 40002
        assert missing["data"] == {}
    answer = call(sb, token, "bc/balance/get/", bc_id=bc(sb))
    assert answer["data"]["bc_id"] == bc(sb)
    assert answer["data"]["currency"] == "USD"
    assert answer["data"]["cash_balance"] == 100_000


def test_transfer_both_ways_moves_cash(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    before_adv, before_bc = account_cash(sb, token, adv), bc_cash(sb, token)
    answer = transfer(sb, token, cash_amount=250.5, request_id="r-1")
    assert answer["code"] == 0, answer
    assert answer["data"]["cash_amount"] == 250.5
    assert account_cash(sb, token, adv) == before_adv + 250.5
    assert bc_cash(sb, token) == before_bc - 250.5
    back = transfer(sb, token, cash_amount="100", transfer_type="DEDUCT", request_id="r-2")
    assert back["code"] == 0, back
    assert account_cash(sb, token, adv) == before_adv + 150.5
    assert bc_cash(sb, token) == before_bc - 150.5


def test_transfer_is_idempotent_by_request_id(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    before = account_cash(sb, token, adv)
    first = transfer(sb, token, cash_amount=10, request_id="same")
    again = transfer(sb, token, cash_amount=10, request_id="same")
    assert first["code"] == again["code"] == 0
    assert first["data"] == again["data"]
    assert account_cash(sb, token, adv) == before + 10
    other = transfer(sb, token, cash_amount=11, request_id="same")
    assert other["code"] == 40002
    assert "request_id" in other["message"]
    assert account_cash(sb, token, adv) == before + 10


def test_transfer_refusals_move_nothing(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    before_adv, before_bc = account_cash(sb, token, adv), bc_cash(sb, token)
    too_much = transfer(sb, token, cash_amount=before_bc + 1, request_id="big")
    assert too_much["code"] == 40002
    assert "available" in too_much["message"]
    overdraw = transfer(
        sb, token, cash_amount=before_adv + 0.01, transfer_type="DEDUCT", request_id="over"
    )
    assert overdraw["code"] == 40002
    cases: list[dict[str, Any]] = [
        {"cash_amount": 0, "request_id": "a"},
        {"cash_amount": -5, "request_id": "b"},
        {"cash_amount": 1.234, "request_id": "c"},
        {"cash_amount": True, "request_id": "d"},
        {"cash_amount": 5},
        {"cash_amount": 5, "request_id": "e", "transfer_type": "SIDEWAYS"},
        {"cash_amount": 5, "request_id": "f", "grant_amount": 3},
        {"cash_amount": 5, "request_id": "g", "advertiser_id": sb.advertiser_ids[1]},  # IDR
    ]
    for body in cases:
        assert transfer(sb, token, **body)["code"] == 40002, body
    assert transfer(sb, token, cash_amount=5, request_id="h", bc_id="7")["code"] == 40001
    unknown = transfer(sb, token, cash_amount=5, request_id="i", advertiser_id="123")
    assert unknown["code"] == 40001
    assert transfer(sb, "wrong", cash_amount=5, request_id="j")["code"] == 40105
    assert account_cash(sb, token, adv) == before_adv
    assert bc_cash(sb, token) == before_bc
    # A refused request_id is not spent: the same id may carry a valid transfer afterwards.
    assert transfer(sb, token, cash_amount=5, request_id="big")["code"] == 0


def test_concurrent_repeats_move_once_and_never_overdraw(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    before = account_cash(sb, token, adv)
    with ThreadPoolExecutor(max_workers=8) as pool:
        same = list(
            pool.map(lambda _: transfer(sb, token, cash_amount=7, request_id="x"), range(8))
        )
    assert {a["code"] for a in same} == {0}
    assert account_cash(sb, token, adv) == before + 7
    # Eight different requests each deducting 40% of the account: only two can succeed.
    share = round((before + 7) * 0.4, 2)
    with ThreadPoolExecutor(max_workers=8) as pool:
        drains = list(
            pool.map(
                lambda n: transfer(
                    sb, token, cash_amount=share, transfer_type="DEDUCT", request_id=f"d{n}"
                ),
                range(8),
            )
        )
    assert sorted(a["code"] for a in drains) == [0, 0] + [40002] * 6
    assert account_cash(sb, token, adv) == pytest.approx(before + 7 - 2 * share)


# Re-creation: campaign/create/, adgroup/create/, ad/create/ ---------------------------------


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def __call__(self) -> datetime:
        return self.at


CAMPAIGN = {"campaign_name": "Back again", "objective_type": "TRAFFIC"}
ADGROUP = {
    "adgroup_name": "Again group",
    "budget_mode": "BUDGET_MODE_DAY",
    "budget": 80,
    "schedule_type": "SCHEDULE_FROM_NOW",
    "schedule_start_time": "2026-12-01 00:00:00",
    "optimization_goal": "CLICK",
    "billing_event": "CPC",
    "pacing": "PACING_MODE_SMOOTH",
}
CREATIVE = {
    "ad_name": "Again ad",
    "ad_format": "SINGLE_VIDEO",
    "ad_text": "Back in stock",
    "video_id": "v10033g50000abc",
    "landing_page_url": "https://shop.example/again",
}


def listed(sb: SandboxHandle, token: str, kind: str, ids: list[str]) -> list[dict[str, Any]]:
    answer = call(
        sb,
        token,
        f"{kind}/get/",
        advertiser_id=sb.advertiser_ids[0],
        page_size=1000,
        filtering=json.dumps(
            {f"{kind}_ids": ids, "primary_status": "STATUS_ALL"}
            if ids
            else {"primary_status": "STATUS_ALL"}
        ),
    )
    assert answer["code"] == 0, answer
    return answer["data"]["list"]  # type: ignore[no-any-return]


def create_tree(sb: SandboxHandle, token: str, **campaign: Any) -> tuple[str, str, str]:
    adv = sb.advertiser_ids[0]
    made = call(sb, token, "campaign/create/", {"advertiser_id": adv, **CAMPAIGN, **campaign})
    assert made["code"] == 0, made
    campaign_id = made["data"]["campaign_id"]
    group = call(
        sb, token, "adgroup/create/", {"advertiser_id": adv, "campaign_id": campaign_id, **ADGROUP}
    )
    assert group["code"] == 0, group
    adgroup_id = group["data"]["adgroup_id"]
    ad = call(
        sb,
        token,
        "ad/create/",
        {"advertiser_id": adv, "adgroup_id": adgroup_id, "creatives": [CREATIVE]},
    )
    assert ad["code"] == 0, ad
    return campaign_id, adgroup_id, ad["data"]["ad_ids"][0]


def test_created_objects_get_new_ids_and_are_listed(sb: SandboxHandle) -> None:
    token = sb.access_token()
    existing = {r["campaign_id"] for r in listed(sb, token, "campaign", [])}
    campaign_id, adgroup_id, ad_id = create_tree(
        sb, token, budget_mode="BUDGET_MODE_DAY", budget=120, request_id="c-1"
    )
    assert campaign_id not in existing
    [campaign] = listed(sb, token, "campaign", [campaign_id])
    assert campaign["campaign_name"] == "Back again"
    assert campaign["objective_type"] == "TRAFFIC"
    assert (campaign["budget_mode"], campaign["budget"]) == ("BUDGET_MODE_DAY", 120)
    assert campaign["secondary_status"] == "CAMPAIGN_STATUS_ENABLE"
    [group] = listed(sb, token, "adgroup", [adgroup_id])
    assert group["campaign_id"] == campaign_id
    assert (group["adgroup_name"], group["budget"], group["pacing"]) == (
        "Again group",
        80,
        "PACING_MODE_SMOOTH",
    )
    assert group["secondary_status"] == "ADGROUP_STATUS_DELIVERY_OK"
    [ad] = listed(sb, token, "ad", [ad_id])
    assert (ad["adgroup_id"], ad["campaign_id"]) == (adgroup_id, campaign_id)
    assert (ad["ad_name"], ad["ad_text"]) == ("Again ad", "Back in stock")
    assert ad["secondary_status"] == "AD_STATUS_DELIVERY_OK"
    # The same request_id gives the same campaign and makes none.
    again = call(
        sb,
        token,
        "campaign/create/",
        {"advertiser_id": sb.advertiser_ids[0], **CAMPAIGN, "request_id": "c-1"},
    )
    assert again["data"]["campaign_id"] == campaign_id
    assert len(listed(sb, token, "campaign", [])) == len(existing) + 1
    # Created objects take status updates like the generated ones.
    off = call(
        sb,
        token,
        "campaign/status/update/",
        {
            "advertiser_id": sb.advertiser_ids[0],
            "campaign_ids": [campaign_id],
            "operation_status": "DISABLE",
        },
    )
    assert off["code"] == 0, off
    [ad] = listed(sb, token, "ad", [ad_id])
    assert ad["secondary_status"] == "AD_STATUS_CAMPAIGN_DISABLE"


def test_create_refusals(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    for body in (
        {"objective_type": "TRAFFIC"},
        {"campaign_name": "x"},
        {"campaign_name": "x", "objective_type": "NOPE"},
        {"campaign_name": "x", "objective_type": "TRAFFIC", "budget_mode": "BUDGET_MODE_DAY"},
        {
            "campaign_name": "x",
            "objective_type": "TRAFFIC",
            "budget_mode": "BUDGET_MODE_DAY",
            "budget": 1,
        },
    ):
        assert (
            call(sb, token, "campaign/create/", {"advertiser_id": adv, **body})["code"] == 40002
        ), body
    assert call(sb, token, "campaign/create/", {"advertiser_id": "9", **CAMPAIGN})["code"] == 40001
    assert (
        call(sb, "wrong", "campaign/create/", {"advertiser_id": adv, **CAMPAIGN})["code"] == 40105
    )
    campaign_id, adgroup_id, _ = create_tree(sb, token)
    for name in ADGROUP:
        body = {k: v for k, v in ADGROUP.items() if k != name}
        answer = call(
            sb, token, "adgroup/create/", {"advertiser_id": adv, "campaign_id": campaign_id, **body}
        )
        assert answer["code"] == 40002, name
    unknown = call(
        sb, token, "adgroup/create/", {"advertiser_id": adv, "campaign_id": "17", **ADGROUP}
    )
    assert unknown["code"] == 40007
    assert (
        call(sb, token, "ad/create/", {"advertiser_id": adv, "adgroup_id": adgroup_id})["code"]
        == 40002
    )
    for name in ("ad_name", "ad_format", "ad_text", "video_id"):
        creative = {k: v for k, v in CREATIVE.items() if k != name}
        body = {"advertiser_id": adv, "adgroup_id": adgroup_id, "creatives": [creative]}
        assert call(sb, token, "ad/create/", body)["code"] == 40002, name
    gone = call(
        sb,
        token,
        "campaign/status/update/",
        {"advertiser_id": adv, "campaign_ids": [campaign_id], "operation_status": "DELETE"},
    )
    assert gone["code"] == 0
    deleted = call(
        sb, token, "adgroup/create/", {"advertiser_id": adv, "campaign_id": campaign_id, **ADGROUP}
    )
    assert deleted["code"] == 40002


def test_a_created_tree_spends_from_its_creation_on() -> None:
    clock = Clock(datetime(2026, 12, 3, 15, tzinfo=UTC))
    with running_sandbox(
        accounts=1, campaigns=3, adgroups=3, ads=3, rate_limit=False, now=clock
    ) as sb:
        token = sb.access_token()
        bare = call(
            sb,
            token,
            "campaign/create/",
            {
                "advertiser_id": sb.advertiser_ids[0],
                **CAMPAIGN,
                "budget_mode": "BUDGET_MODE_DAY",
                "budget": 200,
            },
        )["data"]["campaign_id"]
        campaign_id, _, _ = create_tree(sb, token, budget_mode="BUDGET_MODE_DAY", budget=200)
        clock.at += timedelta(hours=4)
        answer = call(
            sb,
            token,
            "report/integrated/get/",
            advertiser_id=sb.advertiser_ids[0],
            report_type="BASIC",
            data_level="AUCTION_CAMPAIGN",
            dimensions=json.dumps(["campaign_id", "stat_time_day"]),
            metrics=json.dumps(["spend"]),
            start_date="2026-12-02",
            end_date="2026-12-03",
            page_size=100,
        )
        assert answer["code"] == 0, answer
        spend = {
            (r["dimensions"]["campaign_id"], r["dimensions"]["stat_time_day"][:10]): float(
                r["metrics"]["spend"]
            )
            for r in answer["data"]["list"]
        }
        assert spend.get((campaign_id, "2026-12-03"), 0) > 0
        assert 0 < spend[(campaign_id, "2026-12-03")] <= 200
        assert spend.get((campaign_id, "2026-12-02"), 0) == 0
        # A campaign without ad groups delivers nothing.
        assert spend.get((bare, "2026-12-03"), 0) == 0
