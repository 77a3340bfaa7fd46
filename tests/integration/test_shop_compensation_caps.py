"""Compensation coupons have caps and a confirmation: a coupon is worth at most the product's
price, one batch costs at most a set number of the product's price, the console shows
count × value = total before issuing, and values are plain decimals (no exponent, no sign) in
the console and whole minor units (never a float such as ``1e3``) in the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import promodesk.shop.jobs  # noqa: F401
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import ValidationFailed
from promodesk.shop.service import batches, catalog, remediation, shops
from promodesk.shop.service.batches import Selection
from promodesk.shop.settings import shop_settings
from tests.api_support import bearer, live_server, make_app, new_key
from tests.integration import shop_factories as f
from tests.integration.test_console_support import console_client, log_in, new_member, post_form


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    previous = clock.set_clock(clock.FrozenClock(f.NOW))
    yield
    clock.set_clock(previous)


def _flashes(html: str) -> str:
    return " ".join(re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', html))


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _product_with_followers(
    db: Database, workspace_id: int, followers: int = 12
) -> tuple[int, int]:
    """A cancelled enrollment of a ¥199.00 product with ``followers`` followers."""
    _shop, _activity, ids = f.setup(db, workspace_id, 10)
    with db.transaction() as uow:
        batches.cancel_now(
            uow, workspace_id, Selection(enrollment_ids=ids[:1]), reason="stock_shortage",
            actor="user:1", role="owner",
        )  # fmt: skip
        product_id = catalog.get_enrollment(uow, workspace_id, ids[0]).product_id
        shops.add_followers(uow, workspace_id, product_id, [f"buyer-{n}" for n in range(followers)])
    return ids[0], product_id


def _issued(db: Database, workspace_id: int, product_id: int) -> list[Any]:
    with db.transaction() as uow:
        return remediation.compensations(uow, workspace_id, product_id)


def test_the_service_caps_the_value_and_the_total(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    _e, product_id = _product_with_followers(db, workspace_id)
    with db.transaction() as uow, pytest.raises(ValidationFailed, match="price"):
        remediation.compensate(
            uow, workspace_id, product_id, value_minor=99_999_999_999_00, valid_days=30, actor="t"
        )
    with db.transaction() as uow, pytest.raises(ValidationFailed, match="price"):
        remediation.compensate(
            uow, workspace_id, product_id, value_minor=19901, valid_days=30, actor="t"
        )
    monkeypatch.setenv("PROMODESK_SHOP_COMPENSATION_MAX_TOTAL_PRICES", "10")
    shop_settings.cache_clear()
    try:
        # 12 followers × ¥199.00 = 12 prices > 10
        with db.transaction() as uow, pytest.raises(ValidationFailed, match="total"):
            remediation.compensate(
                uow, workspace_id, product_id, value_minor=19900, valid_days=30, actor="t"
            )
        with db.transaction() as uow:
            quote = remediation.compensation_quote(uow, workspace_id, product_id, 1000)
            assert (quote.count, quote.value_minor, quote.total_minor) == (12, 1000, 12000)
            assert quote.max_value_minor == 19900
            assert quote.max_total_minor == 199000
            remediation.compensate(
                uow, workspace_id, product_id, value_minor=1000, valid_days=30, actor="t"
            )
    finally:
        shop_settings.cache_clear()
    assert [c.value_minor for c in _issued(db, workspace_id, product_id)] == [1000]


def test_the_console_confirms_count_value_and_total(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    enrollment, product_id = _product_with_followers(db, workspace_id)
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    url = f"/shop/products/{product_id}/compensation"
    form = {"value": "10.50", "valid_days": "30", "enrollment_id": str(enrollment)}

    page = client.post(url, data={**form, "csrf_token": csrf}).text
    assert 'id="compensation-confirm"' in page
    assert "12 × CN¥10.50 = CN¥126.00" in _text(page)
    assert _issued(db, workspace_id, product_id) == []  # nothing before the confirmation

    where = post_form(client, url, {**form, "confirm": "yes", "count": "12"}, csrf)
    assert "12 compensation coupons were issued" in _flashes(client.get(where).text)
    assert [c.value_minor for c in _issued(db, workspace_id, product_id)] == [1050]

    # exponents, signs and values above the price are refused, with a message, issuing nothing
    for value in ("1e3", "1E3", "+5", "-5", " 5e0", "0x10", "199.01", "99999999999"):
        for extra in ({}, {"confirm": "yes", "count": "12"}):
            answer = client.post(url, data={**form, **extra, "value": value, "csrf_token": csrf})
            assert answer.status_code < 500
            assert 'id="compensation-confirm"' not in answer.text, value
    assert len(_issued(db, workspace_id, product_id)) == 1

    # a confirmation for another number of followers is asked again, not issued
    with db.transaction() as uow:
        shops.add_followers(uow, workspace_id, product_id, ["late-buyer"])
    page = client.post(url, data={**form, "confirm": "yes", "count": "12", "csrf_token": csrf})
    assert 'id="compensation-confirm"' in page.text
    assert "13 × CN¥10.50 = CN¥136.50" in _text(page.text)
    assert len(_issued(db, workspace_id, product_id)) == 1


def test_the_api_takes_whole_minor_units_within_the_caps(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    workspace_id = member.workspace.id
    _e, product_id = _product_with_followers(db, workspace_id)
    headers = bearer(new_key(db, member.workspace, "admin"))
    with live_server(make_app(db, tmp_path)) as base:
        url = f"{base}/api/v1/shop/products/{product_id}/compensation"
        for bad in (1e3, "1000", 1000.0, 99_999_999_999_00, 19901):
            raw = '{"value_minor": %s}' % (bad if not isinstance(bad, str) else f'"{bad}"')
            answer = httpx.post(
                url, content=raw, headers={**headers, "content-type": "application/json"}
            )
            assert answer.status_code == 422, (bad, answer.text)
        assert _issued(db, workspace_id, product_id) == []
        answer = httpx.post(url, json={"value_minor": 1000}, headers=headers)
        assert answer.status_code == 201, answer.text
