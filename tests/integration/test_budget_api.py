"""The budget API over a live server and the sandbox: the Budget view with its filters,
reallocation preview and confirmation with Idempotency-Key, refusals as clear 409s, viewers
only see."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from promodesk.campaigns.service import freed
from promodesk.kit.db import Database
from tests.api_support import bearer, live_server, make_app, new_key, new_workspace
from tests.integration.budget_support import sandbox_budget, setup
from tests.integration.campaign_changes_support import fresh_sandbox, row
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle

http = httpx.Client(timeout=60)


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


def test_budget_and_reallocation_over_http(db: Database, tmp_path: Path, sb: SandboxHandle) -> None:
    with wired(sb):
        workspace = new_workspace(db)
        s = setup(db, sb, pool_minor=200_00, workspace=workspace)
        operator = bearer(new_key(db, workspace, "operator"))
        viewer = bearer(new_key(db, workspace, "viewer"))
        key = freed.key_of(s.pool)
        before = row(db, s.account_id, s.tiktok_ids[0]).budget_minor
        body = {"pool": key, "targets": [{"campaign_id": s.campaigns[0], "amount": "75.00"}]}
        with live_server(make_app(db, tmp_path)) as base:
            api = f"{base}/api/v1"
            view = http.get(f"{api}/budget", params={"balances": "false"}, headers=viewer)
            assert view.status_code == 200, view.text
            adv = view.json()["clients"][0]["advertisers"][0]
            assert adv["pools"][0]["balance_minor"] == 200_00
            assert adv["ad_accounts"][0]["id"] == s.account_id
            missing = http.get(f"{api}/budget", params={"client_id": 999999}, headers=viewer)
            assert missing.status_code == 404, missing.text

            denied = http.post(f"{api}/reallocations", json=body, headers=viewer)
            assert denied.status_code == 403, denied.text

            preview = http.post(f"{api}/reallocations/preview", json=body, headers=operator)
            assert preview.status_code == 200, preview.text
            p = preview.json()
            assert (p["ok"], p["pool_after_minor"]) == (True, 125_00)
            assert p["lines"][0]["after_minor"] == before + 75_00

            headers = {**operator, "Idempotency-Key": "realloc-1"}
            made = http.post(f"{api}/reallocations", json=body, headers=headers)
            assert made.status_code == 201, made.text
            out = made.json()
            assert out["status"] == "done"
            assert out["items"][0]["verified"] is True
            assert sandbox_budget(sb, s.tiktok_ids[0]) * 100 == before + 75_00
            replay = http.post(f"{api}/reallocations", json=body, headers=headers)
            assert replay.status_code == 201
            assert replay.json()["id"] == out["id"]

            listed = http.get(f"{api}/reallocations", params={"pool": key}, headers=viewer)
            assert [r["id"] for r in listed.json()["items"]] == [out["id"]]
            one = http.get(f"{api}/reallocations/{out['id']}", headers=viewer).json()
            assert one["used_minor"] == 75_00

            pools = http.get(f"{api}/budget/pools", params={"pool": key}, headers=viewer)
            assert pools.status_code == 200, pools.text
            (pool,) = pools.json()["items"]
            assert pool["balance_minor"] == 125_00
            assert [(h["kind"], h["amount_minor"]) for h in pool["history"]] == [
                ("reallocated", -75_00),
                ("freed", 200_00),
            ]
            assert http.get(f"{api}/budget/pools", headers=viewer).json()["items"] == [pool]
            for bad, status in (("adv:999999:USD", 404), ("bogus", 422)):
                answer = http.get(f"{api}/budget/pools", params={"pool": bad}, headers=viewer)
                assert answer.status_code == status, answer.text

            too_much = {
                "pool": key,
                "targets": [{"campaign_id": s.campaigns[1], "amount": "125.01"}],
            }
            refused = http.post(f"{api}/reallocations", json=too_much, headers=operator)
            assert refused.status_code == 409, refused.text
            assert refused.json()["error"] == "PoolTooSmall"
            assert refused.json()["detail"].startswith("only 125.00 USD left in the pool")

            bad_pool = {**body, "pool": "nope"}
            invalid = http.post(f"{api}/reallocations/preview", json=bad_pool, headers=operator)
            assert invalid.status_code == 422, invalid.text
            assert invalid.json()["field"] == "pool"

            no_bc = http.post(
                f"{api}/budget/transfers",
                json={
                    "from_ad_account_id": s.account_id,
                    "to_ad_account_id": s.account_id,
                    "amount": "1",
                },
                headers=operator,
            )
            assert no_bc.status_code == 409, no_bc.text
            assert no_bc.json()["error"] == "NoBusinessCenter"
