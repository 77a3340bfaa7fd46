"""The retrospective of cancellations on SQLite and PostgreSQL: counts per reason, money per
currency and per advertiser with freed and reallocated budget read from the ledger, filters
by client and advertiser, cost per result before the cancel, exports, lessons and action
items (audited)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.audit import service as audit
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.campaigns.service import freed
from promodesk.campaigns.service.retrospective import export as retro_export
from promodesk.campaigns.service.retrospective import notes as retro_notes
from promodesk.campaigns.service.retrospective import report as retro_report
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.ledger import service as ledger
from promodesk.models import Workspace
from tests.integration.accounts_factories import (
    make_ad_account,
    make_advertiser,
    make_campaign,
    make_cancellation,
    make_client,
    make_report_rows,
)

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def _item(account: int, object_id: str, adv: int, client: int, **kw: Any) -> dict[str, Any]:
    return {
        "ad_account_id": account,
        "object_id": object_id,
        "advertiser_id": adv,
        "client_account_id": client,
        **kw,
    }


def seed_retro(db: Database, ws: int) -> dict[str, Any]:
    """Advertiser X (client C1) on account 1, advertiser Y (client C2) on account 2.
    December: c1 budget (X, freed 400.00), c2 poor performance (X, freed 100.00 of which an
    undo took back 30.00), c3 budget (Y, freed 50.00); a reallocation of 300.00 from X's pool
    of which 50.00 came back (a budget update TikTok refused).
    November: c4 (X), outside the month."""
    with db.transaction() as uow:
        a1 = make_ad_account(uow, ws, name="Acct 1")
        a2 = make_ad_account(uow, ws, name="Acct 2")
        c1_client, c2_client = make_client(uow, ws, "C1"), make_client(uow, ws, "C2")
        x = make_advertiser(uow, ws, c1_client, "X shoes")
        y = make_advertiser(uow, ws, c2_client, "Y bags")
        accounts_alloc.allocate(uow, ws, a1, client_account_id=c1_client, advertiser_id=x)
        accounts_alloc.allocate(uow, ws, a2, client_account_id=c2_client, advertiser_id=y)
        rows = [make_campaign(uow, ws, a1, campaign_id=c) for c in ("1900000001", "1900000002")]
        camp_alloc.allocate_campaigns(
            uow, ws, a1, client_account_id=c1_client, advertiser_id=x, campaign_ids=rows
        )
        week = [(date(2026, 11, 24) + timedelta(days=i)).isoformat() for i in range(7)]
        # 7 days before c1 (stopped on Dec 1): the cancelled campaign and one other
        make_report_rows(uow, ws, a1, "1900000001", dict.fromkeys(week, 100_00))
        make_report_rows(uow, ws, a1, "1900000002", dict.fromkeys(week, 50_00))
        stop = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
        c1 = make_cancellation(
            uow,
            ws,
            [
                _item(
                    a1,
                    "1900000001",
                    x,
                    c1_client,
                    spent_to_date_minor=1_000_00,
                    freed_minor=400_00,
                    stopped_at=stop,
                )
            ],
            reason_code="budget",
            created_at=stop,
        )
        c2 = make_cancellation(
            uow,
            ws,
            [_item(a1, "1900000009", x, c1_client, spent_to_date_minor=20_00)],
            reason_code="poor_performance",
            created_at=datetime(2026, 12, 3, 2, 0, tzinfo=UTC),
        )
        c3 = make_cancellation(
            uow,
            ws,
            [_item(a2, "1900000010", y, c2_client, spent_to_date_minor=5_00)],
            reason_code="budget",
            created_at=datetime(2026, 12, 4, 2, 0, tzinfo=UTC),
        )
        c4 = make_cancellation(
            uow,
            ws,
            [_item(a1, "1900000011", x, c1_client, spent_to_date_minor=7_00)],
            reason_code="other",
            created_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        )
        item_ids = RetrospectiveRepository(uow).items(ws, [c1, c2, c3, c4])
        by_c = {i.cancellation_id: i.id for i in item_ids}
        pool_x = freed.pool_of(x, a1, "USD")
        pool_y = freed.pool_of(y, a2, "USD")
        freed.post_freed(uow, ws, pool_x, 400_00, f"item:{by_c[c1]}")
        freed.post_freed(uow, ws, pool_x, 100_00, f"item:{by_c[c2]}")
        freed.post_freed(uow, ws, pool_y, 50_00, f"item:{by_c[c3]}")
        freed.post_freed(uow, ws, pool_x, 9_00, f"item:{by_c[c4]}")
        source, pool = freed._accounts(uow, ws, pool_x)
        ledger.move(uow, ws, retro_report.UNFREED, f"undo:{by_c[c2]}", pool, source, 30_00)
        freed.use(uow, ws, pool_x, 300_00, "realloc:1")
        freed.give_back(uow, ws, pool_x, 50_00, "realloc-item:1")  # TikTok refused a part
    return {"x": x, "y": y, "c1_client": c1_client, "c2_client": c2_client, "c": [c1, c2, c3, c4]}


def test_retrospective_of_the_month(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    s = seed_retro(db, workspace.id)
    with db.read() as uow:
        data = retro_report.retrospective(uow, workspace.id, period="month", month="2026-12")
    assert data["period"] == {
        "kind": "month",
        "since": "2026-12-01",
        "last": "2026-12-31",
        "time_zone": "UTC",
    }
    assert data["cancellations"] == 3
    assert data["by_reason"] == {"budget": 2, "poor_performance": 1}
    assert data["totals"] == [
        {
            "currency": "USD",
            "spent_minor": 1_025_00,
            "freed_minor": 520_00,  # 400 + (100 - 30) + 50
            "reallocated_minor": 250_00,
            "spend_after_minor": 0,
        }
    ]
    by_adv = {a["name"]: a for a in data["advertisers"]}
    assert by_adv["X shoes"]["cancellations"] == 2
    assert by_adv["X shoes"]["client_name"] == "C1"
    assert by_adv["X shoes"]["money"][0]["freed_minor"] == 470_00
    assert by_adv["X shoes"]["money"][0]["reallocated_minor"] == 250_00
    assert by_adv["Y bags"]["money"][0]["freed_minor"] == 50_00
    assert by_adv["Y bags"]["money"][0]["reallocated_minor"] == 0
    # newest first; c1: cost per result before the cancel against advertiser X's campaigns
    assert [r["id"] for r in data["rows"]] == [s["c"][2], s["c"][1], s["c"][0]]
    c1 = data["rows"][2]
    assert c1["cost_per_result"]["since"] == "2026-11-24"
    assert c1["cost_per_result"]["last"] == "2026-11-30"
    assert c1["cost_per_result"]["reference_kind"] == "advertiser"
    assert c1["cost_per_result"]["objects"] == "10.00"
    assert c1["cost_per_result"]["verdict"] == "same"
    assert c1["advertiser_after"]["before_minor"] == 5 * 150_00  # 5 whole days after the stop
    assert c1["advertiser_after"]["after_minor"] == 0
    assert c1["advertiser_after"]["change_percent"] == "-100.0"


def test_filters_by_advertiser_and_client(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    s = seed_retro(db, workspace.id)
    with db.read() as uow:
        only_y = retro_report.retrospective(
            uow, workspace.id, month="2026-12", advertiser_id=s["y"]
        )
        only_c1 = retro_report.retrospective(
            uow, workspace.id, month="2026-12", client_id=s["c1_client"]
        )
        november = retro_report.retrospective(uow, workspace.id, month="2026-11")
        custom = retro_report.retrospective(
            uow, workspace.id, period="custom", since="2026-11-15", until="2026-12-03"
        )
    assert only_y["cancellations"] == 1
    assert only_y["totals"][0]["freed_minor"] == 50_00
    assert only_y["totals"][0]["reallocated_minor"] == 0
    assert only_c1["cancellations"] == 2
    assert only_c1["totals"][0]["reallocated_minor"] == 250_00
    assert november["by_reason"] == {"other": 1}
    assert november["totals"][0]["freed_minor"] == 9_00
    assert custom["cancellations"] == 3  # c4, c1 and c2 (the 3rd is included)
    with db.read() as uow:
        with pytest.raises(NotFound):
            retro_report.retrospective(uow, workspace.id, advertiser_id=999_999)
        with pytest.raises(ValidationFailed) as err:
            retro_report.retrospective(uow, workspace.id, month="2026-13")
        assert err.value.field == "month"
        with pytest.raises(ValidationFailed):
            retro_report.retrospective(uow, workspace.id, period="year")


def test_exports_csv_and_xlsx(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    seed_retro(db, workspace.id)
    with db.read() as uow:
        data = retro_report.retrospective(uow, workspace.id, month="2026-12")
    text = retro_export.to_csv(data)
    assert text.startswith("\ufeffCancellation,Made at (UTC),Reason")
    lines = text.strip().splitlines()
    assert len(lines) == 4
    assert ",budget,pause,X shoes,1,USD,1000.00,400.00,0.00,0.10,0.10,advertiser," in lines[3]
    blob = retro_export.to_xlsx(data)
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        names = z.namelist()
        strings = z.read("xl/sharedStrings.xml").decode()
        summary_sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert "xl/worksheets/sheet1.xml" in names
    assert "xl/worksheets/sheet2.xml" in names
    assert "poor_performance" in strings
    assert "<v>520</v>" in summary_sheet  # freed in the summary sheet, a number


def test_lessons_and_action_items_are_checked_and_audited(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    s = seed_retro(db, workspace.id)
    cid = s["c"][0]
    with db.transaction() as uow:
        saved = retro_notes.update_notes(
            uow,
            workspace.id,
            cid,
            lessons="Daily caps were too high for a test.",
            action_items=[{"text": "Cap test budgets at 50", "owner": "Lin", "due": "2026-12-01"}],
            actor="user:7",
        )
        retro_notes.add_action_item(
            uow, workspace.id, cid, {"text": "Weekly creative review"}, actor="user:7"
        )
    assert saved["action_items"][0]["due"] == "2026-12-01"
    with db.read() as uow:
        notes = retro_notes.notes(uow, workspace.id, cid)
        events = audit.list_events(uow, workspace.id, action="campaigns.cancellation_notes")
        actors = {e.actor for e in events}
        data = retro_report.retrospective(uow, workspace.id, month="2026-12")
    assert notes["lessons"] == "Daily caps were too high for a test."
    assert [i["text"] for i in notes["action_items"]] == [
        "Cap test budgets at 50",
        "Weekly creative review",
    ]
    assert len(events) == 2
    assert actors == {"user:7"}
    row = next(r for r in data["rows"] if r["id"] == cid)
    assert row["action_items_open"] == {"open": 2, "overdue": 1}
    with db.transaction() as uow, pytest.raises(ValidationFailed) as err:
        retro_notes.update_notes(uow, workspace.id, cid, action_items=[{"owner": "Lin"}])
    assert err.value.field == "action_items.0.text"
    with db.transaction() as uow:  # saving the same again records nothing
        retro_notes.update_notes(
            uow, workspace.id, cid, lessons="Daily caps were too high for a test."
        )
    with db.read() as uow:
        assert len(audit.list_events(uow, workspace.id, action="campaigns.cancellation_notes")) == 2


def test_exports_never_carry_a_formula(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    s = seed_retro(db, workspace.id)
    with db.transaction() as uow:
        retro_notes.update_notes(
            uow, workspace.id, s["c"][0], lessons='=HYPERLINK("http://x.example","see")'
        )
    with db.read() as uow:
        data = retro_report.retrospective(uow, workspace.id, month="2026-12")
    rows = list(csv.reader(io.StringIO(retro_export.to_csv(data).lstrip("\ufeff"))))
    lessons = rows[0].index("Lessons")
    assert '\'=HYPERLINK("http://x.example","see")' in [r[lessons] for r in rows[1:]]
    # figures stay plain numbers, a negative change included
    spent = rows[0].index("Spent to date")
    assert all(not r[spent].startswith("'") for r in rows[1:])
    with zipfile.ZipFile(io.BytesIO(retro_export.to_xlsx(data))) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
