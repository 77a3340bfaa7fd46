"""The console's Promotions page and a product's page: filter bar, unknown values refused,
pages, exports, linking by hand, in English and 简体中文."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from promodesk.app import load_handlers
from promodesk.console.routes.promotions import index as page_module
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import PromotionStop
from promodesk.promotions.settings import promotions_settings
from tests.integration.promotions_support import seed
from tests.integration.test_console_support import console_client, log_in, new_member, post_form

REFS = re.compile(r'<tr data-ref="([^"]+)">')


def test_list_filters_pages_and_languages(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = new_member(db, "viewer")
    s = seed(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        home = client.get("/").text
        assert 'href="/promotions"' in home  # the nav entry
        page = client.get("/promotions").text
        assert len(REFS.findall(page)) == 12
        assert 'id="promotion-filter"' in page
        assert "Acme Shoes" in page
        assert 'data-status="paused"' in page
        assert "12 promotions in all" in page
        live = client.get("/promotions", params={"status": "live", "channel": "tiktok_ads"})
        assert set(REFS.findall(live.text)) == {
            f"campaign:{s.campaigns['Spring sale']}",
            f"campaign:{s.campaigns['Other']}",
            f"ad:{s.ads['Spring ad']}",
            f"ad:{s.ads['Plain ad']}",
        }
        assert '<option value="live" selected>Live now</option>' in live.text
        owner = client.get("/promotions", params={"owner": f"shop:{s.shop}"}).text
        assert len(REFS.findall(owner)) == 4

        refused = client.get("/promotions", params={"status": "running"})
        assert refused.status_code == 422
        assert REFS.findall(refused.text) == []
        assert 'id="filter-error" data-field="status"' in refused.text

        monkeypatch.setattr(page_module, "LIMIT", 5)
        seen: list[str] = []
        url: str | None = "/promotions?sort=name"
        while url:
            body = client.get(url).text
            seen += REFS.findall(body)
            found = re.search(r'<a class="button ghost" href="([^"]+)">Next', body)
            url = html.unescape(found.group(1)) if found else None
        assert len(seen) == len(set(seen)) == 12

        csv = client.get("/promotions/export", params={"format": "csv", "channel": "promote"})
        assert csv.status_code == 200
        assert "Boost me" in csv.content.decode("utf-8-sig")

        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/promotions"}, csrf)
        zh = client.get("/promotions", params={"status": "live"}).text
        assert "推广" in zh
        assert '<option value="live" selected>进行中</option>' in zh
        zh_csv = client.get("/promotions/export", params={"format": "csv"}).content
        assert "渠道".encode() in zh_csv


def test_product_page_and_linking_by_hand(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    s = seed(db, member.workspace.id)
    product = s.products[0]
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get(f"/promotions/products/{product}").text
        assert f'data-ref="shop_enrollment:{s.enrollments[0]}"' in page
        assert 'id="link-form"' in page
        post_form(
            client,
            f"/promotions/products/{product}/link",
            {"kind": "campaign", "target_id": str(s.campaigns["Other"]), "note": "hero"},
            csrf,
        )
        post_form(client, f"/promotions/products/{product}/autolink", {}, csrf)
        page = client.get(f"/promotions/products/{product}").text
        assert f'data-ref="campaign:{s.campaigns["Other"]}"' in page
        assert f'data-ref="ad:{s.ads["Spring ad"]}"' in page  # its landing page names it
        assert "Linked automatically" in page
        post_form(
            client,
            f"/promotions/products/{product}/unlink",
            {"target": f"campaign:{s.campaigns['Other']}"},
            csrf,
        )
        page = client.get(f"/promotions/products/{product}").text
        assert f'data-ref="campaign:{s.campaigns["Other"]}"' not in page
        assert "Unlinked" in page
        assert client.get("/promotions/products/99999999").status_code == 404


def test_stop_everywhere_preview(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    s = seed(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        listed = client.get("/promotions").text
        assert 'id="stop-selected"' in listed
        assert f'name="refs" value="promote_order:{s.order}" form="stop-selected"' in listed
        refs = [f"promote_order:{s.order}", f"campaign:{s.campaigns['Spring sale']}"]
        form = client.get("/promotions/stop", params={"refs": refs})
        assert form.status_code == 200
        assert 'id="stop-form"' in form.text
        assert 'id="stop-totals"' not in form.text  # no reason yet: no preview
        missing = client.get("/promotions/stop", params={"refs": refs, "reason": "other"})
        assert missing.status_code == 422
        assert 'data-field="reason_text"' in missing.text
        page = client.get(
            "/promotions/stop",
            params={"refs": refs, "product": str(s.products[0]), "reason": "sold_out"},
        ).text
        assert 'id="stop-tiktok_ads"' in page
        assert 'id="stop-promote"' in page
        assert 'id="stop-shop"' in page
        assert 'data-refusal="GUARDRAIL_MIN_PRODUCTS"' in page
        assert "Too few products would remain" in page
        assert "Coins back to the wallet" in page
        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/promotions"}, csrf)
        zh = client.get(
            "/promotions/stop", params={"product": str(s.products[0]), "reason": "sold_out"}
        ).text
        assert "全渠道停止" in zh
        # the product is named by its title, not its id; a bad or long id is only echoed
        named = zh[zh.index(f'href="/promotions/products/{s.products[0]}">') :]
        assert named.split(">", 1)[1].split("<", 1)[0] != str(s.products[0])
        odd = client.get("/promotions/stop", params={"product": "9" * 5000})
        assert odd.status_code in (200, 422)
        product = client.get(f"/promotions/products/{s.products[0]}").text
        assert f'href="/promotions/stop?product={s.products[0]}"' in product


def test_stop_everywhere_confirm_page_and_replay(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    s = seed(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        ref = f"promote_order:{s.order}"
        page = client.get("/promotions/stop", params={"refs": [ref], "reason": "sold_out"}).text
        assert 'id="stop-confirm"' in page
        form = page[page.index('id="stop-confirm"') :]
        fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
        assert fields["refs"] == ref
        stale = post_form(client, "/promotions/stop", {**fields, "fingerprint": "0" * 16}, csrf)
        assert stale.startswith("/promotions/stop?")
        page = client.get("/promotions/stop", params={"refs": [ref], "reason": "sold_out"}).text
        form = page[page.index('id="stop-confirm"') :]
        fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
        where = post_form(client, "/promotions/stop", fields, csrf)
        assert re.fullmatch(r"/promotions/stops/\d+", where)
        again = client.post(
            "/promotions/stop", data={"csrf_token": csrf, **fields}, follow_redirects=False
        )
        assert again.headers.get("location") == where  # the replay stops nothing twice
        shown = client.get(where).text
        assert 'data-step="1" data-status="done"' in shown
        assert "No (final)" in shown
        assert "1 stopped, 1 verified, 0 failed" in shown  # the retrospective
        post_form(client, "/locale", {"locale": "zh_Hans", "next": where}, csrf)
        assert "各渠道的步骤" in client.get(where).text
    with db.read() as uow:
        found = uow.session.scalars(
            select(PromotionStop).where(PromotionStop.workspace_id == member.workspace.id)
        ).all()
    assert len(found) == 1


def test_stop_page_retry_button(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMODESK_PROMOTIONS_STOP_WATCH_SECONDS", "0")
    promotions_settings.cache_clear()
    load_handlers()
    member = new_member(db, "operator")
    ws = member.workspace.id
    s = seed(db, ws)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        params = {"refs": [f"shop_enrollment:{s.enrollments[0]}"], "reason": "sold_out"}
        page = client.get("/promotions/stop", params=params).text
        form = page[page.index('id="stop-confirm"') :]
        fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
        where = post_form(client, "/promotions/stop", fields, csrf)
        Worker(db, backoff_base=0.0, workspace_id=ws).run_until_idle()
        shown = client.get(where).text
        # the activity needs 5 products per shop: the shop's guardrail refuses the step
        assert 'data-step="1" data-status="failed"' in shown
        assert 'id="retry"' in shown
        again = post_form(client, f"{where}/retry", {}, csrf)
        assert again == where
        assert "The failed steps run again." in client.get(where).text
    promotions_settings.cache_clear()
