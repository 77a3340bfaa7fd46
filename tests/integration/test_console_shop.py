"""Console Shop pages on SQLite and PostgreSQL: My activities, the preview with the verdict,
the refusal with the alternatives, a cancel now and its batch page, stock to zero and restock,
a window cancel called off, snapshots (view, export, restore), the review with its CSV, the
public storefront, roles, other workspaces and 简体中文."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import promodesk.shop.jobs  # noqa: F401
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.shop.service import catalog, remediation
from promodesk.shop.service import offers as offers_service
from tests.integration import shop_factories as f
from tests.integration.test_console_support import (
    console_client,
    flashes_at,
    log_in,
    new_member,
    post_form,
    refused_form,
)

BATCH = re.compile(r"/shop/batches/(\d+)")


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    previous = clock.set_clock(clock.FrozenClock(f.NOW))  # 12:00 in Shanghai
    yield
    clock.set_clock(previous)


def test_the_shop_journey_in_the_console(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    shop, activity, ids = f.setup(db, workspace_id, 10)
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)

    home = client.get(f"/shop?activity_id={activity.id}")
    assert home.status_code == 200
    assert home.text.count('name="e"') == 10
    assert "Approved by the platform" in home.text
    assert "Not available yet" not in home.text
    # with shops in two zones, each activity's card gives its times in its own shop's zone
    f.setup(db, workspace_id, 2, timezone="Europe/London", name="Spring")
    cards = client.get("/shop").text
    assert f'data-counter="{activity.id}-{shop.id}"' in cards
    assert cards.count('data-zone="Asia/Shanghai"') == 1
    assert cards.count('data-zone="Europe/London"') == 1
    assert " (Europe/London) → " in cards

    # preview of four: one over the 30 % limit, refused with the rule and the alternatives
    query = "&".join(f"e={i}" for i in ids[:4])
    preview = client.get(f"/shop/preview?{query}")
    assert preview.status_code == 200
    assert "This cancel would be refused." in preview.text
    assert 'data-rule="max_cancel_ratio"' in preview.text
    assert "4 of 10 = 40.0%" in preview.text
    assert "Stock to zero, delist later" in preview.text
    assert "Outside the low-traffic window" in preview.text
    assert "2026-09-21 01:00 (Asia/Shanghai)" in preview.text
    assert 'id="refusal"' not in preview.text
    ids4 = ",".join(map(str, ids[:4]))
    refused = client.post(
        "/shop/cancel",
        data={"csrf_token": csrf, "ids": ids4, "reason": "plan_change", "mode": "now"},
    )
    assert refused.status_code == 409
    assert 'id="refusal"' in refused.text
    assert 'data-alternative="stock_to_zero"' in refused.text
    with db.transaction() as uow:
        assert catalog.get_enrollment(uow, workspace_id, ids[0]).state == "approved"

    # two now: the batch page shows them done, verification pending
    where = post_form(
        client,
        "/shop/cancel",
        {"ids": f"{ids[0]},{ids[1]}", "reason": "stock_shortage", "mode": "now"},
        csrf,
    )
    assert BATCH.search(where)
    assert "2 products are cancelled" in flashes_at(client, where)
    batch_page = client.get(where).text
    assert 'id="verification-pending"' in batch_page
    with db.transaction() as uow:
        assert catalog.get_enrollment(uow, workspace_id, ids[0]).state == "removed"
        offers = offers_service.offers(uow, workspace_id, ids[0])
        assert {o.status for o in offers} == {"cancelled"}

    # stock to zero from the preview's row, then restock
    where = post_form(client, f"/shop/enrollments/{ids[2]}/stock-zero", {}, csrf)
    assert "delisted at 2026-09-21 12:00 (Asia/Shanghai)" in flashes_at(client, where)
    page = client.get(f"/shop/enrollments/{ids[2]}").text
    assert 'id="delist-notice"' in page
    with db.transaction() as uow:
        product_id = catalog.get_enrollment(uow, workspace_id, ids[2]).product_id
    where = post_form(
        client,
        f"/shop/products/{product_id}/restock",
        {"stock": "30", "enrollment_id": str(ids[2])},
        csrf,
    )
    assert "1 enrollments are back" in flashes_at(client, where)
    shown = refused_form(
        client,
        f"/shop/products/{product_id}/restock",
        {"stock": "99,999,999,999", "enrollment_id": str(ids[2])},
        csrf,
    )
    assert "at most 1,000,000 units" in shown

    # the window: scheduled for 01:00 Shanghai, then called off
    where = post_form(
        client,
        "/shop/cancel",
        {"ids": str(ids[3]), "reason": "plan_change", "mode": "window"},
        csrf,
    )
    page = client.get(where).text
    assert 'id="scheduled-notice"' in page
    assert "2026-09-21 01:00 (Asia/Shanghai)" in page
    found = BATCH.search(where)
    assert found
    where = post_form(client, f"/shop/batches/{found.group(1)}/call-off", {}, csrf)
    assert "called off" in flashes_at(client, where)

    # snapshots: list, view, export, restore
    listing = client.get("/shop/snapshots").text
    snap_ids = re.findall(r'href="/shop/snapshots/(\d+)"', listing)
    assert snap_ids
    snap = client.get(f"/shop/snapshots/{snap_ids[0]}")
    assert snap.status_code == 200
    assert 'id="restore-button"' in snap.text
    exported = client.get(f"/shop/snapshots/{snap_ids[0]}/export.json")
    assert exported.headers["content-type"].startswith("application/json")
    assert json.loads(exported.text)["enrollment"]["state"] == "approved"
    where = post_form(client, f"/shop/snapshots/{snap_ids[0]}/restore", {}, csrf)
    assert "Restored from snapshot" in flashes_at(client, where)

    # the review with charts and its CSV
    review = client.get(f"/shop/review?activity_id={activity.id}&shop_id={shop.id}")
    assert review.status_code == 200
    assert 'data-chart="reasons-series"' in review.text
    assert "Stock shortage" in review.text
    csv = client.get(f"/shop/review.csv?activity_id={activity.id}&shop_id={shop.id}")
    assert csv.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads it as UTF-8
    assert csv.text.lstrip("\ufeff").startswith("Section,Item,Figure")
    assert "/shop/review?activity_id=" in client.get("/shop/review").text

    # 简体中文
    client.cookies.set("promodesk_locale", "zh_Hans")
    with db.transaction() as uow:
        from promodesk.tenancy.repository import TenancyRepository

        user = TenancyRepository(uow).user_by_email(member.email)
        assert user is not None
        user.locale = "zh_Hans"
    zh = client.get("/shop").text
    assert "我的活动" in zh
    assert "已审核" in zh
    zh_csv = client.get(f"/shop/review.csv?activity_id={activity.id}&shop_id={shop.id}")
    rows = zh_csv.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "分区,项目,数值"
    assert any(r.startswith("概况,本工作区店铺平均值（%）,") for r in rows)
    assert (
        "本工作区店铺平均"
        in client.get(f"/shop/review?activity_id={activity.id}&shop_id={shop.id}").text
    )


def test_storefront_is_public_and_read_only(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    shop, _activity, _ids = f.setup(db, workspace_id, 5)
    with db.transaction() as uow:
        remediation.announce(
            uow,
            workspace_id,
            shop.id,
            title="月饼暂停",
            body="Sorry / 抱歉",
            product_ids=[],
            actor="t",
        )
    client = console_client(db, tmp_path)
    page = client.get(f"/store/{member.workspace.slug}/{shop.id}")
    assert page.status_code == 200
    assert "月饼暂停" in page.text
    assert "product 0" in page.text
    assert client.get(f"/store/{member.workspace.slug}/999999").status_code == 404
    assert client.get(f"/store/no-such-workspace/{shop.id}").status_code == 404


def test_roles_other_workspaces_and_bad_input(db: Database, tmp_path: Path) -> None:
    owner = new_member(db, "owner")
    workspace_id = owner.workspace.id
    _shop, _activity, ids = f.setup(db, workspace_id, 6)
    viewer = new_member(db, "viewer", owner.workspace)
    client = console_client(db, tmp_path)
    csrf = log_in(client, viewer)
    assert client.get("/shop").status_code == 200
    where = post_form(client, "/shop/cancel", {"ids": str(ids[0]), "reason": "plan_change"}, csrf)
    assert "Not allowed" in flashes_at(client, where)
    with db.transaction() as uow:
        assert catalog.get_enrollment(uow, workspace_id, ids[0]).state == "approved"

    stranger = new_member(db, "owner")
    other = console_client(db, tmp_path)
    log_in(other, stranger)
    assert other.get(f"/shop/enrollments/{ids[0]}").status_code == 404
    assert other.get(f"/shop/preview?e={ids[0]}").status_code == 200  # selects nothing of theirs
    for url in (
        "/shop/preview?e=abc",
        "/shop/preview",
        "/shop?state=nonsense",
        "/shop/batches/99999999",
        "/shop/snapshots/99999999",
        "/shop/review?activity_id=1",
        "/shop/batches/1?status=zzz",
    ):
        assert other.get(url).status_code in (404, 422), url
