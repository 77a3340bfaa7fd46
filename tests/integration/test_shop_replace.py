"""Replace on both databases: the discount percentage carries over (not the absolute activity
price), an explicit price is checked against the new original price, the activity's review
rules decide whether the replacement goes to review, the preview shows everything touched, and
the snapshot restores the original product."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict, ValidationFailed
from promodesk.models import ShopOffer, ShopSnapshot
from promodesk.shop.service import alternatives, catalog
from promodesk.shop.service import offers as offers_service
from promodesk.shop.service import replace as replace_service
from promodesk.shop.service import snapshots as snapshots_service
from tests.api_support import bearer, live_server, make_app, new_key, new_workspace
from tests.conftest import make_workspace
from tests.integration import shop_factories as f

V = "/api/v1/shop"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(f.NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def _mooncakes(db: Database, workspace_id: int, **rules: Any) -> dict[str, int]:
    """A live enrollment of a ¥138 product sold at ¥117.30 (15 % off), with one offer, and a
    listed ¥188 product of the same shop to replace it with."""
    with db.transaction() as uow:
        s = f.shop(uow, workspace_id)
        a = f.activity(uow, workspace_id, started=True, **rules)
        old = f.product(uow, workspace_id, s.id, title="月饼礼盒 138", price_minor=13800)
        new = f.product(uow, workspace_id, s.id, title="月饼礼盒 188", price_minor=18800)
        e = catalog.enroll(
            uow,
            workspace_id,
            a.id,
            old.id,
            activity_price_minor=11730,
            activity_stock=50,
            ignore_registration_window=True,
        )
        catalog.review(uow, workspace_id, e.id, approve=True)
        offers_service.add_offer(
            uow, workspace_id, e.id, kind="coupon", value_minor=500, percent_off=0
        )
        return {"shop": s.id, "activity": a.id, "old": old.id, "new": new.id, "enrollment": e.id}


def test_replace_keeps_the_discount_goes_to_review_and_is_undone(db: Database) -> None:
    """Issue 12 item 5: replacing the ¥138 product sold at ¥117.30 (15 % off) with a ¥188 one
    made it ¥117.30 (37.6 % off), live at once, and its snapshot answered 409 on restore."""
    workspace_id = make_workspace(db).id
    ids = _mooncakes(db, workspace_id)
    with db.transaction() as uow:
        new = replace_service.replace(uow, workspace_id, ids["enrollment"], ids["new"], actor="t")
        new_id = new.id
        assert new.activity_price_minor == 15980  # ¥188 × 0.85 = ¥159.80, still 15 % off
        assert new.state == "pending_review"  # a new product and a new price: reviewed first
        old = catalog.get_enrollment(uow, workspace_id, ids["enrollment"])
        assert old.state == "replaced"
        assert old.replaced_by_id == new_id
        snap = uow.session.scalars(
            select(ShopSnapshot).where(
                ShopSnapshot.enrollment_id == ids["enrollment"], ShopSnapshot.change == "replace"
            )
        ).one()
    with db.transaction() as uow:
        back = snapshots_service.restore(uow, workspace_id, snap.id, actor="t")
        assert back.id == ids["enrollment"]
        assert back.state == "live"
        assert back.activity_price_minor == 11730
        assert back.replaced_by_id is None
        gone = catalog.get_enrollment(uow, workspace_id, new_id)
        assert gone.state == "replaced"
        assert gone.replaced_by_id == ids["enrollment"]
        offers = uow.session.scalars(
            select(ShopOffer).where(ShopOffer.enrollment_id == ids["enrollment"])
        ).all()
        assert len(offers) == 1
        assert offers[0].status == "active"
        counter = catalog.ShopRepository(uow).counter(ids["activity"], ids["shop"])
        assert counter is not None
        assert (counter.enrolled, counter.active) == (1, 1)


def test_preview_shows_prices_guardrails_and_every_activity_touched(db: Database) -> None:
    workspace_id = make_workspace(db).id
    ids = _mooncakes(db, workspace_id)
    with db.transaction() as uow:
        other = f.activity(uow, workspace_id, name="国庆节")
        catalog.enroll(
            uow,
            workspace_id,
            other.id,
            ids["new"],
            activity_price_minor=17000,
            activity_stock=10,
            ignore_registration_window=True,
        )
        view = replace_service.preview_replace(uow, workspace_id, ids["enrollment"], ids["new"])
    assert view["old"]["product_id"] == ids["old"]
    assert view["new"]["product_id"] == ids["new"]
    assert view["old"]["original_price_minor"] == 13800
    assert view["old"]["activity_price_minor"] == 11730
    assert view["old"]["discount_percent"] == "15.00"
    assert view["new"]["original_price_minor"] == 18800
    assert view["new"]["activity_price_minor"] == 15980
    assert view["new"]["discount_percent"] == "15.00"
    assert view["price_source"] == "kept_discount"
    assert view["rounding"] == "half_up"
    assert view["review"]["needed"] is True
    assert view["state_after"] == "pending_review"
    assert view["ok"] is True
    assert {c["rule"] for c in view["checks"]} >= {"activity_open", "price_not_above_original"}
    assert view["guardrails"]["cancel"] == 0
    assert view["guardrails"]["ok"] is True
    touched = {(t["activity_id"], t["product_id"]): t for t in view["touched"]}
    assert touched[(ids["activity"], ids["old"])]["effect"] == "replaced"
    assert touched[(ids["activity"], ids["new"])]["effect"] == "enrolled"
    assert touched[(other.id, ids["new"])]["effect"] == "unchanged"
    with db.transaction() as uow:  # the preview changed nothing
        assert catalog.get_enrollment(uow, workspace_id, ids["enrollment"]).state == "live"


def test_an_explicit_price_is_used_and_never_above_the_new_original(db: Database) -> None:
    workspace_id = make_workspace(db).id
    ids = _mooncakes(db, workspace_id)
    with db.transaction() as uow, pytest.raises(ValidationFailed) as refused:
        replace_service.replace(
            uow, workspace_id, ids["enrollment"], ids["new"], activity_price_minor=18900, actor="t"
        )
    assert refused.value.field == "activity_price_minor"
    assert "above" in str(refused.value)
    assert "18800" in str(refused.value)
    with db.transaction() as uow:
        view = replace_service.preview_replace(
            uow, workspace_id, ids["enrollment"], ids["new"], activity_price_minor=16920
        )
        assert view["price_source"] == "explicit"
        assert view["new"]["discount_percent"] == "10.00"
        new = replace_service.replace(
            uow, workspace_id, ids["enrollment"], ids["new"], activity_price_minor=16920, actor="t"
        )
        assert new.activity_price_minor == 16920


def test_review_follows_the_activity_rules(db: Database) -> None:
    workspace_id = make_workspace(db).id
    free = _mooncakes(db, workspace_id, review_replacements=False, review_price_changes=False)
    with db.transaction() as uow:
        new = replace_service.replace(uow, workspace_id, free["enrollment"], free["new"], actor="t")
        assert new.state == "live"  # neither rule asks for review: the slot's stage carries over
    priced = _mooncakes(db, workspace_id, review_replacements=False, review_price_changes=True)
    with db.transaction() as uow:
        same = replace_service.preview_replace(
            uow, workspace_id, priced["enrollment"], priced["new"], activity_price_minor=11730
        )
        assert same["review"]["needed"] is False
        assert same["state_after"] == "live"
        new = replace_service.replace(
            uow, workspace_id, priced["enrollment"], priced["new"], actor="t"
        )
        assert new.state == "pending_review"  # the price changed: ¥117.30 → ¥159.80
    with db.transaction() as uow:
        approved = catalog.review(uow, workspace_id, new.id, approve=True)
        assert approved.state == "live"


def test_replace_over_http_preview_then_replace_then_undo(db: Database, tmp_path: Path) -> None:
    workspace = new_workspace(db, "replace")
    viewer, operator = new_key(db, workspace, "viewer"), new_key(db, workspace, "operator")
    ids = _mooncakes(db, workspace.id)
    with live_server(make_app(db, tmp_path)) as base:
        c = httpx.Client(base_url=base, headers=bearer(operator), timeout=60)
        v = httpx.Client(base_url=base, headers=bearer(viewer), timeout=60)
        url = f"{V}/enrollments/{ids['enrollment']}/replace"
        preview = v.post(f"{url}/preview", json={"product_id": ids["new"]})
        assert preview.status_code == 200, preview.text
        assert preview.json()["new"]["activity_price_minor"] == 15980
        too_high = c.post(url, json={"product_id": ids["new"], "activity_price_minor": 18801})
        assert too_high.status_code == 422
        assert too_high.json()["field"] == "activity_price_minor"
        done = c.post(url, json={"product_id": ids["new"]})
        assert done.status_code == 201, done.text
        assert done.json()["activity_price_minor"] == 15980
        assert done.json()["state"] == "pending_review"
        listed = c.get(f"{V}/snapshots", params={"enrollment_id": ids["enrollment"]})
        snaps = [s for s in listed.json()["items"] if s["change"] == "replace"]
        assert len(snaps) == 1
        undone = c.post(f"{V}/snapshots/{snaps[0]['id']}/restore")
        assert undone.status_code == 200, undone.text
        assert undone.json()["state"] == "live"
        assert undone.json()["id"] == ids["enrollment"]
        again = c.post(f"{V}/snapshots/{snaps[0]['id']}/restore")
        assert again.status_code == 409


def test_after_an_undo_the_same_replacement_can_be_made_again(db: Database) -> None:
    """The undone replacement stays as a ``replaced`` row (one row per activity and product):
    replacing with it again brings that row back, at the price computed now."""
    workspace_id = make_workspace(db).id
    ids = _mooncakes(db, workspace_id, review_replacements=False, review_price_changes=False)
    with db.transaction() as uow:
        first = replace_service.replace(uow, workspace_id, ids["enrollment"], ids["new"], actor="t")
        first_id = first.id
        snap = uow.session.scalars(
            select(ShopSnapshot.id).where(
                ShopSnapshot.enrollment_id == ids["enrollment"], ShopSnapshot.change == "replace"
            )
        ).one()
    with db.transaction() as uow:
        snapshots_service.restore(uow, workspace_id, snap, actor="t")
    with db.transaction() as uow:
        view = replace_service.preview_replace(
            uow, workspace_id, ids["enrollment"], ids["new"], activity_price_minor=16000
        )
        assert [t["enrollment_id"] for t in view["touched"] if t["effect"] == "enrolled"] == [
            first_id
        ]
        again = replace_service.replace(
            uow, workspace_id, ids["enrollment"], ids["new"], activity_price_minor=16000, actor="t"
        )
        assert again.id == first_id
        assert again.state == "live"
        assert again.activity_price_minor == 16000
        assert again.replaces_id == ids["enrollment"]
        assert again.replaced_by_id is None
        old = catalog.get_enrollment(uow, workspace_id, ids["enrollment"])
        assert old.state == "replaced"
        assert old.replaced_by_id == first_id
        offers = uow.session.scalars(select(ShopOffer).where(ShopOffer.enrollment_id == first_id))
        assert len(offers.all()) == 1
        counter = catalog.ShopRepository(uow).counter(ids["activity"], ids["shop"])
        assert counter is not None
        assert (counter.enrolled, counter.active) == (1, 1)


def test_a_rejected_replacement_is_undone_and_a_stock_zeroed_one_is_refused(db: Database) -> None:
    workspace_id = make_workspace(db).id
    ids = _mooncakes(db, workspace_id)
    with db.transaction() as uow:
        new = replace_service.replace(uow, workspace_id, ids["enrollment"], ids["new"], actor="t")
        catalog.review(uow, workspace_id, new.id, approve=False)  # the platform says no
        counter = catalog.ShopRepository(uow).counter(ids["activity"], ids["shop"])
        assert counter is not None
        assert (counter.enrolled, counter.active) == (0, 0)
        snap = _replace_snapshot(uow, ids["enrollment"])
    with db.transaction() as uow:
        back = snapshots_service.restore(uow, workspace_id, snap, actor="t")
        assert back.state == "live"
        assert back.activity_price_minor == 11730
        counter = catalog.ShopRepository(uow).counter(ids["activity"], ids["shop"])
        assert counter is not None
        assert (counter.enrolled, counter.active) == (1, 1)
        assert catalog.get_enrollment(uow, workspace_id, new.id).state == "rejected"

    other = _mooncakes(db, workspace_id, review_replacements=False, review_price_changes=False)
    with db.transaction() as uow:
        new = replace_service.replace(
            uow, workspace_id, other["enrollment"], other["new"], actor="t"
        )
        alternatives.stock_to_zero(uow, workspace_id, new.id, actor="t")
        snap = _replace_snapshot(uow, other["enrollment"])
    with db.transaction() as uow, pytest.raises(Conflict) as refused:
        snapshots_service.restore(uow, workspace_id, snap, actor="t")
    assert "stock_zeroed" in str(refused.value)


def _replace_snapshot(uow: Any, enrollment_id: int) -> int:
    return int(
        uow.session.scalars(
            select(ShopSnapshot.id).where(
                ShopSnapshot.enrollment_id == enrollment_id, ShopSnapshot.change == "replace"
            )
        ).one()
    )
