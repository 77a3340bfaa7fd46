"""Monitoring after a cancellation, on SQLite and PostgreSQL: daily and hourly windows around
the stop in the ad account's zone, same-length before/after totals of the objects, the ad
account, the other campaigns and the advertiser, and spend after the stop per item."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.campaigns.service.monitor import before_after, watch
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound
from promodesk.models import Workspace
from tests.conftest import make_workspace
from tests.integration.accounts_factories import (
    make_ad_account,
    make_advertiser,
    make_campaign,
    make_cancellation,
    make_client,
    make_report_rows,
)

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 14:00 in Singapore
STOP = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)  # 12:30 in Singapore, stop day 2026-12-01
A, B = "1801000001", "1801000002"


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def _days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def seed_monitor(db: Database, workspace_id: int) -> dict[str, Any]:
    """Campaign A (cancelled) spent 100.00 a day before the stop and 3.00 the day after;
    campaign B, of the same advertiser, 50.00 a day before and 80.00 a day after."""
    with db.transaction() as uow:
        account = make_ad_account(uow, workspace_id, name="Shoes SG", advertiser_id="7000111")
        client = make_client(uow, workspace_id, "Acme")
        advertiser = make_advertiser(uow, workspace_id, client, "Acme Shoes")
        rows = [make_campaign(uow, workspace_id, account, campaign_id=c, name=c) for c in (A, B)]
        accounts_alloc.allocate(
            uow, workspace_id, account, client_account_id=client, advertiser_id=advertiser
        )
        camp_alloc.allocate_campaigns(
            uow,
            workspace_id,
            account,
            client_account_id=client,
            advertiser_id=advertiser,
            campaign_ids=rows,
        )
        before = _days(date(2026, 11, 17), date(2026, 11, 30))
        after = _days(date(2026, 12, 2), date(2026, 12, 6))
        make_report_rows(
            uow, workspace_id, account, A, {**dict.fromkeys(before, 100_00), "2026-12-02": 3_00}
        )
        make_report_rows(
            uow,
            workspace_id,
            account,
            B,
            {**dict.fromkeys(before, 50_00), **dict.fromkeys(after, 80_00)},
        )
        make_report_rows(
            uow,
            workspace_id,
            account,
            A,
            {
                "2026-12-01 11:00:00": 10_00,
                "2026-12-01 12:00:00": 5_00,  # the stop hour: not counted after the stop
                "2026-12-01 13:00:00": 2_00,
                "2026-12-02 09:00:00": 1_00,
            },
            grain="hour",
        )
        cancellation = make_cancellation(
            uow,
            workspace_id,
            [
                {
                    "ad_account_id": account,
                    "object_id": A,
                    "name": "Campaign A",
                    "advertiser_id": advertiser,
                    "client_account_id": client,
                    "stopped_at": STOP,
                    "spent_to_date_minor": 1_400_00,
                    "freed_minor": 600_00,
                }
            ],
            created_at=STOP - timedelta(minutes=1),
        )
    return {"account": account, "advertiser": advertiser, "cancellation": cancellation}


def test_monitor_windows_and_before_after_totals(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    seeded = seed_monitor(db, workspace.id)
    with db.read() as uow:
        data = before_after.monitor(uow, workspace.id, seeded["cancellation"])
    assert data["monitor_days"] == 14
    [acct] = data["accounts"]
    assert (acct["time_zone"], acct["currency"]) == ("Asia/Singapore", "USD")
    assert (acct["stop_day"], acct["stop_local"]) == ("2026-12-01", "2026-12-01 12:30")
    # 14 days before the stop day through today (the 7th), zero-filled
    assert [d["day"] for d in acct["daily"]] == _days(date(2026, 11, 17), date(2026, 12, 7))
    by_day = {d["day"]: d for d in acct["daily"]}
    assert by_day["2026-11-30"]["objects"]["spend_minor"] == 100_00
    assert by_day["2026-11-30"]["account_spend_minor"] == 150_00
    assert by_day["2026-12-03"]["objects"]["spend_minor"] == 0
    assert by_day["2026-12-03"]["account_spend_minor"] == 80_00
    # hourly: 48 h either side of the stop hour, local hours
    hours = [h["hour"] for h in acct["hourly"]]
    assert hours[0] == "2026-11-29 12:00:00"
    assert hours[-1] == "2026-12-03 12:00:00"
    assert len(hours) == 97
    assert {h["hour"]: h["spend_minor"] for h in acct["hourly"]}["2026-12-01 12:00:00"] == 5_00
    # five whole days have passed since the stop day: five days on each side
    assert acct["comparison"] == {
        "days": 5,
        "before": {"since": "2026-11-26", "last": "2026-11-30"},
        "after": {"since": "2026-12-02", "last": "2026-12-06"},
    }
    assert acct["objects"]["before"]["spend_minor"] == 500_00
    assert acct["objects"]["after"]["spend_minor"] == 3_00
    assert acct["account"]["before"]["spend_minor"] == 750_00
    assert acct["account"]["after"]["spend_minor"] == 403_00
    assert acct["others"] == {
        "before_minor": 250_00,
        "after_minor": 400_00,
        "picked_up_minor": 150_00,
        "change_percent": "60.0",
    }
    # after the stop hour: 2.00 + 1.00 from the hourly rows
    assert [i["spend_after_minor"] for i in acct["items"]] == [3_00]
    assert acct["spend_after_minor"] == 3_00
    [adv] = data["advertisers"]
    assert adv["name"] == "Acme Shoes"
    assert adv["client_name"] == "Acme"
    assert adv["by_currency"]["USD"]["before"]["spend_minor"] == 750_00
    assert adv["by_currency"]["USD"]["after"]["spend_minor"] == 403_00
    assert adv["by_currency"]["USD"]["change_percent"] == "-46.3"


def test_spend_after_stop_falls_back_to_daily_rows(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    with db.transaction() as uow:
        account = make_ad_account(uow, workspace.id)
        make_report_rows(uow, workspace.id, account, A, {"2026-12-01": 9_00, "2026-12-03": 4_00})
        cid = make_cancellation(
            uow, workspace.id, [{"ad_account_id": account, "object_id": A, "stopped_at": STOP}]
        )
    with db.read() as uow:
        [acct] = before_after.monitor(uow, workspace.id, cid)["accounts"]
    assert acct["items"][0]["spend_after_minor"] == 4_00  # days after the stop day only
    assert acct["others"]["picked_up_minor"] == 0


def test_too_early_to_compare_and_other_workspaces_see_nothing(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    with db.transaction() as uow:
        account = make_ad_account(uow, workspace.id)
        cid = make_cancellation(
            uow,
            workspace.id,
            [{"ad_account_id": account, "object_id": A, "stopped_at": NOW - timedelta(hours=2)}],
        )
    with db.read() as uow:
        [acct] = before_after.monitor(uow, workspace.id, cid)["accounts"]
    assert acct["comparison"]["days"] == 0
    assert acct["hourly"][-1]["hour"] == "2026-12-07 14:00:00"  # nothing after now
    other = make_workspace(db)
    with db.read() as uow, pytest.raises(NotFound):
        before_after.monitor(uow, other.id, cid)


def test_an_advertiser_without_allocated_campaigns_is_its_ad_accounts(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    with db.transaction() as uow:
        account = make_ad_account(uow, workspace.id)
        client = make_client(uow, workspace.id)
        advertiser = make_advertiser(uow, workspace.id, client, "Only the account")
        accounts_alloc.allocate(
            uow, workspace.id, account, client_account_id=client, advertiser_id=advertiser
        )
        make_report_rows(uow, workspace.id, account, A, {"2026-11-30": 70_00})
        make_report_rows(uow, workspace.id, account, B, {"2026-11-30": 30_00, "2026-12-02": 9_00})
        cid = make_cancellation(
            uow,
            workspace.id,
            [
                {
                    "ad_account_id": account,
                    "object_id": A,
                    "advertiser_id": advertiser,
                    "stopped_at": STOP,
                }
            ],
        )
    with db.read() as uow:
        [adv] = before_after.monitor(uow, workspace.id, cid)["advertisers"]
    assert adv["by_currency"]["USD"]["before"]["spend_minor"] == 100_00
    assert adv["by_currency"]["USD"]["after"]["spend_minor"] == 9_00


def test_the_watch_alerts_once_per_object_still_spending_after_the_stop(
    db: Database, frozen: clock.FrozenClock
) -> None:
    from promodesk.campaigns.jobs import monitor as monitor_jobs
    from promodesk.kit.jobs.registry import registered
    from promodesk.notify.service import outbox
    from tests.integration.test_console_support import new_member

    operator = new_member(db, "operator")
    viewer = new_member(db, "viewer", operator.workspace)
    ws = operator.workspace.id
    with db.transaction() as uow:
        account = make_ad_account(uow, ws)
        # stopped at 12:30 local: the 12:00 hour is the stop hour, 13:00 is after it
        make_report_rows(uow, ws, account, A, {"2026-12-01 13:00:00": 5_00}, grain="hour")
        make_report_rows(uow, ws, account, B, {"2026-12-01 13:00:00": 50}, grain="hour")
        make_report_rows(
            uow, ws, account, "1801000003", {"2026-12-01 13:00:00": 9_00}, grain="hour"
        )
        cid = make_cancellation(
            uow,
            ws,
            [
                {"ad_account_id": account, "object_id": A, "name": "Still on", "stopped_at": STOP},
                {"ad_account_id": account, "object_id": B, "stopped_at": STOP},  # within 1.00
                {
                    "ad_account_id": account,
                    "object_id": "1801000003",
                    "stopped_at": STOP,
                    "undone_at": STOP + timedelta(hours=1),  # enabled again: spend expected
                },
            ],
        )
        items = {i.object_id: i.id for i in RetrospectiveRepository(uow).items(ws, [cid])}
    assert registered()[watch.WATCH_JOB] is monitor_jobs.watch
    for _ in range(2):  # a second run sends nothing new
        with db.transaction() as uow:
            watch.watch(uow)
    with db.read() as uow:
        mails = outbox.list_emails(uow, ws, kind=watch.MAIL_KIND)
        sent = [(m.ref, sorted(m.to_addrs), m.subject) for m in mails]
    assert len(sent) == 1
    ref, to, subject = sent[0]
    assert ref == f"cancel-watch:{items[A]}"
    assert to == [operator.email]  # viewers are not alerted
    assert viewer.email not in to
    assert "Still on" in subject
    assert "5.00" in subject
