"""A product enrolled in two activities, on both databases: stock to zero through one
enrollment is planned across every enrollment of the product (the preview lists them with
their verdicts), is refused when it would break the other activity's guardrails unless an
admin forces it (audited), and the delist ends the product in every activity so that later
guardrail checks count it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import promodesk.shop.jobs  # noqa: F401  (registers the shop handlers)
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import Forbidden
from promodesk.models import AuditEvent
from promodesk.shop.errors import BreaksOtherActivity
from promodesk.shop.service import alternatives, catalog, product_plan
from promodesk.shop.service import preview as preview_service
from promodesk.shop.service import review as review_service
from promodesk.shop.service import stock_zero as stock_zero_service
from promodesk.shop.service.batches import Selection
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain

V = "/api/v1/shop"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(f.NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def _two_activities(db: Database, workspace_id: int, n_mid: int) -> dict[str, Any]:
    """中秋节 started with ``n_mid`` live products; product 5 of it also enrolled (approved)
    in a new activity."""
    with db.transaction() as uow:
        shop = f.shop(uow, workspace_id)
        mid = f.activity(uow, workspace_id, started=True, name="中秋节")
        mid_es = f.enrolled(uow, workspace_id, mid.id, shop.id, n_mid, state="live")
        new = f.activity(uow, workspace_id, name="双十一")
        f.enrolled(uow, workspace_id, new.id, shop.id, 6)
        product5 = mid_es[4].product_id
        shared = catalog.enroll(
            uow,
            workspace_id,
            new.id,
            product5,
            activity_price_minor=15900,
            activity_stock=50,
            ignore_registration_window=True,
        )
        catalog.review(uow, workspace_id, shared.id, approve=True)
        return {
            "shop": shop.id,
            "mid": mid.id,
            "new": new.id,
            "delay": new.delist_delay_minutes,
            "product": product5,
            "mid_e": mid_es[4].id,
            "new_e": shared.id,
            "mid_others": [e.id for e in mid_es if e.id != mid_es[4].id],
        }


def _enrollment(db: Database, workspace_id: int, enrollment_id: int) -> tuple[str, list[str]]:
    """State and offer statuses of one enrollment."""
    from promodesk.shop.repository.catalog import ShopRepository

    with db.transaction() as uow:
        e = catalog.get_enrollment(uow, workspace_id, enrollment_id)
        uow.session.refresh(e)
        offers = ShopRepository(uow).offers([enrollment_id])
        return e.state, sorted(o.status for o in offers)


def _counter(
    db: Database, workspace_id: int, activity_id: int, shop_id: int
) -> tuple[int, int, int]:
    from promodesk.shop.repository.catalog import ShopRepository

    with db.transaction() as uow:
        c = ShopRepository(uow).counter(activity_id, shop_id)
        assert c is not None
        uow.session.refresh(c)
        return c.enrolled, c.active, c.cancelled


def test_stock_to_zero_through_one_activity_does_not_break_the_other_silently(
    db: Database, frozen: clock.FrozenClock
) -> None:
    workspace_id = new_workspace(db).id
    s = _two_activities(db, workspace_id, 6)
    assert _enrollment(db, workspace_id, s["mid_e"])[0] == "live"

    with db.transaction() as uow:
        result = stock_zero_service.stock_to_zero_many(uow, workspace_id, [s["new_e"]], actor="t")
    assert result["done"] == 1
    # the shared stock is zero: the 中秋节 enrollment is not purchasable any more
    assert _enrollment(db, workspace_id, s["mid_e"])[0] == "stock_zeroed"
    with db.transaction() as uow:  # one delist, for the product, at the new activity's time
        at = product_plan.delist_at(uow, workspace_id, s["product"])
    assert at == f.NOW + timedelta(minutes=s["delay"])

    frozen.advance(timedelta(minutes=s["delay"], seconds=1))
    drain(db, workspace_id)
    assert _enrollment(db, workspace_id, s["new_e"])[0] == "delisted"
    # the product left 中秋节 too: not 已开始, its coupon and discount no longer active
    assert _enrollment(db, workspace_id, s["mid_e"]) == ("delisted", ["cancelled", "cancelled"])
    # ... and the guardrails of 中秋节 count it: one product fewer, one cancellation more
    assert _counter(db, workspace_id, s["mid"], s["shop"]) == (6, 5, 1)
    assert _counter(db, workspace_id, s["new"], s["shop"]) == (
        7,
        6,
        0,
    )  # the alternative: no cancel
    with db.transaction() as uow:
        review = review_service.review(uow, workspace_id, s["mid"], s["shop"])
    assert (review["cancelled"], review["cancellations_by_reason"]) == (1, {"other": 1})


def test_a_stock_to_zero_that_breaks_the_other_activity_is_refused_unless_an_admin_forces_it(
    db: Database,
) -> None:
    workspace_id = new_workspace(db).id
    s = _two_activities(db, workspace_id, 5)  # 中秋节 at its minimum of 5 products

    with db.transaction() as uow:
        items = stock_zero_service.check(uow, workspace_id, [s["new_e"]])
    mid_item = next(o for o in items[0]["enrollments"] if o["enrollment_id"] == s["mid_e"])
    assert mid_item["verdict"] == "breaks_min_products"
    assert not mid_item["ok"]
    assert items[0]["breaks_other_activity"] is True

    with pytest.raises(BreaksOtherActivity) as refused, db.transaction() as uow:
        stock_zero_service.stock_to_zero_many(uow, workspace_id, [s["new_e"]], actor="t")
    assert "中秋节" in refused.value.detail
    assert "at least 5" in refused.value.detail
    with pytest.raises(BreaksOtherActivity), db.transaction() as uow:
        alternatives.stock_to_zero(uow, workspace_id, s["new_e"], actor="t")
    with pytest.raises(Forbidden), db.transaction() as uow:
        stock_zero_service.stock_to_zero_many(
            uow, workspace_id, [s["new_e"]], actor="t", force=True, role="operator"
        )
    assert _enrollment(db, workspace_id, s["new_e"])[0] == "approved"
    assert _enrollment(db, workspace_id, s["mid_e"])[0] == "live"

    with db.transaction() as uow:
        result = stock_zero_service.stock_to_zero_many(
            uow, workspace_id, [s["new_e"]], actor="user:9", force=True, role="admin"
        )
    assert result["done"] == 1
    assert [o["verdict"] for o in result["overridden"]] == ["breaks_min_products"]
    with db.transaction() as uow:
        events = list(
            uow.session.execute(
                select(AuditEvent).where(
                    AuditEvent.workspace_id == workspace_id,
                    AuditEvent.action == "shop.product.stock_zero.forced",
                )
            ).scalars()
        )
    assert len(events) == 1
    assert events[0].actor == "user:9"
    assert events[0].object_id == str(s["product"])
    overridden = (events[0].after or {})["overridden"]
    assert [(o["enrollment_id"], o["verdict"]) for o in overridden] == [
        (s["mid_e"], "breaks_min_products")
    ]


def test_the_delist_ends_every_enrollment_and_later_previews_count_it(
    db: Database, frozen: clock.FrozenClock
) -> None:
    workspace_id = new_workspace(db).id
    s = _two_activities(db, workspace_id, 8)
    # the preview lists every enrollment of the product with its verdict
    with db.transaction() as uow:
        items = stock_zero_service.check(uow, workspace_id, [s["new_e"]])
    others = items[0]["enrollments"]
    mid_item = next(o for o in others if o["enrollment_id"] == s["mid_e"])
    assert (mid_item["activity_id"], mid_item["verdict"]) == (s["mid"], "ok")
    assert mid_item["effect"] == "paused"
    assert mid_item["counts_as_cancel"] is True
    assert next(o for o in others if o["enrollment_id"] == s["new_e"])["selected"] is True

    with db.transaction() as uow:
        alternatives.stock_to_zero(uow, workspace_id, s["new_e"], actor="t")
    # before the delist: the end it will bring in 中秋节 counts as if done
    with db.transaction() as uow:
        waiting = preview_service.preview(
            uow, workspace_id, Selection(enrollment_ids=s["mid_others"][:2])
        )
    verdict = waiting["groups"][0]["verdict"]
    assert (verdict["scheduled"], verdict["cancelled_after"], verdict["ok"]) == (1, 3, False)
    frozen.advance(timedelta(minutes=s["delay"], seconds=1))
    drain(db, workspace_id)
    assert _enrollment(db, workspace_id, s["mid_e"])[0] == "delisted"

    with db.transaction() as uow:
        preview = preview_service.preview(
            uow, workspace_id, Selection(enrollment_ids=s["mid_others"][:2])
        )
    verdict = preview["groups"][0]["verdict"]
    assert (verdict["remaining_before"], verdict["cancelled_before"]) == (7, 1)
    # 3 of 8 cancelled would be 37.5 %: the delisted product counts towards the 30 %
    assert verdict["cancelled_after"] == 3
    assert not verdict["ok"]

    # the product is delisted: a restock is refused, a second delist job does nothing
    with db.transaction() as uow:
        assert alternatives.delist_if_due(uow, workspace_id, s["mid_e"]) is False


def test_restock_lists_every_enrollment_and_brings_them_back(db: Database) -> None:
    workspace_id = new_workspace(db).id
    s = _two_activities(db, workspace_id, 6)
    with db.transaction() as uow:
        alternatives.stock_to_zero(uow, workspace_id, s["new_e"], actor="t")
    with db.transaction() as uow:  # the other activity's snapshot keeps the stock as it was
        from promodesk.shop.service import snapshots

        snaps = snapshots.list_snapshots(uow, workspace_id, enrollment_id=s["mid_e"], limit=5)
        assert [(x.change, x.data["product"]["stock"]) for x in snaps] == [("stock_zero", 100)]
    with db.transaction() as uow:
        answer = alternatives.restock(uow, workspace_id, s["product"], 20, actor="t")
    assert answer["enrollments_restored"] == 2
    by_id = {i["enrollment_id"]: i for i in answer["enrollments"]}
    assert by_id[s["mid_e"]]["effect"] == "resumes"
    assert by_id[s["mid_e"]]["target_state"] == "live"
    assert by_id[s["new_e"]]["target_state"] == "approved"
    assert _enrollment(db, workspace_id, s["mid_e"])[0] == "live"
    assert _enrollment(db, workspace_id, s["new_e"])[0] == "approved"


def test_the_api_refuses_with_words_and_an_admin_may_force(db: Database, tmp_path: Path) -> None:
    workspace = new_workspace(db, "plan")
    workspace_id = workspace.id
    s = _two_activities(db, workspace_id, 5)
    operator, admin = new_key(db, workspace, "operator"), new_key(db, workspace, "admin")
    with TestClient(make_app(db, tmp_path), raise_server_exceptions=False) as c:
        url = f"{V}/enrollments/{s['new_e']}/stock-zero"
        r = c.post(url, headers=bearer(operator))
        assert r.status_code == 409, r.text
        body = r.json()
        assert body["error"] == "BreaksOtherActivity"
        assert "中秋节" in body["detail"]
        assert "An admin may force it" in body["detail"]
        assert body["refusals"][0]["enrollment_id"] == s["mid_e"]
        r = c.post(url, params={"force": "true"}, headers=bearer(operator))
        assert r.status_code == 403, r.text
        r = c.post(
            f"{V}/enrollments/stock-zero",
            json={"enrollment_ids": [s["new_e"]], "dry_run": True},
            headers=bearer(operator),
        )
        assert r.status_code == 200, r.text
        assert r.json()["items"][0]["breaks_other_activity"] is True
        assert _enrollment(db, workspace_id, s["new_e"])[0] == "approved"
        r = c.post(url, params={"force": "true"}, headers=bearer(admin))
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "stock_zeroed"
        restock = f"{V}/products/{s['product']}/restock"
        r = c.post(restock, json={"stock": 5, "dry_run": True}, headers=bearer(operator))
        assert r.status_code == 200, r.text
        assert (r.json()["dry_run"], r.json()["enrollments_restored"]) == (True, 2)
        assert _enrollment(db, workspace_id, s["mid_e"])[0] == "stock_zeroed"
        r = c.post(restock, json={"stock": 5}, headers=bearer(admin))
        assert r.status_code == 200, r.text
        assert r.json()["enrollments_restored"] == 2
        assert {i["enrollment_id"] for i in r.json()["enrollments"]} >= {s["mid_e"], s["new_e"]}


def test_the_console_confirmation_lists_every_activity_in_both_languages(
    db: Database, tmp_path: Path
) -> None:
    from tests.integration.test_console_support import (
        console_client,
        log_in,
        new_member,
        post_form,
    )

    operator = new_member(db, "operator")
    workspace_id = operator.workspace.id
    s = _two_activities(db, workspace_id, 5)
    client = console_client(db, tmp_path)
    csrf = log_in(client, operator)

    # the enrollment page's button goes to the confirmation: the product is in two activities
    where = post_form(client, f"/shop/enrollments/{s['new_e']}/stock-zero", {}, csrf)
    assert where == f"/shop/stock-zero?e={s['new_e']}"
    page = client.get(where).text
    assert 'id="stock-zero-plan-items"' in page
    assert f'data-enrollment="{s["mid_e"]}" data-verdict="breaks_min_products"' in page
    assert "minimum product count</span>" in page
    assert "中秋节" in page
    assert 'id="confirm-stock-zero"' not in page  # an operator cannot force it
    refused = client.post("/shop/stock-zero", data={"csrf_token": csrf, "ids": str(s["new_e"])})
    assert refused.status_code == 409
    assert "Nothing was changed" in refused.text
    assert _enrollment(db, workspace_id, s["new_e"])[0] == "approved"

    client.cookies.set("promodesk_locale", "zh_Hans")
    with db.transaction() as uow:
        from promodesk.tenancy.repository import TenancyRepository

        user = TenancyRepository(uow).user_by_email(operator.email)
        assert user is not None
        user.locale = "zh_Hans"
    zh = client.get(where).text
    assert "这些商品参加的所有活动" in zh
    assert "将违反该活动的最少商品数" in zh

    admin = new_member(db, "admin", operator.workspace)
    other = console_client(db, tmp_path)
    acsrf = log_in(other, admin)
    page = other.get(where).text
    assert 'id="stock-zero-force"' in page
    done = other.post(
        "/shop/stock-zero", data={"csrf_token": acsrf, "ids": str(s["new_e"]), "force": "1"}
    )
    assert done.status_code == 200
    assert "recorded in the audit log" in done.text
    assert _enrollment(db, workspace_id, s["new_e"])[0] == "stock_zeroed"
    assert _enrollment(db, workspace_id, s["mid_e"])[0] == "stock_zeroed"
    # the enrollment page lists what a restock does in both activities
    enrollment = other.get(f"/shop/enrollments/{s['mid_e']}").text
    assert 'id="restock-plan"' in enrollment
    assert enrollment.count('data-effect="resumes"') == 2


def test_the_cli_shows_the_plan_and_forces_as_the_owner(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from promodesk import clikit
    from promodesk.cli import app as cli

    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    try:
        workspace = new_workspace(db, "plancli")
        s = _two_activities(db, workspace.id, 5)
        w = ["-w", workspace.slug]
        runner = CliRunner()
        dry = runner.invoke(cli, ["shop", "stock-zero", str(s["new_e"]), "--dry-run", *w])
        assert dry.exit_code == 0, dry.stderr
        assert "breaks_min_products" in dry.stdout
        assert "nothing changed" in dry.stdout
        refused = runner.invoke(cli, ["shop", "stock-zero", str(s["new_e"]), *w])
        assert refused.exit_code != 0
        assert "An admin may force it" in refused.stderr
        forced = runner.invoke(
            cli, ["shop", "stock-zero", str(s["new_e"]), "--force", "--json", *w]
        )
        assert forced.exit_code == 0, forced.stderr
        data = json.loads(forced.stdout)
        assert [o["enrollment_id"] for o in data["overridden"]] == [s["mid_e"]]
        dry = runner.invoke(
            cli, ["shop", "restock", str(s["product"]), "--stock", "9", "--dry-run", *w]
        )
        assert dry.exit_code == 0, dry.stderr
        assert "nothing changed" in dry.stdout
        assert _enrollment(db, workspace.id, s["mid_e"])[0] == "stock_zeroed"
        back = runner.invoke(
            cli, ["shop", "restock", str(s["product"]), "--stock", "9", "--json", *w]
        )
        assert back.exit_code == 0, back.stderr
        assert json.loads(back.stdout)["enrollments_restored"] == 2
    finally:
        clikit.reset()
