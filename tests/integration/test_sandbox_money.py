"""Business Center money over HTTP: ad account and BC balances (spec §12)."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
