"""Stop everywhere, the shop step's verification: the step is verified by the shop's own
verification of its cancel batch (the same job a cancel started from the shop pages gets),
not by the batch finishing. While the verification has not run the step is not verified and
the stop is not over; a linked shop's item the platform acknowledged but did not remove fails
with the reason in plain words; one that left the activity passes. Both databases, the shop
sandbox over real HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from promodesk.app import load_handlers
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import Job, ShopActivity, ShopOffer
from promodesk.promotions.service import stop_watch, stops
from promodesk.promotions.service.stop import preview_stop
from promodesk.shop.service.batches import VERIFY_JOB
from tests.api_support import new_workspace
from tests.integration import shop_factories as sf
from tests.integration.test_shop_platform_actions import enrollments, linked, ongoing
from tests.shop_platform_support import sandbox_platform


def _drain(db: Database, ws: int) -> None:
    Worker(db, backoff_base=0.0, workspace_id=ws).run_until_idle()


def _stop(db: Database, ws: int, enrollment_id: int) -> int:
    ref = f"shop_enrollment:{enrollment_id}"
    with db.read() as uow:
        plan = preview_stop(uow, ws, refs=[ref], reason="sold_out")
    with db.transaction() as uow:
        stop = stops.confirm_stop(
            uow, ws, refs=[ref], reason="sold_out", fingerprint=plan.fingerprint,
            actor="user:1", role="owner",
        )  # fmt: skip
        return int(stop.id)


def _look(db: Database, ws: int, stop_id: int) -> tuple[bool, dict[str, Any], dict[str, Any]]:
    """One look of the stop's watch (as its job does): (over, the shop step, the view)."""
    with db.transaction() as uow:
        over = stop_watch.watch(uow, ws, stop_id)
    with db.read() as uow:
        v = stop_watch.view(uow, stop_watch.get_stop(uow, ws, stop_id))
    (step,) = [s for s in v["steps"] if s["channel"] == "shop"]
    return over, step, v


def _verify_now(db: Database, ws: int) -> None:
    """The verification waits its activity's delay (15 minutes): it is due now."""
    with db.transaction() as uow:
        uow.session.execute(
            update(Job)
            .where(Job.workspace_id == ws, Job.name == VERIFY_JOB, Job.status == "queued")
            .values(run_at=clock.now())
        )
    _drain(db, ws)


def _open_guardrails(db: Database, ws: int) -> None:
    with db.transaction() as uow:
        uow.session.execute(
            update(ShopActivity)
            .where(ShopActivity.workspace_id == ws)
            .values(min_products_per_shop=0, max_cancel_percent=100)
        )


def test_a_linked_shops_step_is_verified_on_the_platform(db: Database) -> None:
    load_handlers()
    with sandbox_platform(shops=1, products=30, activities=6, enrollments=8, coupons=0) as sb:
        ws, shop_id = linked(db, sb)
        target = ongoing(sb)
        rows = enrollments(db, shop_id, target.id)
        _open_guardrails(db, ws)

        # A removal that took: not verified until the verification ran, then verified.
        stop_id = _stop(db, ws, rows[0][1])
        _drain(db, ws)
        over, step, v = _look(db, ws, stop_id)
        assert step["status"] == "done", step
        assert step["verified"] is None
        assert not over
        assert "ended_at" not in v["retrospective"]
        assert v["operation"]["state"] in ("pending", "running")
        with db.read() as uow:
            waiting = uow.session.scalars(
                select(Job.payload).where(Job.workspace_id == ws, Job.name == VERIFY_JOB)
            ).all()
        assert {"workspace_id": ws, "batch_id": step["record"]["id"]} in waiting
        _verify_now(db, ws)
        over, step, v = _look(db, ws, stop_id)
        assert over
        assert step["verified"] is True, step["error"]
        assert step["error"] == ""
        assert v["operation"]["state"] == "succeeded"
        assert v["retrospective"]["channels"]["shop"] == {"stopped": 1, "failed": 0, "verified": 1}

        # Acknowledged but not applied: the batch finished, the platform still lists it.
        sb.sandbox.update(remove_noop=True)
        stop_id = _stop(db, ws, rows[1][1])
        _drain(db, ws)
        over, step, _ = _look(db, ws, stop_id)
        assert (step["status"], step["verified"], over) == ("done", None, False)
        _verify_now(db, ws)
        over, step, v = _look(db, ws, stop_id)
        assert over
        assert step["verified"] is False, step
        assert "verification failed for 1 of 1" in step["error"]
        assert "the platform still shows the activity price" in step["error"]
        assert rows[1][3] in target.products  # it really is still there
        assert v["retrospective"]["channels"]["shop"] == {"stopped": 1, "failed": 0, "verified": 0}


def test_a_local_shops_step_fails_its_verification_with_the_reason(db: Database) -> None:
    load_handlers()
    ws = new_workspace(db).id
    with db.transaction() as uow:
        shop = sf.shop(uow, ws)
        act = sf.activity(
            uow, ws, name="Double 11", min_products_per_shop=0, max_cancel_percent=100
        )
        es = sf.enrolled(uow, ws, act.id, shop.id, 4, offers=1)
        kept, broken = es[0].id, es[1].id
    stop_id = _stop(db, ws, broken)
    _drain(db, ws)
    over, step, _ = _look(db, ws, stop_id)
    assert (step["status"], step["verified"], over) == ("done", None, False)
    # A linked coupon that is still running when the verification looks.
    with db.transaction() as uow:
        uow.session.execute(
            update(ShopOffer).where(ShopOffer.enrollment_id == broken).values(status="active")
        )
    _verify_now(db, ws)
    over, step, _ = _look(db, ws, stop_id)
    assert over
    assert step["verified"] is False
    assert "product 1: 1 linked coupon or offer still active" in step["error"], step["error"]

    stop_id = _stop(db, ws, kept)
    _drain(db, ws)
    _verify_now(db, ws)
    over, step, _ = _look(db, ws, stop_id)
    assert over
    assert (step["status"], step["verified"], step["error"]) == ("done", True, "")
