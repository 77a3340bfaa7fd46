"""The Budget page and reallocation in the console against the sandbox, on both databases:
the tables and pools, choose amounts → preview before → after → confirm → the result with its
read-back; a refusal comes back on the form; viewers see the page without action buttons and
cannot open the action pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from promodesk.campaigns.service import freed
from promodesk.kit.db import Database
from tests.integration.accounts_factories import make_ad_account
from tests.integration.budget_support import sandbox_budget, setup
from tests.integration.campaign_changes_support import fresh_sandbox, row
from tests.integration.test_console_support import (
    console_client,
    flashes_at,
    log_in,
    new_member,
    post_form,
    refused_form,
)
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


def test_budget_page_and_reallocation_in_the_console(
    db: Database, tmp_path: Path, sb: SandboxHandle
) -> None:
    member = new_member(db, "operator")
    with wired(sb), console_client(db, tmp_path) as client:
        s = setup(db, sb, pool_minor=150_00, workspace=member.workspace)
        with db.transaction() as uow:
            lone = make_ad_account(uow, s.workspace_id, name="Lone account")
        key = freed.key_of(s.pool)
        before = row(db, s.account_id, s.tiktok_ids[0]).budget_minor
        csrf = log_in(client, member)

        html = client.get("/budget").text
        assert f'data-pool="{key}"' in html
        assert "150.00" in html
        assert f"/budget/reallocate?pool={key}" in html
        assert f'data-ad-account="{s.account_id}"' in html
        assert f'data-ad-account="{lone}"' in html  # not allocated to a client
        assert "Not allocated to a client" in html
        assert "PROMODESK_ACCOUNTS_BUSINESS_CENTER_ID" in html  # why no balance

        form = client.get(f"/budget/reallocate?pool={key}")
        assert form.status_code == 200
        assert f'name="amount_{s.campaigns[0]}"' in form.text

        url = "/budget/reallocate"
        amount = {"pool": key, f"amount_{s.campaigns[0]}": "30.00"}
        preview = client.post(url, data={"csrf_token": csrf, **amount})
        assert preview.status_code == 200, preview.text
        assert 'id="confirm-reallocation"' in preview.text
        assert "120.00" in preview.text  # the pool after
        assert sandbox_budget(sb, s.tiktok_ids[0]) * 100 == before  # nothing yet

        refused = refused_form(client, url, {**amount, f"amount_{s.campaigns[0]}": "150.01"}, csrf)
        assert "Only $150.00 left in the pool" in refused
        refused = refused_form(client, url, {**amount, f"amount_{s.campaigns[0]}": "1e3"}, csrf)
        assert "plain decimals" in refused

        done = post_form(client, url, {**amount, "confirm": "yes"}, csrf)
        assert done.startswith("/budget/reallocations/")
        assert "read back" in flashes_at(client, done)
        result = client.get(done).text
        assert 'data-status="done"' in result
        assert "Verified" in result
        assert sandbox_budget(sb, s.tiktok_ids[0]) * 100 == before + 30_00

        pool_page = client.get(f"/budget/pools/{key}").text
        assert 'data-kind="freed"' in pool_page
        assert 'data-kind="reallocated"' in pool_page
        assert done in pool_page  # the reallocation is listed

        zh = client.get("/budget", headers={"Accept-Language": "zh-CN"})
        assert zh.status_code == 200


def test_viewers_see_but_do_not_act(db: Database, tmp_path: Path, sb: SandboxHandle) -> None:
    viewer = new_member(db, "viewer")
    with wired(sb), console_client(db, tmp_path) as client:
        s = setup(db, sb, pool_minor=50_00, workspace=viewer.workspace)
        key = freed.key_of(s.pool)
        log_in(client, viewer)
        html = client.get("/budget").text
        assert f'data-pool="{key}"' in html
        assert "/budget/reallocate" not in html
        assert client.get(f"/budget/reallocate?pool={key}").status_code == 403
        assert client.get("/budget/transfer").status_code == 403
        assert client.get("/budget/reallocate?pool=nope").status_code in (403, 404)
