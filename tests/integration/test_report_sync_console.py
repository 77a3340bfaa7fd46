"""The ad account page's report history on both databases: "Reports synced through …", the
"Sync reports" button for operators (none for viewers), the queued sync on its operation page,
and the same in 简体中文."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

import promodesk.campaigns.jobs  # noqa: F401 - registers the report sync's handlers
from promodesk.accounts.service import imports
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from tests.integration.test_console_support import console_client, log_in, new_member, post_form
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=1,
        campaigns=4,
        adgroups=6,
        ads=9,
        audiences=0,
        epoch=clock.now() - timedelta(days=20),
        rate_limit=False,
    ) as handle:
        yield handle


def test_ad_account_page_syncs_reports(db: Database, tmp_path: Path, sb: SandboxHandle) -> None:
    with wired(sb):
        operator = new_member(db, "operator")
        viewer = new_member(db, "viewer", workspace=operator.workspace)
        with db.transaction() as uow:
            imported = imports.import_token(
                uow, operator.workspace.id, sb.access_token(), sb.advertiser_ids
            )
            account_id = imported.accounts[0].id
        page_url = f"/accounts/{account_id}"
        with console_client(db, tmp_path) as client:
            csrf = log_in(client, operator)
            page = client.get(page_url).text
            assert "No reports synced yet." in page
            assert 'id="sync-reports"' in page
            where = post_form(client, f"{page_url}/report-sync", {}, csrf)
            assert where.startswith("/operations/")
            assert "Sync reports of" in client.get(where).text
            Worker(db, backoff_base=0.0, workspace_id=operator.workspace.id).run_until_idle()
            page = client.get(page_url).text
            assert "Reports synced through" in page
            assert "(America/New_York)" in page
            assert "Succeeded" in page
            client.cookies.set("promodesk_locale", "zh_Hans")
            post_form(client, "/locale", {"locale": "zh_Hans", "next": page_url}, csrf)
            zh = client.get(page_url).text
            assert "报表已同步至" in zh
            assert "同步报表" in zh
        with console_client(db, tmp_path) as client:
            log_in(client, viewer)
            page = client.get(page_url).text
            assert "Reports synced through" in page
            assert 'id="sync-reports"' not in page
            refused = client.post(f"{page_url}/report-sync", data={}, follow_redirects=False)
            assert refused.status_code in (303, 403), refused.status_code
