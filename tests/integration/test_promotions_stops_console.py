"""The console's list of stops everywhere (filters, pages, empty states, en and 简体中文, linked
from the Promotions page and each stop's crumbs) and a stop's lessons and action items form
(operators only; saved and audited; sent twice, saved once; refused with the typed text
kept)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from promodesk.console.routes.promotions import stop_list as page_module
from promodesk.kit.db import Database
from promodesk.models import AuditEvent, PromotionStop, User
from tests.integration.promotions_support import make_stop, step
from tests.integration.test_console_support import console_client, log_in, new_member, post_form

ROWS = re.compile(r'<tr data-stop="(\d+)" data-status="([a-z]+)">')
FIELD = re.compile(r'<input type="hidden" name="(csrf_token|submit_token)" value="([^"]+)"')


def _form(page: str, action: str) -> dict[str, str]:
    start = page.index(f'action="{action}"')
    fields = dict(FIELD.findall(page[start : page.index("</form>", start)]))
    assert "submit_token" in fields
    return fields


def _notes_events(db: Database, workspace_id: int) -> int:
    with db.read() as uow:
        return len(
            uow.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.workspace_id == workspace_id,
                    AuditEvent.action == "promotions.stop_notes",
                )
            ).all()
        )


def test_list_page_filters_pages_and_languages(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    ws = member.workspace.id
    other = new_member(db, "viewer")
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        empty = client.get("/promotions/stops")
        assert empty.status_code == 200
        assert "No stops yet" in empty.text
        coins = [{"what": "refund_to_wallet", "minor": 700, "currency": "COIN"}]
        failed = make_stop(
            db, ws, reason="wrong_claim", steps=[step(1), step(2, channel="shop", status="failed")]
        )
        paused = make_stop(db, ws, steps=[step(channel="tiktok_ads", reversible=True)])
        running = make_stop(db, ws, money=coins, steps=[step(status="running", verified=None)])
        theirs = make_stop(db, other.workspace.id)
        assert 'href="/promotions/stops"' in client.get("/promotions").text  # the head's link
        page = client.get("/promotions/stops").text
        assert ROWS.findall(page) == [
            (str(running), "running"),
            (str(paused), "done"),
            (str(failed), "failed"),
        ]
        assert f'href="/promotions/stops/{theirs}"' not in page  # another workspace's
        assert f'href="/promotions/stops/{failed}"' in page
        row = page[page.index(f'data-stop="{failed}"') :]
        row = row[: row.index("</tr>")]
        assert 'data-channel="shop" data-channel-status="failed"' in row
        assert 'data-can="retry"' in row
        assert "A claim turned out wrong" in row
        paused_row = page[page.index(f'data-stop="{paused}"') :]
        assert 'data-can="restart"' in paused_row[: paused_row.index("</tr>")]
        assert "Coins back to the wallet" in page
        assert '<form method="post" action="/promotions' not in page  # no actions in the list
        only = client.get("/promotions/stops", params={"status": "failed"}).text
        assert ROWS.findall(only) == [(str(failed), "failed")]
        none = client.get("/promotions/stops", params={"channel": "shop", "status": "restarted"})
        assert "No stops match" in none.text
        bad = client.get("/promotions/stops", params={"reason": "bored"})
        assert bad.status_code == 422
        assert 'id="filter-error" data-field="reason"' in bad.text
        assert ROWS.findall(bad.text) == []
        bad_day = client.get("/promotions/stops", params={"created_since": "2026-02-30"})
        assert bad_day.status_code == 422
        assert "Enter a day as YYYY-MM-DD." in bad_day.text
        shown = client.get(f"/promotions/stops/{failed}").text
        assert 'href="/promotions/stops">Stops everywhere</a>' in shown  # the crumbs
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/promotions/stops"}, csrf)
        zh = client.get("/promotions/stops").text
        assert "全渠道停止记录" in zh
        assert "有步骤失败" in zh
        assert "已售罄" in zh
        assert (
            "没有符合条件的停止记录"
            in client.get("/promotions/stops", params={"status": "restarted"}).text
        )


def test_made_by_reads_and_filters_by_a_members_email(db: Database, tmp_path: Path) -> None:
    """A stop's author shows as the member (not ``user:ID``) in the list and on its page, and
    the "Made by" filter takes the member's email in any case; a rule's id still works."""
    member = new_member(db, "viewer")
    ws = member.workspace.id
    with db.read() as uow:
        user_id = uow.session.scalars(select(User.id).where(User.email == member.email)).one()
    mine = make_stop(db, ws, created_by=f"user:{user_id}")
    by_rule = make_stop(db, ws, created_by="rule:4")
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        page = client.get("/promotions/stops").text
        row = page[page.index(f'data-stop="{mine}"') :]
        assert html.escape(member.email) in row[: row.index("</tr>")]
        assert f"user:{user_id}" not in page
        found = client.get("/promotions/stops", params={"created_by": member.email.upper()})
        assert ROWS.findall(found.text) == [(str(mine), "done")]
        assert ROWS.findall(
            client.get("/promotions/stops", params={"created_by": "rule:4"}).text
        ) == [(str(by_rule), "done")]
        nobody = client.get("/promotions/stops", params={"created_by": "nobody@example.com"})
        assert nobody.status_code == 200
        assert ROWS.findall(nobody.text) == []
        assert html.escape(member.email) in client.get(f"/promotions/stops/{mine}").text


def test_list_pages(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    member = new_member(db, "viewer")
    ws = member.workspace.id
    made = [make_stop(db, ws) for _ in range(3)]
    monkeypatch.setattr(page_module, "LIMIT", 2)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        first = client.get("/promotions/stops", params={"status": "done"}).text
        assert [int(i) for i, _ in ROWS.findall(first)] == made[::-1][:2]
        found = re.search(r'href="(/promotions/stops\?[^"]*)" id="next-page"', first)
        assert found
        following = html.unescape(found.group(1))
        assert "status=done" in following  # the filters are kept
        second = client.get(following).text
        assert [int(i) for i, _ in ROWS.findall(second)] == [made[0]]
        assert 'id="next-page"' not in second


def test_lessons_form_saved_once_audited_and_refused_with_text_kept(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "operator")
    ws = member.workspace.id
    viewer = new_member(db, "viewer", workspace=member.workspace)
    stop_id = make_stop(db, ws, steps=[step(channel="shop", status="failed")])
    url = f"/promotions/stops/{stop_id}"
    action = f"{url}/notes"
    with console_client(db, tmp_path) as client:
        log_in(client, viewer)
        seen = client.get(url).text
        assert 'id="stop-notes"' not in seen
        assert 'id="retry"' not in seen
        assert "No lessons written yet." in seen
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get(url).text
        assert 'id="stop-notes"' in page
        data = {
            **_form(page, action),
            "lessons": "Ask the shop before the festival",
            "item_text_0": "Call the shop",
            "item_owner_0": "Lin",
            "item_due_0": "2026-12-20",
            "item_text_1": "",
            "item_owner_1": "",
            "item_due_1": "",
        }
        first = client.post(action, data=data, follow_redirects=False)
        assert first.status_code == 303, first.text
        assert first.headers["location"] == f"{url}#stop-retrospective"
        shown = client.get(url).text
        assert "Ask the shop before the festival</textarea>" in shown
        assert 'value="Call the shop"' in shown
        # a newer edit from a fresh form, then the first form sent again: it does nothing
        fresh = {**_form(shown, action), "lessons": "Newer lessons", "item_text_0": "Call"}
        assert client.post(action, data=fresh, follow_redirects=False).status_code == 303
        again = client.post(action, data=data, follow_redirects=False)
        assert again.status_code == 303
        assert "This form had already been sent" in client.get(again.headers["location"]).text
        with db.read() as uow:
            stop = uow.session.get(PromotionStop, stop_id)
            assert stop is not None
            assert stop.lessons == "Newer lessons"
            assert [i["text"] for i in stop.action_items] == ["Call"]
        assert _notes_events(db, ws) == 2
        # refused: the typed text comes back with the message beside the field
        page = client.get(url).text
        bad = {
            **_form(page, action),
            "lessons": "Typed but not saved",
            "item_text_0": "",
            "item_owner_0": "Mei",
            "item_due_0": "",
        }
        refused = client.post(action, data=bad, follow_redirects=False)
        assert refused.status_code == 422
        assert "Typed but not saved</textarea>" in refused.text
        assert 'value="Mei"' in refused.text
        assert "An action item needs a text." in refused.text
        assert _notes_events(db, ws) == 2
        post_form(client, "/locale", {"locale": "zh_Hans", "next": url}, csrf)
        zh = client.get(url).text
        assert "复盘" in zh
        assert 'id="stop-notes"' in zh
