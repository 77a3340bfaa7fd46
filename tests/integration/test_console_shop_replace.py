"""The console's replace on both databases: the enrollment's form leads to a confirmation page
(prices, discount, review, checks, every activity touched) whose form carries the one-time
submit token; sent twice it replaces once; a refused price goes back with the input kept; the
page in 简体中文."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import ShopEnrollment, ShopSnapshot
from promodesk.shop.service import catalog
from promodesk.tenancy.repository import TenancyRepository
from tests.integration import shop_factories as f
from tests.integration.test_console_support import console_client, flashes_at, log_in, new_member

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    previous = clock.set_clock(clock.FrozenClock(f.NOW))
    yield
    clock.set_clock(previous)


def _form(page: str, action: str) -> dict[str, str]:
    start = page.index(f'action="{action}"')
    fields = dict(HIDDEN.findall(page[start : page.index("</form>", start)]))
    assert "submit_token" in fields, "the form carries no one-time submit token"
    return fields


def _mooncakes(db: Database, workspace_id: int) -> tuple[int, int, int]:
    with db.transaction() as uow:
        s = f.shop(uow, workspace_id)
        a = f.activity(uow, workspace_id, started=True)
        old = f.product(uow, workspace_id, s.id, title="月饼礼盒 138", price_minor=13800)
        new = f.product(uow, workspace_id, s.id, title="月饼礼盒 188", price_minor=18800)
        e = catalog.enroll(uow, workspace_id, a.id, old.id, activity_price_minor=11730,
                                   activity_stock=5, ignore_registration_window=True)  # fmt: skip
        catalog.review(uow, workspace_id, e.id, approve=True)
        return e.id, old.id, new.id


def _replacements(db: Database, enrollment_id: int) -> int:
    with db.read() as uow:
        q = select(func.count()).where(ShopEnrollment.replaces_id == enrollment_id)
        return int(uow.session.execute(q).scalar_one())


def test_replace_goes_through_the_confirmation_page_once(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    e, _old, new = _mooncakes(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        page = client.get(f"/shop/enrollments/{e}")
        assert f'method="get" action="/shop/enrollments/{e}/replace"' in page.text
        assert "keep 15.00 % off" in page.text

        url = f"/shop/enrollments/{e}/replace"
        confirm = client.get(f"{url}?product_id={new}&price=")
        assert confirm.status_code == 200, confirm.text
        assert "intent=" in str(confirm.url)
        assert "¥159.80" in confirm.text
        assert 'id="replace-new-discount">15.00 %' in confirm.text
        assert "send the replacement to review" in confirm.text
        assert 'data-effect="replaced"' in confirm.text
        assert 'data-effect="enrolled"' in confirm.text
        assert 'data-rule="price_not_above_original" data-ok="yes"' in confirm.text
        assert _replacements(db, e) == 0  # the page changed nothing

        data = _form(confirm.text, url)
        assert data["shown_price_minor"] == "15980"
        first = client.post(url, data=data, follow_redirects=False)
        assert first.status_code == 303
        flash = html.unescape(flashes_at(client, first.headers["location"]))
        assert "at CN¥159.80; it waits for the platform's review" in flash
        again = client.post(url, data=data, follow_redirects=False)  # a double click
        assert again.status_code == 303
        assert "already been sent" in client.get(again.headers["location"]).text
        # Back to the confirmation page: the product is replaced already, so it refuses
        back = client.get(str(confirm.url))
        assert "Only a product still in the activity is replaced" in html.unescape(back.text)
    assert _replacements(db, e) == 1

    # undone from its snapshot page
    with db.read() as uow:
        snap_id = uow.session.scalars(
            select(ShopSnapshot.id).where(
                ShopSnapshot.enrollment_id == e, ShopSnapshot.change == "replace"
            )
        ).one()
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        page = client.get(f"/shop/snapshots/{snap_id}")
        assert 'id="restore-replace"' in page.text
        action = f"/shop/snapshots/{snap_id}/restore"
        where = client.post(action, data=_form(page.text, action), follow_redirects=False)
        assert where.status_code == 303
        assert where.headers["location"] == f"/shop/enrollments/{e}"
    with db.read() as uow:
        assert catalog.get_enrollment(uow, member.workspace.id, e).state == "live"


def test_a_price_above_the_original_goes_back_with_the_input_kept(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "owner")
    e, _old, new = _mooncakes(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        url = f"/shop/enrollments/{e}/replace"
        refused = client.get(f"{url}?product_id={new}&price=188.01")
        assert refused.status_code == 200
        assert f"/shop/enrollments/{e}?replace_product={new}&replace_price=188.01" in str(
            refused.url
        ), refused.url
        assert "above the product's original price" in html.unescape(refused.text)
        assert 'value="188.01"' in refused.text
        # an explicit price within it: the confirmation shows it and 10 % off
        given = client.get(f"{url}?product_id={new}&price=169.20")
        assert "¥169.20" in given.text
        assert 'id="replace-new-discount">10.00 %' in given.text
        # a form posted without the confirmation page shows the page, changes nothing
        direct = _form(given.text, url)
        direct.pop("confirm")
        shown = client.post(url, data=direct, follow_redirects=False)
        assert shown.status_code == 200
        assert 'id="replace-confirm"' in shown.text
        # the page's price is no longer the price: asked again
        stale = {**_form(given.text, url), "shown_price_minor": "16000"}
        asked = client.post(url, data=stale, follow_redirects=False)
        assert asked.status_code == 200
        assert 'id="replace-changed"' in asked.text
    assert _replacements(db, e) == 0


def test_the_confirmation_page_in_chinese(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    e, _old, new = _mooncakes(db, member.workspace.id)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        client.cookies.set("promodesk_locale", "zh_Hans")
        with db.transaction() as uow:
            user = TenancyRepository(uow).user_by_email(member.email)
            assert user is not None
            user.locale = "zh_Hans"
        page = client.get(f"/shop/enrollments/{e}/replace?product_id={new}&price=")
        assert page.status_code == 200
        assert "涉及的所有活动" in page.text
        assert "保留折扣比例" in page.text
