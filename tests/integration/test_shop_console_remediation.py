"""Console Shop pages on SQLite and PostgreSQL, after a cancel: compensation coupons to the
followers from the enrollment page (issued in one batch, listed), a shop announcement with
linked replacement products shown on the public storefront, the shops list, and stock to zero
for several products from the multi-select of "My activities" (preview, confirmation, per-item
results, delist jobs); roles, bad input and 简体中文."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import promodesk.shop.jobs  # noqa: F401
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import Job
from promodesk.shop.service import alternatives, batches, catalog
from promodesk.shop.service import remediation as remediation_service
from promodesk.shop.service import replace as replace_service
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service.batches import Selection
from promodesk.shop.service.product_plan import DELIST_JOB
from tests.integration import shop_factories as f
from tests.integration.test_console_support import (
    console_client,
    log_in,
    new_member,
    post_form,
    refused_form,
)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    previous = clock.set_clock(clock.FrozenClock(f.NOW))  # 12:00 in Shanghai
    yield
    clock.set_clock(previous)


def _flashes(html: str) -> str:
    return " ".join(re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', html))


def _cancelled(db: Database, workspace_id: int, n: int = 10) -> tuple[Any, Any, list[int]]:
    shop, activity, ids = f.setup(db, workspace_id, n)
    with db.transaction() as uow:
        batches.cancel_now(
            uow,
            workspace_id,
            Selection(enrollment_ids=ids[:1]),
            reason="stock_shortage",
            actor="user:1",
            role="owner",
        )
    return shop, activity, ids


def test_compensation_coupons_from_the_enrollment_page(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    _shop, _activity, ids = _cancelled(db, workspace_id)
    with db.transaction() as uow:
        product_id = catalog.get_enrollment(uow, workspace_id, ids[0]).product_id
        shops_service.add_followers(
            uow, workspace_id, product_id, [f"buyer-{n}" for n in range(12)]
        )
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)

    page = client.get(f"/shop/enrollments/{ids[0]}").text
    assert 'id="remediation"' in page
    assert 'id="compensation-form"' in page
    assert "Issue 12 coupons" in page
    assert 'id="compensations"' not in page
    # a live product has no remediation panel
    assert 'id="remediation"' not in client.get(f"/shop/enrollments/{ids[1]}").text

    where = post_form(
        client,
        f"/shop/products/{product_id}/compensation",
        {
            "value": "10.50",
            "valid_days": "30",
            "enrollment_id": str(ids[0]),
            "confirm": "yes",  # after the confirmation page (test_shop_compensation_caps)
            "count": "12",
        },
        csrf,
    )
    assert where == f"/shop/enrollments/{ids[0]}#remediation"
    page = client.get(where).text
    assert "12 compensation coupons were issued" in _flashes(page)
    assert "valid until 2026-10-20 12:00 (Asia/Shanghai)" in _flashes(page)
    assert 'id="compensations"' in page
    assert "¥10.50" in page
    assert "already issued" in page
    with db.transaction() as uow:
        (comp,) = remediation_service.compensations(uow, workspace_id, product_id)
        assert (comp.value_minor, comp.issued) == (1050, 12)
        assert len(remediation_service.compensation_coupons(uow, workspace_id, comp.id)) == 12

    # bad input brings the form back with its message, never a 500, and issues nothing
    for data in (
        {"value": "", "valid_days": "30"},
        {"value": "1.234", "valid_days": "30"},
        {"value": "abc", "valid_days": "30"},
        {"value": "-5", "valid_days": "30"},
        {"value": "5", "valid_days": "400"},
        {"value": "5", "valid_days": "x"},
    ):
        assert refused_form(client, f"/shop/products/{product_id}/compensation", data, csrf)
    with db.transaction() as uow:
        assert len(remediation_service.compensations(uow, workspace_id, product_id)) == 1

    # a product without followers says so instead of offering the form
    with db.transaction() as uow:
        e = catalog.get_enrollment(uow, workspace_id, ids[2])
        alternatives.stock_to_zero(uow, workspace_id, e.id, actor="t")
    page = client.get(f"/shop/enrollments/{ids[2]}").text
    assert 'id="no-followers"' in page


def test_announcement_with_replacements_on_the_storefront(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    shop, _activity, ids = f.setup(db, workspace_id, 6)
    with db.transaction() as uow:
        spare = f.product(uow, workspace_id, shop.id, title="备用月饼礼盒", price_minor=16800)
        replace_service.replace(uow, workspace_id, ids[0], spare.id, actor="t")
        gone = f.product(uow, workspace_id, shop.id, title="已下架的月饼")
        gone.status = "delisted"
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)

    page = client.get(f"/shop/enrollments/{ids[0]}").text  # the replaced one
    link = re.search(r'id="announce-link" href="([^"]+)"', page)
    assert link
    assert link.group(1) == f"/shop/shops/{shop.id}/announcements?replacement={spare.id}"
    assert f'href="/store/{member.workspace.slug}/{shop.id}"' in page

    form = client.get(link.group(1)).text
    assert f'name="product_{spare.id}" value="1" checked' in form
    assert "已下架的月饼" not in form  # only listed products can be linked
    with db.transaction() as uow:
        other = catalog.get_enrollment(uow, workspace_id, ids[1]).product_id
    where = post_form(
        client,
        f"/shop/shops/{shop.id}/announcements",
        {
            "title": "流心奶黄暂停活动",
            "body": "抱歉!\r\n请选择以下替代商品。",
            f"product_{spare.id}": "1",
            f"product_{other}": "1",
            "product_abc": "1",
        },
        csrf,
    )
    page = client.get(where).text
    assert "with 2 replacement products" in _flashes(page)
    assert 'data-announcement="' in page
    with db.transaction() as uow:
        (note,) = remediation_service.announcements(uow, workspace_id, shop.id)
        assert note.product_ids == sorted([spare.id, other])
        assert note.body == "抱歉!\n请选择以下替代商品。"

    store = client.get(f"/store/{member.workspace.slug}/{shop.id}").text
    assert "流心奶黄暂停活动" in store
    assert f'data-product="{spare.id}"' in store
    assert "备用月饼礼盒 · CN¥168.00" in store

    # a product of another shop, an empty title: refused on the form, nothing written
    with db.transaction() as uow:
        foreign = f.product(uow, workspace_id, f.shop(uow, workspace_id).id).id
    for data in ({"title": "x", f"product_{foreign}": "1"}, {"title": "  "}):
        assert refused_form(client, f"/shop/shops/{shop.id}/announcements", data, csrf)
    with db.transaction() as uow:
        assert len(remediation_service.announcements(uow, workspace_id, shop.id)) == 1

    shops = client.get("/shop/shops").text
    assert f'data-shop="{shop.id}"' in shops
    assert f"/shop/shops/{shop.id}/announcements" in shops


def test_stock_zero_for_several_from_my_activities(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    shop, activity, ids = _cancelled(db, workspace_id)  # ids[0] is cancelled
    with db.transaction() as uow:
        pending = f.enrolled(uow, workspace_id, activity.id, shop.id, 1, state="pending_review")[
            0
        ].id
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)

    home = client.get(f"/shop?activity_id={activity.id}").text
    assert 'id="stock-zero-selected"' in home
    assert 'formaction="/shop/stock-zero"' in home

    picked = [ids[1], ids[2], ids[3], pending, ids[0], 999_999_999]
    query = "&".join(f"e={i}" for i in picked)
    preview = client.get(f"/shop/stock-zero?{query}")
    assert preview.status_code == 200
    assert "3 of 6 selected products can be set to zero stock" in preview.text
    assert 'data-code="NOT_STOCK_ZEROABLE"' in preview.text
    assert 'data-code="ENROLLMENT_NOT_FOUND"' in preview.text
    assert "2026-09-21 12:00 (Asia/Shanghai)" in preview.text  # 24 h later, shop time
    with db.transaction() as uow:
        assert catalog.get_enrollment(uow, workspace_id, ids[1]).state == "approved"

    ids_field = re.search(r'name="ids" value="([^"]+)"', preview.text)
    assert ids_field
    done = client.post("/shop/stock-zero", data={"csrf_token": csrf, "ids": ids_field.group(1)})
    assert done.status_code == 200
    assert "3 products are stock-zeroed" in _flashes(done.text)
    assert done.text.count('data-ok="yes"') == 3
    assert done.text.count('data-ok="no"') == 3
    with db.transaction() as uow:
        states = [catalog.get_enrollment(uow, workspace_id, i).state for i in ids[1:4]]
        assert states == ["stock_zeroed"] * 3
        delists = (
            uow.session.execute(
                select(Job).where(Job.workspace_id == workspace_id, Job.name == DELIST_JOB)
            )
            .scalars()
            .all()
        )
        assert sorted(j.payload["enrollment_id"] for j in delists) == ids[1:4]

    # again: each one is stock-zeroed already
    again = client.post("/shop/stock-zero", data={"csrf_token": csrf, "ids": str(ids[1])})
    assert 'data-code="ALREADY_STOCK_ZEROED"' in again.text

    # viewers see the preview but cannot confirm; bad selections are 422 pages or flashes
    viewer = new_member(db, "viewer", member.workspace)
    other = console_client(db, tmp_path)
    vcsrf = log_in(other, viewer)
    page = other.get(f"/shop/stock-zero?e={ids[4]}").text
    assert 'id="confirm-stock-zero"' not in page
    assert 'id="stock-zero-selected"' not in other.get("/shop").text
    where = post_form(other, "/shop/stock-zero", {"ids": str(ids[4])}, vcsrf)
    assert "Not allowed" in _flashes(other.get(where).text)
    for url in ("/shop/stock-zero", "/shop/stock-zero?e=abc", "/shop/stock-zero?e=0"):
        assert client.get(url).status_code == 422, url
    with db.transaction() as uow:
        assert catalog.get_enrollment(uow, workspace_id, ids[4]).state == "approved"


def test_remediation_pages_in_chinese_and_other_workspaces(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    shop, _activity, ids = _cancelled(db, workspace_id)
    client = console_client(db, tmp_path)
    log_in(client, member)
    client.cookies.set("promodesk_locale", "zh_Hans")
    with db.transaction() as uow:
        from promodesk.tenancy.repository import TenancyRepository

        user = TenancyRepository(uow).user_by_email(member.email)
        assert user is not None
        user.locale = "zh_Hans"
    assert "补救" in client.get(f"/shop/enrollments/{ids[0]}").text
    assert "公告" in client.get(f"/shop/shops/{shop.id}/announcements").text
    assert "库存调零" in client.get(f"/shop/stock-zero?e={ids[1]}").text
    assert "店铺" in client.get("/shop/shops").text

    stranger = new_member(db, "owner")
    other = console_client(db, tmp_path)
    csrf = log_in(other, stranger)
    assert other.get(f"/shop/shops/{shop.id}/announcements").status_code == 404
    page = other.get(f"/shop/stock-zero?e={ids[1]}").text
    assert 'data-code="ENROLLMENT_NOT_FOUND"' in page
    with db.transaction() as uow:
        product_id = catalog.get_enrollment(uow, workspace_id, ids[0]).product_id
    refused = other.post(
        f"/shop/products/{product_id}/compensation",
        data={"csrf_token": csrf, "value": "5", "valid_days": "3"},
    )
    assert refused.status_code == 404
    with db.transaction() as uow:
        assert remediation_service.compensations(uow, workspace_id, product_id) == []
