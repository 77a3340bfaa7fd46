"""The rules pages in English and 简体中文: create a rule with the form (a refused one comes
back typed), see it, simulate it on the stored history, enable it, read an evaluation's log;
a viewer reads but gets no form."""

from __future__ import annotations

from pathlib import Path

from promodesk.kit.db import Database
from promodesk.rules.service import evaluation
from promodesk.rules.service import rules as rules_service
from tests.integration.rules_support import campaigns_with_history
from tests.integration.test_console_support import (
    console_client,
    log_in,
    new_member,
    post_form,
    refused_form,
)
from tests.integration.test_rules_evaluation import DAY, NOW

FORM = {
    "name": "Spend without results",
    "channel": "tiktok_campaign",
    "op": "and",
    "metric_0": "spend_no_results",
    "cmp_0": ">",
    "value_0": "20",
    "lookback_days": "3",
    "min_impressions": "1000",
    "min_spend": "0",
    "min_days": "0",
    "action": "pause",
    "max_actions": "10",
    "cooldown_minutes": "60",
    "schedule_kind": "every",
    "every_minutes": "5",
    "at": "09:00",
    "timezone": "UTC",
    "emails": "ops@example.com",
}


def test_rule_pages_in_both_languages(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    ws = member.workspace.id
    campaigns_with_history(db, ws, DAY, [(1000, 600, 0), (1000, 600, 1)])
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        assert 'href="/rules"' in client.get("/").text
        assert client.get("/rules/new").status_code == 200
        said = refused_form(client, "/rules/new", {**FORM, "lookback_days": "0"}, csrf)
        assert "1 to 90" in said
        where = post_form(client, "/rules/new", FORM, csrf)
        rule_id = int(where.rsplit("/", 1)[1])
        page = client.get(where).text
        assert "Spend without results" in page
        assert "Disabled" in page
        assert "Spend with no results &gt; 20" in page  # the condition in words, not JSON
        assert '"metric"' not in page
        assert "Every 5 min" in page

        sim = client.get(f"/rules/{rule_id}/simulate", params={"days": "3", "until": "2026-11-20"})
        assert sim.status_code == 200, sim.text
        assert "1 action(s) on 1 object(s)" in sim.text
        assert "Campaign 0" in sim.text
        assert "Spend with no results 30.00" in sim.text

        post_form(client, f"/rules/{rule_id}/enable", {}, csrf)
        assert "Enabled" in client.get(f"/rules/{rule_id}").text
        with db.transaction() as uow:
            rule = rules_service.get_rule(uow, ws, rule_id)
            made = evaluation.run_rule(uow, rule, NOW, NOW)
            assert made is not None
            ev_id = made.id
        log = client.get(f"/rules/{rule_id}").text
        assert f'href="/rules/evaluations/{ev_id}"' in log
        one = client.get(f"/rules/evaluations/{ev_id}").text
        assert "Acted" in one
        assert "Pending" in one

        edit = client.get(f"/rules/{rule_id}/edit").text
        assert 'value="20"' in edit
        post_form(client, f"/rules/{rule_id}/edit", {**FORM, "name": "Renamed"}, csrf)
        listed = client.get("/rules").text
        assert "Renamed" in listed
        assert "Every 5 min" in listed  # the schedule with its interval, in the list too
        daily = {**FORM, "name": "Renamed", "schedule_kind": "daily", "at": "09:30"}
        post_form(client, f"/rules/{rule_id}/edit", {**daily, "timezone": "Asia/Shanghai"}, csrf)
        assert "Daily at 09:30 (Asia/Shanghai)" in client.get("/rules").text
        post_form(client, f"/rules/{rule_id}/edit", {**FORM, "name": "Renamed"}, csrf)

        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/"}, csrf)
        zh = client.get(f"/rules/{rule_id}/simulate", params={"days": "3", "until": "2026-11-20"})
        assert "模拟" in zh.text
        assert "无成效的花费" in zh.text
        assert "每 5 分钟" in client.get("/rules").text
        zh_rule = client.get(f"/rules/{rule_id}").text
        assert "运行日志" in zh_rule
        assert "每 5 分钟" in zh_rule
        assert " min)" not in zh_rule


def test_a_viewer_reads_rules_but_gets_no_form(db: Database, tmp_path: Path) -> None:
    viewer = new_member(db, "viewer")
    with db.transaction() as uow:
        rule = rules_service.create_rule(
            uow,
            viewer.workspace.id,
            name="Watch",
            definition_raw={
                "scope": {"channel": "shop_enrollment"},
                "conditions": {
                    "op": "and",
                    "items": [{"metric": "stock", "cmp": "<=", "value": "0"}],
                },
                "action": {"kind": "notify"},
            },
        )
    with console_client(db, tmp_path) as client:
        log_in(client, viewer)
        page = client.get(f"/rules/{rule.id}").text
        assert "Watch" in page
        assert "/enable" not in page
        assert client.get("/rules/new").status_code == 403
