"""The console's cancel flow against the sandbox, on both databases: the preview with money,
a reason required (the form comes back with the message beside the field), the cancellation
page with its progress and verification, the log, undo, viewers without action pages, and the
campaign page's Cancel… button."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from promodesk.kit.db import Database
from tests.integration.cancel_support import cancel_env, drain, imported, live_campaigns
from tests.integration.test_console_support import (
    console_client,
    flashes_at,
    log_in,
    new_member,
    post_form,
    refused_form,
)
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

__all__ = ["cancel_env"]


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=1,
        campaigns=10,
        adgroups=12,
        ads=16,
        audiences=0,
        deleted_percent=0,
        rate_limit=False,
        stop_delay_seconds=0,
    ) as handle:
        yield handle


def test_cancel_three_campaigns_in_the_console(
    db: Database, tmp_path: Path, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    member = new_member(db, "operator")
    with wired(sb), console_client(db, tmp_path) as client:
        workspace_id, accounts = imported(db, sb, member.workspace)
        rows = live_campaigns(db, accounts[0], 3)
        csrf = log_in(client, member)

        detail = client.get(f"/campaigns/{rows[0].id}").text
        assert f'href="/campaigns/cancel?level=campaign&amp;ids={rows[0].id}"' in detail

        url = f"/campaigns/cancel?level=campaign&ids={rows[0].id},{rows[1].id}&ids={rows[2].id}"
        page = client.get(url)
        assert page.status_code == 200, page.text
        html = page.text
        assert html.count("data-row=") == 3
        assert "Remaining (freed)" in html
        assert "Delete is final" in html
        assert 'id="freed-USD"' in html
        ids = re.search(r'name="ids" value="([0-9,]+)"', html)
        assert ids is not None
        form = {"level": "campaign", "ids": ids.group(1), "action": "delete", "form_page": url}

        shown = refused_form(client, "/campaigns/cancel", {**form, "note": "kept"}, csrf)
        assert "choose a reason for the cancel" in shown
        shown = refused_form(
            client, "/campaigns/cancel", {**form, "reason_code": "other", "note": " "}, csrf
        )
        assert "say the reason in the note" in shown

        where = post_form(
            client,
            "/campaigns/cancel",
            {**form, "reason_code": "poor_performance", "note": "CPA too high"},
            csrf,
        )
        assert re.fullmatch(r"/cancellations/\d+", where)
        assert "The cancellation started" in flashes_at(client, where)
        running = client.get(where).text
        assert 'data-live="1"' in running
        assert 'http-equiv="refresh"' in running
        drain(db, workspace_id)
        done = client.get(where).text
        assert done.count("data-item=") == 3
        assert done.count('badge badge-verified">Verified<') == 3
        assert "Re-create from snapshot" in done
        assert 'http-equiv="refresh"' not in done

        log = client.get("/cancellations").text
        assert where in log
        assert "Poor performance" in log

        # a pause, then undo it
        paused = post_form(
            client,
            "/campaigns/cancel",
            {"level": "campaign", "ids": str(live_campaigns(db, accounts[0], 1)[0].id),
             "action": "pause", "reason_code": "budget"},
            csrf,
        )  # fmt: skip
        drain(db, workspace_id)
        item = re.search(r'action="(/cancellations/\d+/items/\d+/undo)"', client.get(paused).text)
        assert item is not None
        back = post_form(client, item.group(1), {}, csrf)
        assert "switched on again on TikTok" in flashes_at(client, back)

        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/"}, csrf)
        zh = client.get(url.replace(f"{rows[0].id},", "")).status_code
        assert zh == 409  # two of them are deleted now: refused, with the reason
        assert "效果不佳" in client.get("/cancellations").text

    viewer = new_member(db, "viewer", workspace=member.workspace)
    with wired(sb), console_client(db, tmp_path) as client:
        log_in(client, viewer)
        assert client.get(url, follow_redirects=False).status_code == 403
        page_text = client.get(where).text
        assert "Re-create from snapshot" not in page_text
        assert "Switch on again" not in page_text
