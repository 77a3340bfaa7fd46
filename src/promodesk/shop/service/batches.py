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

Running a batch's chunks and finishing it live in ``batch_run``.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    RETRYABLE,
    BatchStatus,
    ItemStatus,
)
from promodesk.shop.domain.enrollments import CANCELLABLE, parse_reason, parse_state
from promodesk.shop.errors import AlreadyScheduled, NothingToDo
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.service.batch_run import BATCH_JOB, finish
from promodesk.shop.service.batch_run import VERIFY_JOB as VERIFY_JOB
from promodesk.shop.service.batch_run import run_step as run_step
from promodesk.shop.service.cancel import process_items
from promodesk.shop.settings import shop_settings
from promodesk.tenancy.domain import Role, at_least


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
    finish(uow, workspace_id, batch.id)
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
