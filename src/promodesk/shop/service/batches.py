"""Cancel a selection: now (inline, all or nothing), in the next low-traffic window (a durable
job, cancellable until it runs), or as a batch (a job working chunk by chunk, each chunk its own
transaction, with a progress bar, per-item error codes and "retry the failed ones").

Rules:
- Forcing a guardrail violation needs the admin role (403 otherwise).
- A window schedule makes one batch per (shop, activity): the window is the activity's rule in
  the shop's time zone. Guardrails are checked when it runs, not when it is scheduled.
- An enrollment waiting in a scheduled window batch (not run, not called off) is refused for
  another schedule or cancel (409 ``AlreadyScheduled`` naming the batch); the guardrails count
  such scheduled cancellations as if done.
- A batch item is finished exactly once (compare-and-set pending → done/failed in the chunk's
  transaction); a worker killed mid-chunk rolls the chunk back and the next run redoes it.
- When a batch finishes, a verification job is enqueued after the activities' delay; its done
  items in activities of a linked shop's platform are removed there too, as recorded writes
  verified by reading back (``platform_actions.enrollments``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from promodesk.kit.jobs import service as jobs
from promodesk.models import ShopBatch
from promodesk.operations import service as operations
from promodesk.shop.domain.batches import (
    BATCHES,
    FINISHED,
    RETRYABLE,
    BatchStatus,
    ItemStatus,
    outcome,
)
from promodesk.shop.domain.enrollments import CANCELLABLE, parse_reason, parse_state
from promodesk.shop.errors import AlreadyScheduled, GuardrailViolation, NothingToDo
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service import alerts
from promodesk.shop.service.cancel import process_items
from promodesk.shop.service.platform_actions.enrollments import record_batch_removals
from promodesk.shop.settings import shop_settings
from promodesk.tenancy.domain import Role, at_least

BATCH_JOB = "shop.batch"
VERIFY_JOB = "shop.verify"


@dataclass(frozen=True)
class Selection:
    """Which enrollments: explicit ids, or filters (activity, shop, products, states)."""

    enrollment_ids: list[int] | None = None
    activity_id: int | None = None
    shop_id: int | None = None
    product_ids: list[int] | None = None
    states: list[str] | None = None

    def filters(self) -> dict[str, Any]:
        """Explicit ids are taken as given (items that cannot be cancelled are reported per
        item); filters select the cancellable states unless told otherwise."""
        states: list[str] | None = self.states
        if states is None and self.enrollment_ids is None:
            states = sorted(CANCELLABLE)
        for state in states or []:
            parse_state(state)
        return {
            "ids": self.enrollment_ids,
            "activity_id": self.activity_id,
            "shop_id": self.shop_id,
            "product_ids": self.product_ids,
            "states": states,
        }


def resolve(uow: UnitOfWork, workspace_id: int, selection: Selection) -> list[int]:
    if (
        selection.enrollment_ids is None
        and selection.activity_id is None
        and selection.product_ids is None
        and selection.shop_id is None
    ):
        raise ValidationFailed(
            "select enrollments by ids, activity, shop or products", field="enrollment_ids"
        )
    ids = ShopRepository(uow).enrollment_ids(workspace_id, **selection.filters())
    if len(ids) > shop_settings().max_selection:
        raise ValidationFailed("the selection is too large", field="enrollment_ids")
    return ids


def refuse_scheduled(uow: UnitOfWork, workspace_id: int, ids: list[int]) -> None:
    """409 when any of ``ids`` already waits in a scheduled window batch."""
    found = BatchRepository(uow).scheduled_items(workspace_id, ids)
    if not found:
        return
    first = min(found)
    batch_id, run_at = found[first]
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    raise AlreadyScheduled(
        f"enrollment {first}{more} is already scheduled to be cancelled in batch {batch_id} "
        f"(runs at {run_at.isoformat()}); call that batch off first",
        field="enrollment_ids",
        message=N_(
            "%(n)s of the selected products already wait in scheduled batch %(batch)s; "
            "call that batch off first."
        ),
        params={"n": len(found), "batch": batch_id},
        scheduled={str(e): b for e, (b, _at) in sorted(found.items())},
    )


def scheduled_counts(uow: UnitOfWork, workspace_id: int, activity_id: int, shop_id: int) -> int:
    """Cancellations of one (activity, shop) waiting in a scheduled window batch."""
    return BatchRepository(uow).scheduled_count(workspace_id, activity_id, shop_id)


def check_force(force: bool, role: str) -> None:
    if force and not at_least(role, Role.ADMIN):
        raise Forbidden("forcing a guardrail violation needs the admin role or higher")


def new_batch(
    uow: UnitOfWork,
    workspace_id: int,
    ids: list[int],
    *,
    mode: str,
    reason: str,
    text: str,
    force: bool,
    actor: str,
    all_or_nothing: bool,
    status: str,
    shop_id: int | None = None,
    run_at: Any = None,
) -> ShopBatch:
    brepo = BatchRepository(uow)
    batch = brepo.add(
        ShopBatch(
            workspace_id=workspace_id,
            shop_id=shop_id,
            mode=mode,
            all_or_nothing=all_or_nothing,
            reason_code=reason,
            reason_text=text,
            force=force,
            status=status,
            run_at=run_at or clock.now(),
            total=len(ids),
            done=0,
            failed=0,
            created_by=actor,
        )
    )
    brepo.add_items(workspace_id, batch.id, ids)
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action=f"shop.batch.{mode}",
        object_type="shop_batch",
        object_id=batch.id,
        after={
            "total": len(ids),
            "reason": reason,
            "force": force,
            "run_at": batch.run_at.isoformat(),
        },
    )
    return batch


def cancel_now(
    uow: UnitOfWork,
    workspace_id: int,
    selection: Selection,
    *,
    reason: str,
    reason_text: str = "",
    force: bool = False,
    actor: str,
    role: str,
) -> ShopBatch:
    """Cancel the selection now, all or nothing: a guardrail violation refuses everything
    (``GuardrailViolation`` with the rule, the numbers and the alternatives) unless forced."""
    code, text = parse_reason(reason, reason_text)
    check_force(force, role)
    ids = resolve(uow, workspace_id, selection)
    if not ids:
        raise NothingToDo("no cancellable enrollment in the selection")
    refuse_scheduled(uow, workspace_id, ids)
    batch = new_batch(
        uow,
        workspace_id,
        ids,
        mode="now",
        reason=code.value,
        text=text,
        force=force,
        actor=actor,
        all_or_nothing=True,
        status=BatchStatus.RUNNING,
    )
    brepo = BatchRepository(uow)
    while True:
        items = brepo.pending_chunk(batch.id, shop_settings().batch_chunk_size)
        if not items:
            break
        process_items(
            uow,
            workspace_id,
            batch,
            items,
            clock.now(),
            actor=actor,
            admin=at_least(role, Role.ADMIN),
        )
    _finish(uow, workspace_id, batch.id)
    return get_batch(uow, workspace_id, batch.id)


def start_batch(
    uow: UnitOfWork,
    workspace_id: int,
    selection: Selection | None = None,
    *,
    enrollment_ids: list[int] | None = None,
    reason: str,
    reason_text: str = "",
    force: bool = False,
    actor: str,
    role: str,
) -> ShopBatch:
    """A batch job over the selection: per-item results, progress, retry of failed items."""
    code, text = parse_reason(reason, reason_text)
    check_force(force, role)
    ids = (
        enrollment_ids
        if enrollment_ids is not None
        else resolve(uow, workspace_id, selection or Selection())
    )
    if not ids:
        raise NothingToDo("no cancellable enrollment in the selection")
    refuse_scheduled(uow, workspace_id, ids)
    batch = new_batch(
        uow,
        workspace_id,
        ids,
        mode="batch",
        reason=code.value,
        text=text,
        force=force,
        actor=actor,
        all_or_nothing=False,
        status=BatchStatus.RUNNING,
    )
    start_operation(uow, workspace_id, batch, f"Cancel {len(ids)} enrollments", actor)
    return batch


def start_operation(
    uow: UnitOfWork, workspace_id: int, batch: ShopBatch, title: str, actor: str
) -> None:
    items = BatchRepository(uow).item_counts(batch.id)
    op = operations.start(
        uow,
        workspace_id,
        "shop.batch_cancel",
        title=title,
        total=items.get(ItemStatus.PENDING, 0),
        created_by=actor,
    )
    job = jobs.enqueue(
        uow,
        BATCH_JOB,
        {"workspace_id": workspace_id, "batch_id": batch.id},
        workspace_id=workspace_id,
        run_at=batch.run_at,
    )
    batch.operation_id, batch.job_id = op.id, job.id
    uow.flush()


def retry_failed(
    uow: UnitOfWork, workspace_id: int, batch_id: int, *, actor: str, role: str
) -> ShopBatch:
    """Queue the failed items of a finished batch again (the done ones are not touched)."""
    brepo = BatchRepository(uow)
    batch = get_batch(uow, workspace_id, batch_id, lock=True)
    if batch.status not in RETRYABLE:
        raise Conflict(
            f"batch {batch_id} is {batch.status}; only a batch with failed items can be retried",
            message=N_(
                "Batch %(batch)s is %(batch_status)s; only a batch with failed items can be "
                "retried."
            ),
            params={"batch": batch_id, "batch_status": batch.status},
        )
    check_force(bool(batch.force), role)
    again = brepo.requeue_failed(batch.id)
    if not again:
        raise NothingToDo(
            f"batch {batch_id} has no failed items",
            message=N_("Batch %(batch)s has no failed items."),
            params={"batch": batch_id},
        )
    BATCHES.transition(batch.status, BatchStatus.RUNNING)
    brepo.set_batch(
        batch.id,
        [batch.status],
        status=BatchStatus.RUNNING,
        finished_at=None,
        run_at=clock.now(),
        all_or_nothing=False,
    )
    uow.session.refresh(batch)
    start_operation(
        uow, workspace_id, batch, f"Retry {again} failed items of batch {batch.id}", actor
    )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="shop.batch.retry",
        object_type="shop_batch",
        object_id=batch.id,
        after={"items": again},
    )
    return get_batch(uow, workspace_id, batch_id)


def run_step(uow: UnitOfWork, workspace_id: int, batch_id: int) -> bool:
    """One chunk of a batch job; True while items remain. Safe to run again after a crash."""
    brepo = BatchRepository(uow)
    batch = brepo.batch(workspace_id, batch_id, lock=True)
    if batch is None or batch.status in FINISHED:
        return False
    if batch.status == BatchStatus.SCHEDULED:
        if batch.run_at > clock.now():
            return False
        BATCHES.transition(batch.status, BatchStatus.RUNNING)
        brepo.set_batch(batch.id, [batch.status], status=BatchStatus.RUNNING)
        uow.session.refresh(batch)
    items = brepo.pending_chunk(batch.id, shop_settings().batch_chunk_size)
    if not items:
        _finish(uow, workspace_id, batch.id)
        return False
    admin = True  # the creator's role was checked when the batch was made
    try:
        with uow.savepoint():
            result = process_items(
                uow, workspace_id, batch, items, clock.now(), actor=batch.created_by, admin=admin
            )
    except GuardrailViolation as refused:
        _refuse_all(uow, workspace_id, batch, refused)
        return False
    if batch.operation_id is not None:
        operations.progress(
            uow,
            batch.operation_id,
            done=len(result.done),
            failed=len(result.failed),
            errors=result.failed[:20],
        )
    # The activities this chunk finished leave the platform now, while the rest runs.
    record_batch_removals(uow, workspace_id, batch.id, {int(i.activity_id) for i in items})
    return True


def _refuse_all(
    uow: UnitOfWork, workspace_id: int, batch: ShopBatch, refused: GuardrailViolation
) -> None:
    """An all-or-nothing batch (a window run) met a guardrail: every item fails, the team is
    told, nothing else changes."""
    brepo = BatchRepository(uow)
    violation = refused.extra.get("violations", [{}])[0].get("verdict", {})
    rule = (violation.get("violations") or [{}])[0].get("rule", "refused")
    now = clock.now()
    failed = 0
    while items := brepo.pending_chunk(batch.id, 5000):
        failed += brepo.finish_items(
            [i.id for i in items],
            ItemStatus.FAILED,
            now,
            f"GUARDRAIL_{str(rule).upper()}",
            refused.detail[:500],
        )
    brepo.bump_batch(batch.id, 0, failed)
    if batch.operation_id is not None:
        operations.progress(
            uow,
            batch.operation_id,
            failed=failed,
            errors=[{"code": f"GUARDRAIL_{str(rule).upper()}", "detail": refused.detail}],
        )
    _finish(uow, workspace_id, batch.id)
    if batch.shop_id is not None:
        alerts.batch_refused(uow, workspace_id, batch.shop_id, batch.id, refused.to_body())


def _finish(uow: UnitOfWork, workspace_id: int, batch_id: int) -> None:
    brepo = BatchRepository(uow)
    counts = brepo.item_counts(batch_id)
    done, failed = counts.get(ItemStatus.DONE, 0), counts.get(ItemStatus.FAILED, 0)
    status = outcome(done, failed)
    now = clock.now()
    brepo.set_batch(
        batch_id,
        BATCHES.sources_for(status),
        status=status,
        finished_at=now,
        done=done,
        failed=failed,
    )
    batch = brepo.batch(workspace_id, batch_id)
    if batch.operation_id is not None:
        operations.finish(uow, batch.operation_id)
    if done:
        alerts.cancel_done(uow, workspace_id, batch_id, batch.reason_code, batch.created_by, failed)
        # A linked shop's cancels reach its platform: recorded removals, verified there.
        record_batch_removals(uow, workspace_id, batch_id)
        delay = brepo.batch_activity_delay(batch_id)
        jobs.enqueue(
            uow,
            VERIFY_JOB,
            {"workspace_id": workspace_id, "batch_id": batch_id},
            run_at=now + timedelta(minutes=delay),
            workspace_id=workspace_id,
            dedupe_key=f"{VERIFY_JOB}:{batch_id}:{done}",
        )
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=batch.created_by,
        action="shop.batch.finish",
        object_type="shop_batch",
        object_id=batch_id,
        after={"status": status.value, "done": done, "failed": failed},
    )


def get_batch(
    uow: UnitOfWork, workspace_id: int, batch_id: int, *, lock: bool = False
) -> ShopBatch:
    batch = BatchRepository(uow).batch(workspace_id, batch_id, lock=lock)
    if batch is None:
        raise NotFound(f"batch {batch_id} not found")
    return batch  # type: ignore[no-any-return]


def list_batches(
    uow: UnitOfWork, workspace_id: int, before_id: int | None = None, limit: int = 50
) -> list[Any]:
    """The workspace's batches, newest first, ``limit`` below ``before_id``."""
    return BatchRepository(uow).batches(workspace_id, before_id, limit)


def batch_items(
    uow: UnitOfWork,
    workspace_id: int,
    batch_id: int,
    *,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[Any]:
    get_batch(uow, workspace_id, batch_id)
    if status is not None and status not in set(ItemStatus):
        raise ValidationFailed("status is pending, done or failed", field="status")
    return BatchRepository(uow).items(batch_id, status, after_id, limit)
