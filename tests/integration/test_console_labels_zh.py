"""Shop pages in 简体中文: statuses and codes are human labels, a started activity reads 已开始
(not the date label 开始时间), a called-off batch reads 已撤销 (not 已取消), times are in the
shop's named zone as the footer says, durations are words ("24小时后", not "24.0 小时"), and an
error's details are Chinese too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import promodesk.shop.jobs  # noqa: F401
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.tenancy.repository import TenancyRepository
from tests.integration import shop_factories as f
from tests.integration.test_console_support import (
    console_client,
    log_in,
    new_member,
    post_form,
    refused_form,
)

BATCH = re.compile(r"/shop/batches/(\d+)")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)
#: what a raw code looks like in visible text: snake_case or SCREAMING_CASE words
RAW_CODE = re.compile(r"\b(?:[a-z]+(?:_[a-z0-9]+)+|[A-Z]+(?:_[A-Z0-9]+)+)\b")


def visible(html: str) -> str:
    return " ".join(TAGS.sub(" ", html).split())


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    previous = clock.set_clock(clock.FrozenClock(f.NOW))  # 12:00 in Shanghai
    yield
    clock.set_clock(previous)


def _chinese(db: Database, email: str) -> None:
    with db.transaction() as uow:
        user = TenancyRepository(uow).user_by_email(email)
        assert user is not None
        user.locale = "zh_Hans"


def test_shop_pages_in_chinese_have_labels_and_the_shops_zone(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    ws = member.workspace.id
    _shop, activity, ids = f.setup(db, ws, 10, started=True, state="live")
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    _chinese(db, member.email)

    home = client.get(f"/shop?activity_id={activity.id}").text
    assert "已开始" in home
    assert "开始时间" not in visible(home)
    assert RAW_CODE.findall(visible(home)) == []

    # stock to zero: the delist is "24小时后", the snapshot reads 库存调零, not stock_zero
    page = client.get(f"/shop/enrollments/{ids[0]}").text
    assert "24小时后下架" in page
    assert "24.0" not in page
    where = post_form(client, f"/shop/enrollments/{ids[0]}/stock-zero", {}, csrf)
    page = client.get(f"/shop/enrollments/{ids[0]}").text
    text = visible(page)
    assert "库存调零" in text
    assert RAW_CODE.findall(text) == []
    # one zone on the page, named in the footer; no UTC time next to a Shanghai time
    assert "时间均为店铺时区：中国时间（Asia/Shanghai，UTC+08:00）" in text
    assert not re.search(r"\d\d:\d\d:\d\d UTC", text)
    snapshots = visible(client.get("/shop/snapshots").text)
    assert "库存调零" in snapshots
    assert "stock_zero" not in snapshots

    # a window cancel called off reads 已撤销 (its products were not cancelled)
    where = post_form(
        client,
        "/shop/cancel",
        {"ids": str(ids[3]), "reason": "plan_change", "mode": "window"},
        csrf,
    )
    found = BATCH.search(where)
    assert found
    batch_url = f"/shop/batches/{found.group(1)}"
    assert "2026-09-21 01:00 (Asia/Shanghai)" in client.get(batch_url).text
    where = post_form(client, f"{batch_url}/call-off", {}, csrf)
    batch = visible(client.get(batch_url).text)
    assert "已撤销" in batch
    assert RAW_CODE.findall(batch) == []
    assert "已撤销" in visible(client.get("/shop/batches").text)

    # calling it off again: the error is Chinese from the title to the end
    message = refused_form(client, f"{batch_url}/call-off", {}, csrf)
    assert "只有已计划的批次可以撤销" in message
    assert "已撤销" in message
    assert "only a scheduled" not in message


def test_a_minimum_is_not_called_a_maximum(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    ws = member.workspace.id
    _shop, _activity, ids = f.setup(db, ws, 6)
    client = console_client(db, tmp_path)
    log_in(client, member)
    _chinese(db, member.email)
    # cancelling 2 of 6 leaves 4 of the 5 products the activity needs
    preview = visible(client.get(f"/shop/preview?e={ids[0]}&e={ids[1]}").text)
    assert "下限 5，实际 4" in preview
    assert "上限 5" not in preview
