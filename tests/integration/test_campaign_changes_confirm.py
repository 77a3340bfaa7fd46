"""A budget change above a factor of the current budget (``PROMODESK_ACCOUNTS_BUDGET_CONFIRM_
FACTOR``, 3 by default) needs a confirmation: a page in the console (before → after, per day or
lifetime), ``confirm: true`` in the API (409 with before and after otherwise), a question in the
CLI (``--yes`` skips it), which asks before a DELETE too. Budgets are plain decimals: ``1e5`` is
not a number here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.campaigns.errors import BudgetConfirmationNeeded
from promodesk.campaigns.service import changes
from promodesk.cli import app as cli
from promodesk.kit.db import Database
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money
from tests.api_support import bearer, live_server, make_app, new_key
from tests.integration.campaign_changes_support import (
    fresh_sandbox,
    imported,
    pick,
    row,
    sandbox_status,
)
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

runner = CliRunner()


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _major(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _usd(minor: int) -> str:
    return Money(minor, "USD").format()


def test_service_and_api_ask_for_confirm_above_the_factor(
    db: Database, tmp_path: Path, sb: SandboxHandle
) -> None:
    member = new_member(db, "operator")
    with wired(sb):
        s = imported(db, sb, workspace=member.workspace)
        campaign = row(db, s.account_id, pick(sb, modes=("BUDGET_MODE_DAY",)))
        before = int(campaign.budget_minor)
        huge = _major(before * 3 + 1)
        for amount in ("1e5", "1E5", "+100", "-100", "0x100", "100e0"):
            with pytest.raises(ValidationFailed):
                changes.change_budget(db, s.workspace_id, campaign.id, amount, confirm=True)
        with pytest.raises(BudgetConfirmationNeeded) as refused:
            changes.change_budget(db, s.workspace_id, campaign.id, huge)
        assert refused.value.extra["before_minor"] == before
        assert refused.value.extra["after_minor"] == before * 3 + 1
        assert refused.value.extra["budget_mode"] == "BUDGET_MODE_DAY"
        assert row(db, s.account_id, campaign.campaign_id).budget_minor == before
        # at most the factor: no confirmation needed
        changes.change_budget(db, s.workspace_id, campaign.id, _major(before * 3))
        assert row(db, s.account_id, campaign.campaign_id).budget_minor == before * 3

        headers = bearer(new_key(db, member.workspace, "operator"))
        with live_server(make_app(db, tmp_path)) as base:
            url = f"{base}/api/v1/campaigns/{campaign.id}/budget"
            bad = httpx.post(url, json={"budget": "1e5", "confirm": True}, headers=headers)
            assert bad.status_code == 422, bad.text
            big = _major(before * 3 * 4)
            answer = httpx.post(url, json={"budget": big}, headers=headers)
            assert answer.status_code == 409, answer.text
            body = answer.json()
            assert body["error"] == "BudgetConfirmationNeeded"
            assert (body["before_minor"], body["after_minor"]) == (before * 3, before * 12)
            assert body["currency"] == "USD"
            assert row(db, s.account_id, campaign.campaign_id).budget_minor == before * 3
            answer = httpx.post(url, json={"budget": big, "confirm": True}, headers=headers)
            assert answer.status_code == 200, answer.text
            assert answer.json()["budget_minor"] == before * 12


def test_the_console_confirms_a_large_budget_change(
    db: Database, tmp_path: Path, sb: SandboxHandle
) -> None:
    member = new_member(db, "operator")
    with wired(sb), console_client(db, tmp_path) as client:
        s = imported(db, sb, workspace=member.workspace)
        campaign = row(db, s.account_id, pick(sb, modes=("BUDGET_MODE_DAY",)))
        before = int(campaign.budget_minor)
        csrf = log_in(client, member)
        page = f"/campaigns/{campaign.id}"

        assert "Enter a budget" in refused_form(client, f"{page}/budget", {"budget": "1e5"}, csrf)
        assert row(db, s.account_id, campaign.campaign_id).budget_minor == before

        after = before * 10
        answer = client.post(f"{page}/budget", data={"budget": _major(after), "csrf_token": csrf})
        html = answer.text
        assert 'id="budget-confirm"' in html
        text = _text(html)
        assert f"{_usd(before)} → {_usd(after)}" in text
        assert "per day" in text
        assert row(db, s.account_id, campaign.campaign_id).budget_minor == before

        back = post_form(
            client, f"{page}/budget", {"budget": _major(after), "confirm": "yes"}, csrf
        )
        assert f"The budget is now {_usd(after)} on TikTok." in flashes_at(client, back)
        assert row(db, s.account_id, campaign.campaign_id).budget_minor == after


@pytest.fixture
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


@pytest.mark.usefixtures("cli_env")
def test_the_cli_asks_before_a_large_budget_and_a_delete(db: Database, sb: SandboxHandle) -> None:
    with wired(sb):
        s = imported(db, sb)
        cid = pick(sb, modes=("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL"))
        campaign = row(db, s.account_id, cid)
        before = int(campaign.budget_minor)
        budget = ["tiktok", "campaign-budget", str(campaign.id), "-w", s.slug]
        status = ["tiktok", "campaign-status", str(campaign.id), "-w", s.slug]

        result = runner.invoke(cli, [*budget[:3], "1e5", *budget[3:]])
        assert result.exit_code == 1
        big = _major(before * 10)
        result = runner.invoke(cli, [*budget[:3], big, *budget[3:]], input="n\n")
        assert result.exit_code != 0
        assert f"{_usd(before)} → {_usd(before * 10)}" in result.output
        assert row(db, s.account_id, cid).budget_minor == before
        result = runner.invoke(cli, [*budget[:3], big, *budget[3:]], input="y\n")
        assert result.exit_code == 0, result.output
        assert row(db, s.account_id, cid).budget_minor == before * 10
        result = runner.invoke(cli, [*budget[:3], _major(before * 100), *budget[3:], "--yes"])
        assert result.exit_code == 0, result.output
        assert row(db, s.account_id, cid).budget_minor == before * 100

        result = runner.invoke(cli, [*status[:3], "DELETE", *status[3:]], input="n\n")
        assert result.exit_code != 0
        assert "cannot be undone" in result.output
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"
        result = runner.invoke(cli, [*status[:3], "DELETE", *status[3:], "--yes", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["deleted"] is True
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DELETE"
