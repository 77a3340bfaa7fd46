"""The activity start on both databases, with the injectable clock: a durable job written with
the activity makes its approved enrollments live (已开始) at ``starts_at``, exactly once; a run
before the start (the clock moved) waits for it; approving after the start goes live at once.
Also the low-traffic window of shops in other time zones than the server's (DST included)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import promodesk.shop.jobs  # noqa: F401  (registers the shop handlers)
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import AuditEvent, Job
from promodesk.shop.service import catalog
from promodesk.shop.service import window as window_service
from promodesk.shop.service.batches import Selection
from promodesk.shop.service.catalog import START_JOB
from tests.conftest import make_workspace
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain


@pytest.fixture(autouse=True)
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(f.NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def _start_jobs(db: Database, workspace_id: int) -> list[Job]:
    with db.transaction() as uow:
        q = select(Job).where(Job.workspace_id == workspace_id, Job.name == START_JOB)
        return list(uow.session.execute(q.order_by(Job.id)).scalars())


def _states(db: Database, workspace_id: int, ids: list[int]) -> list[str]:
    with db.transaction() as uow:
        return [catalog.get_enrollment(uow, workspace_id, i).state for i in ids]


def _start_audits(db: Database, workspace_id: int) -> int:
    with db.transaction() as uow:
        q = select(func.count()).where(
            AuditEvent.workspace_id == workspace_id, AuditEvent.action == "shop.activity.start"
        )
        return int(uow.session.execute(q).scalar_one())


def test_approved_enrollments_go_live_when_the_activity_starts(
    db: Database, frozen: clock.FrozenClock
) -> None:
    workspace_id = make_workspace(db).id
    shop, activity, ids = f.setup(db, workspace_id, 5)  # starts in two days
    with db.transaction() as uow:
        ids += [
            f.enrolled(uow, workspace_id, activity.id, shop.id, 1, state="pending_review")[0].id
        ]
    (job,) = _start_jobs(db, workspace_id)
    assert job.run_at == activity.starts_at
    assert job.dedupe_key == f"{START_JOB}:{activity.id}"
    assert job.payload == {"workspace_id": workspace_id, "activity_id": activity.id}

    drain(db, workspace_id)  # not due yet
    assert _states(db, workspace_id, ids[:5]) == ["approved"] * 5

    frozen.set(activity.starts_at)
    drain(db, workspace_id)
    assert _states(db, workspace_id, ids) == ["live"] * 5 + ["pending_review"]
    (job,) = _start_jobs(db, workspace_id)
    assert job.status == "done"
    assert _start_audits(db, workspace_id) == 1

    # Idempotent: the manual start (API, CLI) and a second run change and record nothing.
    with db.transaction() as uow:
        assert catalog.start_activity(uow, workspace_id, activity.id) == 0
        assert catalog.start_when_due(uow, workspace_id, activity.id) is None
    assert _start_audits(db, workspace_id) == 1


def test_a_run_before_the_start_waits_for_it(db: Database, frozen: clock.FrozenClock) -> None:
    workspace_id = make_workspace(db).id
    _shop, activity, ids = f.setup(db, workspace_id, 5)
    # A worker whose clock ran ahead claimed the job early: it must not start the activity.
    with db.transaction() as uow:
        job = uow.session.execute(
            select(Job).where(Job.workspace_id == workspace_id, Job.name == START_JOB)
        ).scalar_one()
        job.run_at = clock.now()
    drain(db, workspace_id)
    (job,) = _start_jobs(db, workspace_id)
    assert job.status == "queued"
    assert job.run_at == activity.starts_at
    assert _states(db, workspace_id, ids) == ["approved"] * 5
    assert _start_audits(db, workspace_id) == 0

    frozen.set(activity.starts_at + timedelta(minutes=3))
    drain(db, workspace_id)
    assert _states(db, workspace_id, ids) == ["live"] * 5
    assert _start_jobs(db, workspace_id)[0].status == "done"


def test_creating_an_activity_writes_exactly_one_start_job(db: Database) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        a = f.activity(uow, workspace_id)
        b = f.activity(uow, workspace_id, name="国庆节")
    jobs = _start_jobs(db, workspace_id)
    assert [j.payload["activity_id"] for j in jobs] == [a.id, b.id]
    with db.transaction() as uow:
        # A missing activity is nothing to do (the job finishes quietly).
        assert catalog.start_when_due(uow, workspace_id, 2**62) is None


def test_an_activity_created_after_its_start(db: Database) -> None:
    workspace_id = make_workspace(db).id
    _shop, activity, ids = f.setup(db, workspace_id, 5, started=True, state="pending_review")
    (job,) = _start_jobs(db, workspace_id)
    assert job.run_at == activity.starts_at  # already due
    drain(db, workspace_id)
    assert _start_jobs(db, workspace_id)[0].status == "done"
    assert _states(db, workspace_id, ids) == ["pending_review"] * 5  # the review has not happened
    assert _start_audits(db, workspace_id) == 0  # nothing moved, nothing recorded
    with db.transaction() as uow:
        for i in ids:
            catalog.review(uow, workspace_id, i, approve=True)
    assert _states(db, workspace_id, ids) == ["live"] * 5


def test_approving_after_the_start_goes_live(db: Database, frozen: clock.FrozenClock) -> None:
    workspace_id = make_workspace(db).id
    _shop, activity, ids = f.setup(db, workspace_id, 7, state="pending_review")
    with db.transaction() as uow:
        assert catalog.review(uow, workspace_id, ids[0], approve=True).state == "approved"
    frozen.set(activity.starts_at + timedelta(hours=1))
    drain(db, workspace_id)
    with db.transaction() as uow:
        assert catalog.review(uow, workspace_id, ids[1], approve=True).state == "live"
        assert catalog.review(uow, workspace_id, ids[2], approve=False).state == "rejected"
        actions = uow.session.execute(
            select(AuditEvent.action, AuditEvent.after)
            .where(AuditEvent.workspace_id == workspace_id, AuditEvent.object_id == str(ids[1]))
            .order_by(AuditEvent.id)
        ).all()
    assert actions[-1] == ("shop.enrollment.approved", {"state": "live"})
    assert _states(db, workspace_id, ids[:3]) == ["live", "live", "rejected"]


# the low-traffic window of shops in other time zones than the server's ----------------------


def _scheduled_at(db: Database, workspace_id: int, timezone: str, now: datetime) -> datetime:
    clock.set_clock(clock.FrozenClock(now))
    _shop, _activity, ids = f.setup(db, workspace_id, 10, timezone=timezone)
    with db.transaction() as uow:
        (batch,) = window_service.schedule_in_window(
            uow,
            workspace_id,
            Selection(enrollment_ids=ids[:1]),
            reason="plan_change",
            actor="user:1",
            role="operator",
        )
        return clock.ensure_utc(batch.run_at)


def test_window_of_a_shop_in_new_york_across_the_spring_dst_change(db: Database) -> None:
    workspace_id = make_workspace(db).id
    # Saturday 2026-03-07 12:00 EST; the next 01:00 local is on the DST day, still EST (UTC-5).
    at = _scheduled_at(
        db, workspace_id, "America/New_York", datetime(2026, 3, 7, 17, 0, tzinfo=UTC)
    )
    assert at == datetime(2026, 3, 8, 6, 0, tzinfo=UTC)


def test_window_of_a_shop_in_new_york_after_the_dst_change(db: Database) -> None:
    workspace_id = make_workspace(db).id
    # Sunday 2026-03-08 12:00 EDT; the next 01:00 local is EDT (UTC-4): an hour earlier in UTC.
    at = _scheduled_at(
        db, workspace_id, "America/New_York", datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    )
    assert at == datetime(2026, 3, 9, 5, 0, tzinfo=UTC)


def test_window_of_a_shop_west_of_utc_while_the_server_day_differs(db: Database) -> None:
    workspace_id = make_workspace(db).id
    # 2026-09-21 03:00 UTC is still the 20th in Los Angeles (20:00 PDT): the window is that
    # night's 01:00 PDT = 08:00 UTC on the 21st, not the server's next 01:00.
    at = _scheduled_at(
        db, workspace_id, "America/Los_Angeles", datetime(2026, 9, 21, 3, 0, tzinfo=UTC)
    )
    assert at == datetime(2026, 9, 21, 8, 0, tzinfo=UTC)
