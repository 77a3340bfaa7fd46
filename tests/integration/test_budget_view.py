"""The Budget view on both databases against the sandbox: live budgets per client, advertiser
and ad account, today's pacing from the report store in the account's own day, the balance
from TikTok's Business Center (or why it is unavailable), and the freed-budget pools."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from promodesk.campaigns.repository.budget import BudgetRepository
from promodesk.campaigns.service import freed
from promodesk.campaigns.service.budget import view as service
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound
from promodesk.models import TikTokAdAccount
from tests.integration.accounts_factories import make_report_rows
from tests.integration.budget_support import business_center, setup
from tests.integration.campaign_changes_support import ACCOUNT, fresh_sandbox, row
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


def test_budget_view_numbers(
    db: Database, sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        s = setup(db, sb, pool_minor=120_00)
        with db.read() as uow:
            account = uow.session.get(TikTokAdAccount, s.account_id)
            assert account is not None
            zone = account.timezone
        campaigns = [row(db, s.account_id, cid) for cid in s.tiktok_ids]
        daily = [c for c in campaigns if c.budget_mode == "BUDGET_MODE_DAY"]
        today = clock.now().astimezone(ZoneInfo(zone)).date()
        with db.transaction() as uow:
            for c in campaigns:
                make_report_rows(
                    uow,
                    s.workspace_id,
                    s.account_id,
                    c.campaign_id,
                    {
                        today.isoformat(): 20_00,
                        (today - timedelta(days=1)).isoformat(): 999_00,  # not today
                    },
                    time_zone=zone,
                )

        with business_center(monkeypatch):
            view = service.budget_view(db, s.workspace_id)
        (client,) = view["clients"]
        assert client["id"] == s.client_id
        (adv,) = client["advertisers"]
        assert adv["id"] == s.advertiser_id
        (acct,) = adv["ad_accounts"]
        assert acct["id"] == s.account_id
        assert acct["payment_mode"] == "self"
        assert acct["timezone"] == zone

        # live budgets: every enabled, undeleted campaign of the account (from the mirror)
        with db.read() as uow:
            live = BudgetRepository(uow).live_campaigns(s.workspace_id, [s.account_id])
        assert acct["active_campaigns"] == len(live)
        assert acct["daily_budget_minor"] == sum(
            b for _a, _c, mode, b in live if mode == "BUDGET_MODE_DAY"
        )
        assert acct["lifetime_budget_minor"] == sum(
            b for _a, _c, mode, b in live if mode == "BUDGET_MODE_TOTAL"
        )
        # today's spend is today's rows only, in the account's day
        assert acct["spent_today_minor"] == 20_00 * len(campaigns)
        assert acct["spent_today_source"] == "day"
        assert acct["spent_today_daily_minor"] == 20_00 * len(daily)
        if acct["daily_budget_minor"]:
            expected = (Decimal(20_00 * len(daily)) * 100 / acct["daily_budget_minor"]).quantize(
                Decimal("0.1")
            )
            assert acct["pacing_percent"] == str(expected)
        assert 0 <= Decimal(acct["day_elapsed_percent"]) <= 100

        # the balance from the Business Center: the sandbox's generated cash of the account
        assert acct["balance"]["available"] is True
        expected_cash = int(sb.sandbox.world.account_cash(ACCOUNT) * 100)
        assert acct["balance"]["cash_minor"] == expected_cash

        # the advertiser's freed pool, with its history
        (pool,) = adv["pools"]
        assert pool["key"] == freed.key_of(s.pool)
        assert (pool["balance_minor"], pool["freed_minor"], pool["reallocated_minor"]) == (
            120_00,
            120_00,
            0,
        )
        assert view["pools"] == [pool]
        assert view["not_allocated"] == []


def test_balance_unavailable_says_why_and_filters_are_strict(
    db: Database, sb: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        s = setup(db, sb)
        view = service.budget_view(db, s.workspace_id)
        acct = view["clients"][0]["advertisers"][0]["ad_accounts"][0]
        assert acct["balance"]["available"] is False
        assert "no Business Center is configured" in acct["balance"]["reason"]

        with business_center(monkeypatch, "7299999999999999999"):
            view = service.budget_view(db, s.workspace_id)
        acct = view["clients"][0]["advertisers"][0]["ad_accounts"][0]
        assert acct["balance"]["available"] is False
        assert acct["balance"]["reason"].startswith("TikTok did not give the balance")

        only = service.budget_view(
            db, s.workspace_id, service.Filters(advertiser_id=s.advertiser_id), with_balances=False
        )
        assert [c["id"] for c in only["clients"]] == [s.client_id]
        for bad in (
            service.Filters(client_id=s.client_id + 999),
            service.Filters(advertiser_id=s.advertiser_id + 999),
            service.Filters(ad_account_id=s.account_id + 999),
        ):
            with pytest.raises(NotFound):
                service.budget_view(db, s.workspace_id, bad, with_balances=False)
