"""Status updates (limits, effects on children, deleted entities), campaign update, rate limits
(40100 and their counters), fault injection and the standalone ``promodesk sandbox`` command."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.sandbox_support import SandboxHandle, running_sandbox


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(accounts=2, campaigns=10, adgroups=20, ads=40, rate_limit=False) as sb:
        yield sb


def call(
    sb: SandboxHandle, token: str, path: str, body: dict[str, Any] | None = None, **params: Any
) -> dict[str, Any]:
    headers = {"Access-Token": token}
    if body is not None:
        return httpx.post(sb.api(path), json=body, headers=headers).json()  # type: ignore[no-any-return]
    return httpx.get(sb.api(path), params=params, headers=headers).json()  # type: ignore[no-any-return]


def first(sb: SandboxHandle, token: str, path: str, status: str, adv: str) -> dict[str, Any]:
    rows = call(
        sb,
        token,
        path,
        advertiser_id=adv,
        page_size=1000,
        filtering=json.dumps({"secondary_status": status}),
    )["data"]["list"]
    return rows[0]  # type: ignore[no-any-return]


def test_campaign_disable_enable_delete_and_children(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    campaign = first(sb, token, "campaign/get/", "CAMPAIGN_STATUS_ENABLE", adv)
    cid = campaign["campaign_id"]

    def groups() -> list[dict[str, Any]]:
        every = {"campaign_ids": [cid], "secondary_status": "ADGROUP_STATUS_ALL"}
        answer = call(
            sb,
            token,
            "adgroup/get/",
            advertiser_id=adv,
            page_size=1000,
            filtering=json.dumps(every),
        )
        return answer["data"]["list"]  # type: ignore[no-any-return]

    before = groups()
    assert before
    body = {"advertiser_id": adv, "campaign_ids": [cid], "operation_status": "DISABLE"}
    done = call(sb, token, "campaign/status/update/", body)
    assert done["data"]["campaign_ids"] == [cid]
    row = call(
        sb, token, "campaign/get/", advertiser_id=adv, filtering=json.dumps({"campaign_ids": [cid]})
    )["data"]["list"][0]
    assert row["operation_status"] == "DISABLE"
    assert row["modify_time"] > campaign["modify_time"]
    own_off = {"ADGROUP_STATUS_DISABLE", "ADGROUP_STATUS_DELETE"}
    for group in groups():
        if group["secondary_status"] not in own_off:
            assert group["secondary_status"] == "ADGROUP_STATUS_CAMPAIGN_DISABLE"
    call(sb, token, "campaign/status/update/", {**body, "operation_status": "ENABLE"})
    call(sb, token, "campaign/status/update/", {**body, "operation_status": "DELETE"})
    assert (
        call(
            sb,
            token,
            "campaign/get/",
            advertiser_id=adv,
            filtering=json.dumps({"campaign_ids": [cid]}),
        )["data"]["list"]
        == []
    )
    for group in groups():
        assert group["secondary_status"] in (
            "ADGROUP_STATUS_DELETE",
            "ADGROUP_STATUS_CAMPAIGN_DELETE",
        )
    again = call(sb, token, "campaign/status/update/", {**body, "operation_status": "ENABLE"})
    assert again["code"] == 40002
    assert "deleted" in again["message"]


def test_status_update_limits_and_errors(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    base = {"advertiser_id": adv, "operation_status": "DISABLE"}
    for path, key in (
        ("campaign/status/update/", "campaign_ids"),
        ("adgroup/status/update/", "adgroup_ids"),
        ("ad/status/update/", "ad_ids"),
    ):
        assert call(sb, token, path, {**base, key: []})["code"] == 40002
        many = [str(1700000000000000000 + i) for i in range(21)]
        assert call(sb, token, path, {**base, key: many})["code"] == 40002
        assert call(sb, token, path, {**base, key: ["1"]})["code"] == 40007
        assert (
            call(sb, token, path, {**base, key: ["1"], "operation_status": "PAUSE"})["code"]
            == 40002
        )
        other = {**base, key: ["1"], "advertiser_id": "7000001000000000099"}
        assert call(sb, token, path, other)["code"] == 40001


def test_adgroup_partial_success_and_ad_update(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[1]
    live = first(sb, token, "adgroup/get/", "ADGROUP_STATUS_DELIVERY_OK", adv)["adgroup_id"]
    body = {"advertiser_id": adv, "adgroup_ids": [live, "1"], "operation_status": "DISABLE"}
    assert call(sb, token, "adgroup/status/update/", body)["code"] == 40007
    partial = call(sb, token, "adgroup/status/update/", {**body, "allow_partial_success": True})
    assert partial["data"]["adgroup_ids"] == [live]
    assert partial["data"]["error_list"][0]["adgroup_id"] == "1"
    ad = first(sb, token, "ad/get/", "AD_STATUS_ADGROUP_DISABLE", adv)
    assert ad["adgroup_id"] == live
    done = call(
        sb,
        token,
        "ad/status/update/",
        {"advertiser_id": adv, "ad_ids": [ad["ad_id"]], "operation_status": "DISABLE"},
    )
    assert done["data"] == {"ad_ids": [ad["ad_id"]], "status": "DISABLE"}


def test_campaign_update(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    rows = call(sb, token, "campaign/get/", advertiser_id=adv, page_size=1000)["data"]["list"]
    budgeted = next(r for r in rows if r["budget_mode"] == "BUDGET_MODE_DAY")
    unlimited = next(r for r in rows if r["budget_mode"] == "BUDGET_MODE_INFINITE")
    body = {"advertiser_id": adv, "campaign_id": budgeted["campaign_id"]}
    done = call(sb, token, "campaign/update/", {**body, "campaign_name": "Renamed", "budget": 75})
    assert done["code"] == 0
    assert (done["data"]["campaign_name"], done["data"]["budget"]) == ("Renamed", 75.0)
    for bad in ({"budget": 1}, {"budget": "lots"}, {"budget": True}, {"campaign_name": ""}):
        assert call(sb, token, "campaign/update/", {**body, **bad})["code"] == 40002, bad
    infinite = {**body, "campaign_id": unlimited["campaign_id"], "budget": 100}
    assert call(sb, token, "campaign/update/", infinite)["code"] == 40002
    assert call(sb, token, "campaign/update/", {**body, "campaign_id": "1"})["code"] == 40007


def test_rate_limit_per_app_and_endpoint() -> None:
    with running_sandbox(accounts=1, campaigns=3, adgroups=3, ads=3, qps=3, qpm=5) as sb:
        token = sb.access_token()
        sb.sandbox.reset_stats()
        adv = sb.advertiser_ids[0]
        codes = [call(sb, token, "campaign/get/", advertiser_id=adv)["code"] for _ in range(8)]
        assert codes.count(0) <= 5
        assert 40100 in codes
        throttled = call(sb, token, "campaign/get/", advertiser_id=adv)
        assert throttled["message"] == "App reaches the QPS limit."
        assert throttled["data"] == {}
        # Another endpoint has its own budget.
        assert call(sb, token, "ad/get/", advertiser_id=adv)["code"] == 0
        stats = sb.stats()
        assert stats["throttled"]["campaign/get/"] == codes.count(40100) + 1
        assert stats["throttled_total"] == stats["codes"]["40100"]
        assert "ad/get/" not in stats["throttled"]
        httpx.post(f"{sb.base_url}/sandbox-admin/reset")
        assert sb.stats()["throttled_total"] == 0


def test_qps_window_recovers() -> None:
    with running_sandbox(accounts=1, campaigns=1, adgroups=1, ads=1, qps=2, qpm=600) as sb:
        token = sb.access_token()
        adv = sb.advertiser_ids[0]
        codes = [call(sb, token, "ad/get/", advertiser_id=adv)["code"] for _ in range(3)]
        assert codes[-1] == 40100
        time.sleep(1.05)  # waiting out the one-second window, not measuring speed
        assert call(sb, token, "ad/get/", advertiser_id=adv)["code"] == 0


def test_fault_injection(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    answer = httpx.post(f"{sb.base_url}/sandbox-admin/settings", json={"fail_next": 2})
    assert answer.json()["fail_next"] == 2
    codes = [call(sb, token, "campaign/get/", advertiser_id=adv)["code"] for _ in range(3)]
    assert codes == [50000, 50000, 0]
    sb.update(fault_rate=0.5)
    many = [call(sb, token, "ad/get/", advertiser_id=adv)["code"] for _ in range(40)]
    assert 0 < many.count(50000) < 40
    sb.update(fault_rate=0.0, slow_rate=1.0, slow_seconds=0.01)
    assert call(sb, token, "ad/get/", advertiser_id=adv)["code"] == 0
    assert sb.stats()["slowed_total"] >= 1
    assert sb.stats()["faults_total"] == 2 + many.count(50000)
    bad = httpx.post(f"{sb.base_url}/sandbox-admin/settings", json={"fault_rate": 2})
    assert bad.status_code == 422
    assert (
        httpx.post(f"{sb.base_url}/sandbox-admin/settings", json={"app_id": "x"}).status_code == 422
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_runs_a_standalone_sandbox() -> None:
    port = _free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "promodesk")
    proc = subprocess.Popen(
        [
            exe,
            "sandbox",
            "--port",
            str(port),
            "--app-id",
            "123",
            "--secret",
            "s3",
            "--accounts",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                info = httpx.get(f"{base}/").json()
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert info["app_id"] == "123"
        assert info["advertisers"] == 2
        bad = httpx.post(
            f"{base}/open_api/v1.3/oauth2/access_token/",
            json={"app_id": "123", "secret": "wrong", "auth_code": "x"},
        ).json()
        assert bad["code"] == 40101
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert "secret:" in output
    assert "123" in output


def test_status_noop_acknowledges_but_changes_nothing(sb: SandboxHandle) -> None:
    token = sb.access_token()
    adv = sb.advertiser_ids[0]
    campaign = first(sb, token, "campaign/get/", "CAMPAIGN_STATUS_ENABLE", adv)
    cid = campaign["campaign_id"]
    answer = httpx.post(f"{sb.base_url}/sandbox-admin/settings", json={"status_noop": True})
    assert answer.json()["status_noop"] is True
    body = {"advertiser_id": adv, "campaign_ids": [cid], "operation_status": "DISABLE"}
    ack = call(sb, token, "campaign/status/update/", body)
    assert ack["code"] == 0
    assert ack["data"]["campaign_ids"] == [cid]
    assert ack["data"]["status"] == "DISABLE"
    group = first(sb, token, "adgroup/get/", "ADGROUP_STATUS_DELIVERY_OK", adv)
    body = {
        "advertiser_id": adv,
        "adgroup_ids": [group["adgroup_id"]],
        "operation_status": "DELETE",
    }
    assert call(sb, token, "adgroup/status/update/", body)["code"] == 0

    def read_back() -> dict[str, Any]:
        filtering = json.dumps({"campaign_ids": [cid], "secondary_status": "CAMPAIGN_STATUS_ALL"})
        rows = call(sb, token, "campaign/get/", advertiser_id=adv, filtering=filtering)["data"][
            "list"
        ]
        return rows[0]  # type: ignore[no-any-return]

    after = read_back()
    assert after["operation_status"] == "ENABLE"
    assert after["secondary_status"] == "CAMPAIGN_STATUS_ENABLE"
    assert after["modify_time"] == campaign["modify_time"]
    every = json.dumps({"secondary_status": "ADGROUP_STATUS_ALL"})
    groups = call(sb, token, "adgroup/get/", advertiser_id=adv, page_size=1000, filtering=every)
    same = [g for g in groups["data"]["list"] if g["adgroup_id"] == group["adgroup_id"]]
    assert same[0]["secondary_status"] == "ADGROUP_STATUS_DELIVERY_OK"

    sb.update(status_noop=False)
    body = {"advertiser_id": adv, "campaign_ids": [cid], "operation_status": "DISABLE"}
    assert call(sb, token, "campaign/status/update/", body)["code"] == 0
    assert read_back()["secondary_status"] == "CAMPAIGN_STATUS_DISABLE"
