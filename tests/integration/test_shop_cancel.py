"""Stage-aware cancel on both databases: preview, guardrails (at the threshold, one over,
forced), cascade, snapshots and restore, window scheduling, batches with retry, verification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import promodesk.notify.jobs
import promodesk.shop.jobs  # noqa: F401
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import Forbidden
from promodesk.models import (
    AuditEvent,
    OutboxEmail,
    ShopCancellation,
    ShopOffer,
    ShopRiskEvent,
)
from promodesk.shop.errors import AlreadyScheduled, GuardrailViolation, ShopRestricted
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import catalog, shops
from promodesk.shop.service import offers as offers_service
from promodesk.shop.service import preview as preview_service
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service import verification as verification_service
from promodesk.shop.service import window as window_service
from promodesk.shop.service.batches import Selection
from tests.conftest import make_workspace
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain


@pytest.fixture(autouse=True)
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(f.NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def _cancel(
    db: Database,
    workspace_id: int,
    ids: list[int],
    *,
    force: bool = False,
    role: str = "admin",
    reason: str = "stock_shortage",
) -> int:
    with db.transaction() as uow:
        batch = batch_service.cancel_now(
            uow,
            workspace_id,
            Selection(enrollment_ids=ids),
            reason=reason,
            force=force,
            actor="user:1",
            role=role,
        )
        return batch.id


def test_preview_changes_nothing_and_reports_verdict(db: Database) -> None:
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10)
    with db.transaction() as uow:
        view = preview_service.preview(uow, workspace_id, Selection(enrollment_ids=ids[:3]))
        assert view["cancellable"] == 3
        assert view["offers_cancelled"] == 6
        group = view["groups"][0]
        assert group["verdict"]["remaining_after"] == 7
        assert group["verdict"]["ratio_after_percent"] == 30.0
        assert group["verdict"]["ok"] is True
        assert group["timing"]["in_window_now"] is False  # 12:00 in Shanghai
        assert group["timing"]["options"] == ["now", "window"]
        assert group["timing"]["window_start"].startswith("2026-09-20T17:00")  # 01:00 +08
        assert {i["path"] for i in view["items"]} == {"remove"}  # approved, not started
        assert group["traffic"]["views"] == 10 + 11 + 12
        assert "stock_to_zero" in group["alternatives"]
        over = preview_service.preview(uow, workspace_id, Selection(enrollment_ids=ids[:4]))
        assert over["ok"] is False
        rules = {v["rule"] for v in over["groups"][0]["verdict"]["violations"]}
        assert rules == {"max_cancel_ratio"}
        assert catalog.get_enrollment(uow, workspace_id, ids[0]).state == "approved"


def test_at_threshold_passes_and_cascades(db: Database) -> None:
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10)
    batch_id = _cancel(db, workspace_id, ids[:3])  # 3/10 = 30 %: at the threshold
    with db.transaction() as uow:
        batch = batch_service.get_batch(uow, workspace_id, batch_id)
        assert (batch.status, batch.done, batch.failed) == ("done", 3, 0)
        for eid in ids[:3]:
            assert catalog.get_enrollment(uow, workspace_id, eid).state == "removed"
        offers = uow.session.execute(
            select(ShopOffer.status, func.count())
            .where(ShopOffer.enrollment_id.in_(ids[:3]))
            .group_by(ShopOffer.status)
        ).all()
        assert dict(offers) == {"cancelled": 6}
        snaps = snapshots_service.list_snapshots(uow, workspace_id, batch_id=batch_id)
        assert len(snaps) == 3
        assert snaps[0].data["enrollment"]["state"] == "approved"
        assert len(snaps[0].data["offers"]) == 2
        cancels = (
            uow.session.execute(
                select(ShopCancellation).where(ShopCancellation.batch_id == batch_id)
            )
            .scalars()
            .all()
        )
        assert {c.path for c in cancels} == {"remove"}
        assert {c.reason_code for c in cancels} == {"stock_shortage"}
        audits = uow.session.execute(
            select(func.count()).where(
                AuditEvent.workspace_id == workspace_id,
                AuditEvent.action == "shop.enrollment.remove",
            )
        ).scalar()
        assert audits == 3


def test_one_over_is_refused_with_rule_numbers_and_alternatives(db: Database) -> None:
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10)
    with pytest.raises(GuardrailViolation) as err:
        _cancel(db, workspace_id, ids[:4])
    body = err.value.to_body()
    assert body["error"] == "GuardrailViolation"
    verdict = body["violations"][0]["verdict"]
    assert verdict["cancelled_after"] == 4
    assert verdict["enrolled"] == 10
    assert verdict["violations"][0]["rule"] == "max_cancel_ratio"
    assert "replace" in body["alternatives"]
    assert body["can_force"] is True
    with db.transaction() as uow:
        assert catalog.get_enrollment(uow, workspace_id, ids[0]).state == "approved"


def test_min_products_threshold(db: Database) -> None:
    workspace_id = make_workspace(db).id
    # 6 enrolled, min 5, ratio 100 %: cancelling 1 leaves 5 (ok), 2 leaves 4 (refused)
    _s, _a, ids = f.setup(db, workspace_id, 6, max_cancel_percent=100)
    with pytest.raises(GuardrailViolation) as err:
        _cancel(db, workspace_id, ids[:2])
    assert err.value.to_body()["violations"][0]["verdict"]["violations"][0]["rule"] == (
        "min_products"
    )
    _cancel(db, workspace_id, ids[:1])


def test_forcing_needs_admin_and_records_risk_event_and_penalty(db: Database) -> None:
    workspace_id = make_workspace(db).id
    s, a, ids = f.setup(db, workspace_id, 10)
    with pytest.raises(Forbidden):
        _cancel(db, workspace_id, ids[:5], force=True, role="operator")
    _cancel(db, workspace_id, ids[:5], force=True, role="admin")
    with db.transaction() as uow:
        events = (
            uow.session.execute(
                select(ShopRiskEvent).where(ShopRiskEvent.workspace_id == workspace_id)
            )
            .scalars()
            .all()
        )
        assert len(events) == 1
        assert events[0].rules[0]["rule"] == "max_cancel_ratio"
        shop = shops.get_shop(uow, workspace_id, s.id)
        assert shop.restricted_until == clock.now() + timedelta(days=7)
        assert all(
            c.forced
            for c in uow.session.execute(
                select(ShopCancellation).where(ShopCancellation.workspace_id == workspace_id)
            ).scalars()
        )
        p = f.product(uow, workspace_id, s.id)
        with pytest.raises(ShopRestricted):
            catalog.enroll(
                uow,
                workspace_id,
                a.id,
                p.id,
                activity_price_minor=1,
                activity_stock=1,
                ignore_registration_window=True,
            )


def test_immutable_activity_cannot_be_cancelled_even_forced(db: Database) -> None:
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10, immutable=True)
    with pytest.raises(GuardrailViolation):
        _cancel(db, workspace_id, ids[:1])
    with pytest.raises(GuardrailViolation) as err:
        _cancel(db, workspace_id, ids[:1], force=True)
    assert "ACTIVITY_IMMUTABLE" in str(err.value.to_body()) or err.value.to_body()


def test_preview_and_batch_run_give_each_item_the_same_verdict(db: Database) -> None:
    """One plan decides both: an item already cancelled reads ALREADY_CANCELLED in the preview
    (it read NOT_CANCELLABLE there while the run said ALREADY_CANCELLED) and in the run, and the
    items the preview lets through are the ones the run cancels."""
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10)
    _cancel(db, workspace_id, ids[:1])
    with db.transaction() as uow:
        view = preview_service.preview(uow, workspace_id, Selection(enrollment_ids=ids[:3]))
    previewed = {i["enrollment_id"]: i.get("code") for i in view["items"]}
    assert previewed == {ids[0]: "ALREADY_CANCELLED", ids[1]: None, ids[2]: None}
    assert view["ok"] is True
    with db.transaction() as uow:
        batch = batch_service.start_batch(
            uow,
            workspace_id,
            enrollment_ids=ids[:3],
            reason="plan_change",
            actor="user:1",
            role="operator",
        )
    drain(db, workspace_id)
    with db.transaction() as uow:
        run = {
            i.enrollment_id: i.error_code
            for i in batch_service.batch_items(uow, workspace_id, batch.id)
        }
    assert run == previewed


def test_an_immutable_activity_refuses_in_the_preview_as_in_the_run(db: Database) -> None:
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10, immutable=True)
    with db.transaction() as uow:
        view = preview_service.preview(uow, workspace_id, Selection(enrollment_ids=ids[:2]))
    assert view["ok"] is False
    (group,) = view["groups"]
    assert [v["rule"] for v in group["verdict"]["violations"]] == ["immutable"]
    with pytest.raises(GuardrailViolation) as refused:
        _cancel(db, workspace_id, ids[:2], force=True)
    assert refused.value.extra["violations"][0]["verdict"] == group["verdict"]
    assert refused.value.extra["can_force"] is False


def test_stage_paths_pending_and_live(db: Database, frozen: clock.FrozenClock) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        s = f.shop(uow, workspace_id)
        a = f.activity(uow, workspace_id, max_cancel_percent=100, min_products_per_shop=0)
        pending = f.enrolled(uow, workspace_id, a.id, s.id, 2, state="pending_review")
        approved = f.enrolled(uow, workspace_id, a.id, s.id, 2)
    _cancel(db, workspace_id, [pending[0].id])
    frozen.advance(timedelta(days=3))  # the activity started
    with db.transaction() as uow:
        assert catalog.start_activity(uow, workspace_id, a.id) == 2
    _cancel(db, workspace_id, [approved[0].id])
    with db.transaction() as uow:
        assert catalog.get_enrollment(uow, workspace_id, pending[0].id).state == "withdrawn"
        assert catalog.get_enrollment(uow, workspace_id, approved[0].id).state == "terminated"
        paths = (
            uow.session.execute(
                select(ShopCancellation.path)
                .where(ShopCancellation.workspace_id == workspace_id)
                .order_by(ShopCancellation.id)
            )
            .scalars()
            .all()
        )
        assert paths == ["withdraw", "terminate"]


def test_restore_from_snapshot(db: Database) -> None:
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10)
    batch_id = _cancel(db, workspace_id, ids[:3])
    with db.transaction() as uow:
        snap = snapshots_service.list_snapshots(uow, workspace_id, batch_id=batch_id)[0]
        exported = snapshots_service.export(snap)
        assert exported["enrollment"]["id"] == snap.enrollment_id
        restored = snapshots_service.restore(uow, workspace_id, snap.id, actor="user:1")
        assert restored.state == "approved"
        active = uow.session.execute(
            select(func.count()).where(
                ShopOffer.enrollment_id == snap.enrollment_id, ShopOffer.status == "active"
            )
        ).scalar()
        assert active == 2
    # the slot came back: one more may be cancelled again (3/10 after)
    _cancel(db, workspace_id, [ids[5]])


def test_batch_per_item_errors_and_retry_failed(db: Database) -> None:
    workspace_id = make_workspace(db).id
    _s, a, ids = f.setup(db, workspace_id, 10)
    _cancel(db, workspace_id, ids[:1])
    with db.transaction() as uow:
        batch = batch_service.start_batch(
            uow,
            workspace_id,
            enrollment_ids=ids[:6],
            reason="plan_change",
            actor="user:1",
            role="operator",
        )
    drain(db, workspace_id)
    with db.transaction() as uow:
        batch = batch_service.get_batch(uow, workspace_id, batch.id)
        # 1 already cancelled, 2 more allowed (3/10), 3 refused by the ratio
        assert (batch.status, batch.done, batch.failed) == ("partial", 2, 4)
        failed = batch_service.batch_items(uow, workspace_id, batch.id, status="failed")
        codes = sorted(i.error_code for i in failed)
        assert codes == ["ALREADY_CANCELLED"] + ["GUARDRAIL_MAX_CANCEL_RATIO"] * 3
        assert all(i.activity_id == a.id and i.product_id for i in failed)
        catalog.update_rules(
            uow, workspace_id, a.id, max_cancel_percent=60, min_products_per_shop=4
        )
        batch_service.retry_failed(uow, workspace_id, batch.id, actor="user:1", role="operator")
    drain(db, workspace_id)
    with db.transaction() as uow:
        batch = batch_service.get_batch(uow, workspace_id, batch.id)
        assert (batch.done, batch.failed) == (5, 1)  # the already-cancelled one stays failed
        from promodesk.operations import service as operations

        op = operations.get(uow, workspace_id, batch.operation_id)
        assert op.state in ("succeeded", "partial", "failed")
        assert op.done == 3


def test_window_schedule_runs_in_the_window_and_verifies(
    db: Database, frozen: clock.FrozenClock
) -> None:
    workspace_id = make_workspace(db).id
    s, _a, ids = f.setup(db, workspace_id, 10)
    with db.transaction() as uow:
        shops.add_member(
            uow, workspace_id, s.id, name="客服", role="customer_service", email="cs@shop.example"
        )
        batches = window_service.schedule_in_window(
            uow,
            workspace_id,
            Selection(enrollment_ids=ids[:2]),
            reason="other",
            reason_text="调整",
            actor="user:1",
            role="operator",
        )
        assert len(batches) == 1
        assert batches[0].status == "scheduled"
        assert batches[0].run_at.isoformat().startswith("2026-09-20T17:00")
        other = window_service.schedule_in_window(
            uow,
            workspace_id,
            Selection(enrollment_ids=ids[2:3]),
            reason="plan_change",
            actor="user:1",
            role="operator",
        )[0]
        window_service.cancel_scheduled(uow, workspace_id, other.id, actor="user:1")
    drain(db, workspace_id)  # not due yet
    with db.transaction() as uow:
        assert catalog.get_enrollment(uow, workspace_id, ids[0]).state == "approved"
    frozen.set(batches[0].run_at + timedelta(minutes=1))
    drain(db, workspace_id)
    with db.transaction() as uow:
        assert batch_service.get_batch(uow, workspace_id, batches[0].id).status == "done"
        assert batch_service.get_batch(uow, workspace_id, other.id).status == "cancelled"
        assert catalog.get_enrollment(uow, workspace_id, ids[2]).state == "approved"
        # someone re-activates an offer behind our back: verification must catch it
        offer = offers_service.offers(uow, workspace_id, ids[1])[0]
        offer.status = "active"
    frozen.advance(timedelta(minutes=16))
    drain(db, workspace_id)
    with db.transaction() as uow:
        results = verification_service.results(uow, workspace_id, batch_id=batches[0].id)
        assert sorted(r.passed for r in results) == [False, True]
        mails = (
            uow.session.execute(select(OutboxEmail).where(OutboxEmail.workspace_id == workspace_id))
            .scalars()
            .all()
        )
        # the team hears of the cancel itself, then of the failed check
        assert sorted(m.kind for m in mails) == ["shop.cancel_done", "shop.verification_failed"]
        assert all("cs@shop.example" in m.to_addrs for m in mails)


def test_scheduled_enrollment_is_refused_again_and_counts_in_the_guardrails(
    db: Database,
) -> None:
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10)
    with db.transaction() as uow:
        batch = window_service.schedule_in_window(
            uow,
            workspace_id,
            Selection(enrollment_ids=ids[:2]),
            reason="plan_change",
            actor="user:1",
            role="operator",
        )[0]
    for again in (window_service.schedule_in_window, batch_service.cancel_now):
        with pytest.raises(AlreadyScheduled) as refused, db.transaction() as uow:
            again(
                uow,
                workspace_id,
                Selection(enrollment_ids=[ids[1], ids[5]]),
                reason="plan_change",
                actor="user:1",
                role="operator",
            )
        assert f"batch {batch.id}" in refused.value.detail
        assert refused.value.extra["scheduled"] == {str(ids[1]): batch.id}
    with pytest.raises(AlreadyScheduled), db.transaction() as uow:
        batch_service.start_batch(
            uow,
            workspace_id,
            enrollment_ids=[ids[0]],
            reason="plan_change",
            actor="user:1",
            role="admin",
        )
    with db.transaction() as uow:
        # 2 scheduled of 10: one more reaches 30 %, two more break it
        one = preview_service.preview(uow, workspace_id, Selection(enrollment_ids=ids[5:6]))
        assert one["ok"]
        assert one["groups"][0]["verdict"]["cancelled_after"] == 3
        assert one["groups"][0]["allowed_without_force"] == 1
        two = preview_service.preview(uow, workspace_id, Selection(enrollment_ids=ids[5:7]))
        assert not two["ok"]
        rules = [v["rule"] for v in two["groups"][0]["verdict"]["violations"]]
        assert rules == ["max_cancel_ratio"]
        mixed = preview_service.preview(uow, workspace_id, Selection(enrollment_ids=ids[1:2]))
        assert mixed["items"][0]["code"] == "ALREADY_SCHEDULED"
    # the cancel now sees the scheduled ones as done too
    with pytest.raises(GuardrailViolation), db.transaction() as uow:
        batch_service.cancel_now(
            uow,
            workspace_id,
            Selection(enrollment_ids=ids[5:7]),
            reason="plan_change",
            actor="user:1",
            role="operator",
        )
    # once called off, the enrollments are free again
    with db.transaction() as uow:
        window_service.cancel_scheduled(uow, workspace_id, batch.id, actor="user:1")
    _cancel(db, workspace_id, ids[1:4])


def test_restored_items_get_a_verification_result(db: Database, frozen: clock.FrozenClock) -> None:
    workspace_id = make_workspace(db).id
    _s, _a, ids = f.setup(db, workspace_id, 10)
    batch_id = _cancel(db, workspace_id, ids[:1])
    with db.transaction() as uow:
        snap = snapshots_service.list_snapshots(uow, workspace_id, batch_id=batch_id)[0]
        snapshots_service.restore(uow, workspace_id, snap.id, actor="user:1")
    frozen.advance(timedelta(minutes=16))
    drain(db, workspace_id)
    with db.transaction() as uow:
        results = verification_service.results(uow, workspace_id, batch_id=batch_id)
        # the cancel was undone on purpose: recorded, not a failure, no alert
        assert [(r.enrollment_id, r.passed) for r in results] == [(ids[0], True)]
        assert verification_service.restored_ids(uow, workspace_id, batch_id) == {ids[0]}
