"""The campaign detail: schedule in the ad account's zone, spent to date and today from the
report store, remaining budget (lifetime and daily), the daily chart over the campaign's life
or the last 30 days, children with their status words; service, API and console (both
languages), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from promodesk.campaigns.service import campaigns as service
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import ValidationFailed
from promodesk.models import TikTokAdGroup, TikTokCampaign, Workspace
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.accounts_factories import (
    make_ad_account,
    make_campaign,
    make_grant,
    make_report_rows,
)
from tests.integration.test_campaign_list_metrics import AT, _children, _seed
from tests.integration.test_console_support import console_client, log_in, new_member, post_form


def _detail_seed(db: Database, workspace: Workspace) -> dict[str, int]:
    s = _seed(db, workspace)  # c1 "Spring" (1801) on account A, Singapore, with report rows
    _children(db, workspace, s)
    with db.transaction() as uow:
        c1 = uow.session.get(TikTokCampaign, s["ids"][0])
        assert c1 is not None
        c1.budget_mode, c1.budget_minor, c1.objective_type = "BUDGET_MODE_TOTAL", 10_000, "TRAFFIC"
        c2 = uow.session.get(TikTokCampaign, s["ids"][1])
        assert c2 is not None
        c2.budget_mode, c2.budget_minor = "BUDGET_MODE_DAY", 600
        schedules = {
            "2801": ("SCHEDULE_START_END", "2026-03-01 10:00:00", "2026-04-01 00:00:00"),
            "2802": ("SCHEDULE_START_END", "2026-02-25 08:00:00", "2026-03-20 00:00:00"),
            "2803": ("SCHEDULE_START_END", "2026-03-05 00:00:00", "2026-03-06 00:00:00"),
        }
        for g in uow.session.query(TikTokAdGroup).filter_by(workspace_id=workspace.id):
            g.schedule_type, g.schedule_start_time, g.schedule_end_time = schedules[g.adgroup_id]
        uow.session.add(
            TikTokAdGroup(
                workspace_id=workspace.id,
                ad_account_id=s["a"],
                adgroup_id="2809",
                campaign_id="1801",
                name="Old deleted group",
                schedule_type="SCHEDULE_START_END",
                schedule_start_time="2026-01-01 00:00:00",
                schedule_end_time="2026-12-31 00:00:00",
                secondary_status="ADGROUP_STATUS_DELETE",
                deleted=True,
                raw={},
            )
        )
    return {"c1": s["ids"][0], "c2": s["ids"][1], "c3": s["ids"][2]}


def test_detail_numbers(db: Database) -> None:
    workspace = new_workspace(db)
    ids = _detail_seed(db, workspace)
    with db.read() as uow:
        d = service.campaign_detail(uow, workspace.id, ids["c1"], at=AT)
        d30 = service.campaign_detail(uow, workspace.id, ids["c1"], chart="last_30_days", at=AT)
        daily = service.campaign_detail(uow, workspace.id, ids["c2"], at=AT)
        empty = service.campaign_detail(uow, workspace.id, ids["c3"], at=AT)
    # the deleted ad group does not stretch the schedule
    assert d["schedule"] == {
        "start": "2026-02-25 08:00:00",
        "end": "2026-04-01 00:00:00",
        "time_zone": "Asia/Singapore",
    }
    assert d["spent_to_date"]["spend_minor"] == 1809  # every stored day (8 Feb included)
    assert d["spent_to_date"]["first_day"] == "2026-02-08"
    assert d["spent_today"]["spend_minor"] == 500
    assert d["spent_today"]["day"] == "2026-03-10"  # Singapore's day at 02:00 UTC
    assert (d["remaining_budget_minor"], d["remaining_basis"]) == (10_000 - 1809, "lifetime")
    points = d["daily"]["points"]
    assert d["daily"]["chart"] == "life"
    assert (points[0]["day"], points[-1]["day"], len(points)) == ("2026-02-08", "2026-03-10", 31)
    by_day = {p["day"]: p for p in points}
    assert by_day["2026-02-20"]["spend_minor"] == 1000
    assert by_day["2026-02-21"]["spend_minor"] == 0
    assert by_day["2026-03-10"]["conversions"] == 50
    points30 = d30["daily"]["points"]
    assert (points30[0]["day"], len(points30)) == ("2026-02-09", 30)
    assert (daily["remaining_budget_minor"], daily["remaining_basis"]) == (500, "today")
    assert empty["spent_to_date"]["spend_minor"] == 0
    assert empty["schedule"] == {"start": None, "end": None, "time_zone": "Asia/Singapore"}
    assert len(empty["daily"]["points"]) == 30  # nothing stored yet: the last 30 days
    words = {g["adgroup_id"]: (g["status"], g["status_reason"]) for g in d["ad_groups"]}
    assert words["2802"] == ("not_delivering", "ADGROUP_STATUS_AUDIT")
    assert words["2809"] == ("deleted", None)
    ads = {a["ad_id"]: a["status"] for g in d["ad_groups"] for a in g["ads"]}
    assert ads == {"3801": "active", "3802": "deleted"}
    with db.read() as uow, pytest.raises(ValidationFailed) as info:
        service.campaign_detail(uow, workspace.id, ids["c1"], chart="forever")
    assert info.value.field == "chart"


def test_detail_over_http_and_console(db: Database, tmp_path: Path) -> None:
    operator = new_member(db, "operator")
    ids = _detail_seed(db, operator.workspace)
    previous = clock.set_clock(clock.FrozenClock(AT))
    try:
        with TestClient(make_app(db, tmp_path)) as client:
            client.headers.update(bearer(new_key(db, operator.workspace, "viewer")))
            body = client.get(f"/api/v1/campaigns/{ids['c1']}").json()
            assert body["remaining_budget_minor"] == 8191
            assert body["schedule"]["time_zone"] == "Asia/Singapore"
            assert body["spent_to_date"]["ctr"] == "1.00"
            assert len(body["daily"]["points"]) == 31
            assert body["ad_groups"][1]["status_reason"] == "ADGROUP_STATUS_AUDIT"
            bad = client.get(f"/api/v1/campaigns/{ids['c1']}", params={"chart": "forever"})
            assert bad.status_code == 422
            assert bad.json()["field"] == "chart"
        with console_client(db, tmp_path) as client:
            csrf = log_in(client, operator)
            page = client.get(f"/campaigns/{ids['c1']}").text
            assert "2026-02-25 08:00:00 → 2026-04-01 00:00:00" in page
            assert "(Asia/Singapore)" in page
            assert "18.09 USD" in page  # spent to date
            assert "81.91 USD" in page  # remaining of the lifetime budget
            assert "5.00 USD" in page  # spent today
            spec = json.loads(
                re.search(r'id="campaign-plot-data">(.*?)</script>', page, re.S).group(1)  # type: ignore[union-attr]
            )
            assert spec["series"][0]["kind"] == "bar"
            assert spec["series"][1] == {
                "name": "Conversions",
                "y": spec["series"][1]["y"],
                "kind": "line",
                "axis": "y2",
            }
            assert spec["x"][0] == "2026-02-08"
            assert spec["series"][0]["y"][-1] == 5.0
            assert "In review" in page  # the ad group's reason, as a label
            assert f"/campaigns/cancel?level=campaign&amp;ids={ids['c1']}" in page
            last30 = client.get(f"/campaigns/{ids['c1']}", params={"chart": "last_30_days"}).text
            assert "2026-02-09 – 2026-03-10" in last30
            post_form(client, "/locale", {"locale": "zh_Hans", "next": "/"}, csrf)
            zh = client.get(f"/campaigns/{ids['c1']}").text
            assert "累计花费" in zh
            assert "剩余预算" in zh
            assert "花费与成效" in zh
    finally:
        clock.set_clock(previous)


def test_viewer_sees_no_cancel_on_detail(db: Database, tmp_path: Path) -> None:
    viewer = new_member(db, "viewer")
    with db.transaction() as uow:
        account = make_ad_account(uow, viewer.workspace.id, make_grant(uow, viewer.workspace.id))
        cid = make_campaign(uow, viewer.workspace.id, account, campaign_id="1901")
        make_report_rows(uow, viewer.workspace.id, account, "1901", {"2026-01-01": 100})
    with console_client(db, tmp_path) as client:
        log_in(client, viewer)
        page = client.get(f"/campaigns/{cid}")
        assert page.status_code == 200
        assert "/campaigns/cancel" not in page.text
        assert 'id="campaign-plot-data"' in page.text
