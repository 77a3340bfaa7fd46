"""The campaign page's change controls against the sandbox, on both databases: Pause and
Enable, Delete only through the cancel preview (the old delete page leads there), the budget
form, refusals on the form again in the user's language, no controls for viewers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from promodesk.kit.db import Database
from tests.integration.campaign_changes_support import (
    fresh_sandbox,
    imported,
    pick,
    row,
    sandbox_status,
)
from tests.integration.cancel_support import drain
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


BUDGETED = ("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL")


def test_pause_enable_budget_and_delete_from_the_campaign_page(
    db: Database, tmp_path: Path, sb: SandboxHandle
) -> None:
    member = new_member(db, "operator")
    with wired(sb), console_client(db, tmp_path) as client:
        s = imported(db, sb, workspace=member.workspace)
        cid = pick(sb, modes=BUDGETED)
        campaign = row(db, s.account_id, cid)
        csrf = log_in(client, member)
        page = f"/campaigns/{campaign.id}"

        html = client.get(page).text
        assert "Change on TikTok" in html
        assert 'value="DISABLE"' in html
        assert 'value="ENABLE"' not in html  # it is on already
        assert 'id="budget-form"' in html

        back = post_form(client, f"{page}/status", {"status": "DISABLE"}, csrf)
        assert back == page
        assert "The campaign is paused on TikTok." in flashes_at(client, back)
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DISABLE"
        html = client.get(page).text
        assert 'value="ENABLE"' in html
        assert "Initialized" not in html  # not allocated: nothing to keep

        post_form(client, f"{page}/status", {"status": "ENABLE"}, csrf)
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"

        back = post_form(client, f"{page}/budget", {"budget": "80.5"}, csrf)
        assert "The budget is now 80.50 USD on TikTok." in flashes_at(client, back)
        assert 'value="80.50"' in client.get(page).text
        shown = refused_form(client, f"{page}/budget", {"budget": "80.505"}, csrf)
        assert "with no more decimals" in shown
        shown = refused_form(client, f"{page}/budget", {"budget": "5"}, csrf)
        assert "TikTok refused the change: budget: must be at least" in shown
        assert row(db, s.account_id, cid).budget_minor == 8050

        # Delete goes through the cancel preview (money, reason, confirmation): the old delete
        # page and a DELETE posted to the status form lead there and change nothing
        cancel = f"/campaigns/cancel?level=campaign&ids={campaign.id}&action=delete"
        old = client.get(f"{page}/delete", follow_redirects=False)
        assert old.status_code in (302, 303, 307)
        assert old.headers["location"] == cancel
        for posted in ({"status": "DELETE"}, {"status": "DELETE", "confirm": "yes"}):
            assert post_form(client, f"{page}/status", posted, csrf) == cancel
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"
        preview = client.get(cancel).text
        assert 'name="reason_code"' in preview
        assert "Delete the campaign" not in preview  # the old page's words are gone
        done = post_form(
            client,
            "/campaigns/cancel",
            {"level": "campaign", "ids": str(campaign.id), "action": "delete",
             "reason_code": "strategy_change", "note": ""},
            csrf,
        )  # fmt: skip
        assert done.startswith("/cancellations/")
        drain(db, member.workspace.id)
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DELETE"
        html = client.get(page).text
        assert "cannot be changed" in html
        assert 'id="budget-form"' not in html
        # no re-sync: the page shows the deletion, its ad groups' included
        facts = html.split('id="campaign-facts"')[1].split("</dl>")[0]
        assert '<span title="ENABLE">On</span>' not in facts
        assert "Deleted" in facts
        groups = html.split('id="ad-groups"')[1].split("</table>")[0]
        assert "DELIVERY_OK" not in groups
        assert ">On<" not in groups
        assert "ADGROUP_STATUS_CAMPAIGN_DELETE" in groups
        shown = refused_form(client, f"{page}/status", {"status": "ENABLE"}, csrf)
        assert "deleted on TikTok; it cannot be changed" in shown

        # in Chinese
        unlimited = row(db, s.account_id, pick(sb, modes=("BUDGET_MODE_INFINITE",)))
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/"}, csrf)
        zh = client.get(f"/campaigns/{unlimited.id}").text
        assert "在 TikTok 上更改" in zh
        assert "该广告系列不限预算" in zh
        shown = refused_form(client, f"/campaigns/{unlimited.id}/budget", {"budget": "100"}, csrf)
        assert "该广告系列不限预算" in shown


def test_revoked_token_flash_and_viewers_see_no_controls(
    db: Database, tmp_path: Path, sb: SandboxHandle
) -> None:
    operator = new_member(db, "operator")
    with wired(sb), console_client(db, tmp_path) as client:
        token = sb.access_token()
        s = imported(db, sb, token, workspace=operator.workspace)
        campaign = row(db, s.account_id, pick(sb))
        httpx.post(
            sb.api("oauth2/revoke_token/"),
            json={"app_id": sb.app_id, "secret": sb.secret, "access_token": token},
        )
        csrf = log_in(client, operator)
        page = f"/campaigns/{campaign.id}"
        shown = refused_form(client, f"{page}/status", {"status": "DISABLE"}, csrf)
        assert "import the ad account again (re-authorize)" in shown

    viewer = new_member(db, "viewer", workspace=operator.workspace)
    with wired(sb), console_client(db, tmp_path) as client:
        csrf = log_in(client, viewer)
        assert "Change on TikTok" not in client.get(page).text
        response = client.post(
            f"{page}/status",
            data={"csrf_token": csrf, "status": "DISABLE"},
            follow_redirects=False,
        )
        assert response.status_code in (303, 403)
        assert sandbox_status(sb, campaign.campaign_id) == "CAMPAIGN_STATUS_ENABLE"
