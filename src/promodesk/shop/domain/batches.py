"""The lifecycle of a cancel batch and of its items.

Rules:
- A batch is made ``running`` (cancel now, a batch) or ``scheduled`` (in the next low-traffic
  window). A scheduled batch starts running at its time or is called off (``cancelled``: its
  products untouched). A running batch finishes ``done`` (every item cancelled), ``failed``
  (none) or ``partial``; a failed or partial batch runs again when its failed items are retried.
- An item is ``pending`` until a chunk finishes it, exactly once, as ``done`` or ``failed``; a
  retry puts the failed ones back to ``pending``.
- Every change goes through ``BATCHES`` / ``ITEMS`` (``kit.statemachine``) and is written as a
  compare-and-set from the status seen.
"""

from __future__ import annotations

from enum import StrEnum

from promodesk.kit.statemachine import StateMachine


class BatchStatus(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    DONE = "done"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"  # called off before it ran


B = BatchStatus
BATCH_ALLOWED: dict[BatchStatus, frozenset[BatchStatus]] = {
    B.SCHEDULED: frozenset({B.RUNNING, B.CANCELLED}),
    B.RUNNING: frozenset({B.DONE, B.PARTIAL, B.FAILED}),
    B.PARTIAL: frozenset({B.RUNNING}),  # retry the failed items
    B.FAILED: frozenset({B.RUNNING}),
    B.DONE: frozenset(),
    B.CANCELLED: frozenset(),
}
BATCHES = StateMachine(BatchStatus, BATCH_ALLOWED, noun="the batch")

#: statuses with nothing left to run (a retry may start a failed or partial one again)
FINISHED = frozenset({B.DONE, B.PARTIAL, B.FAILED, B.CANCELLED})
#: statuses whose failed items may be retried
RETRYABLE = frozenset({B.PARTIAL, B.FAILED})


class ItemStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


ITEM_ALLOWED: dict[ItemStatus, frozenset[ItemStatus]] = {
    ItemStatus.PENDING: frozenset({ItemStatus.DONE, ItemStatus.FAILED}),
    ItemStatus.DONE: frozenset(),
    ItemStatus.FAILED: frozenset({ItemStatus.PENDING}),  # retried
}
ITEMS = StateMachine(ItemStatus, ITEM_ALLOWED, noun="the batch item")


def outcome(done: int, failed: int) -> BatchStatus:
    """How a running batch finishes, from its items."""
    if not failed:
        return B.DONE
    return B.FAILED if not done else B.PARTIAL
