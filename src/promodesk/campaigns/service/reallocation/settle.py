"""Steps 2 and 3 of a reallocation: send each pending item's budget to TikTok with no
transaction open, then record its outcome (done, failed with its money back in the pool, or
still pending); the job ``SETTLE_JOB`` and Retry run them again for what TikTok left
unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promodesk.accounts.errors import TikTokUnavailable
from promodesk.audit.service import record
from promodesk.campaigns.domain import reallocation as rules
from promodesk.campaigns.repository.reallocations import ReallocationsRepository
from promodesk.campaigns.service import changes, freed
from promodesk.campaigns.service.reallocation.views import pool_of, row, view
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import PromodeskError
from promodesk.kit.money import Money
from promodesk.models import CampaignReallocation, CampaignReallocationItem

# The safety net: settles what the request that started a reallocation left pending.
SETTLE_JOB = "campaigns.reallocation.settle"


def settle(db: Database, workspace_id: int, reallocation_id: int, *, actor: str = "system") -> None:
    """Send each pending item's budget to TikTok and record its outcome (steps 2 and 3): each
    item's outcome, its mirror and audit commit together in one short unit."""
    for outcome in send_pending(db, workspace_id, reallocation_id):
        with db.transaction() as uow:
            record_outcome(uow, workspace_id, reallocation_id, outcome, actor=actor)
    with db.transaction() as uow:
        finish(uow, workspace_id, reallocation_id, actor=actor)


@dataclass(frozen=True)
class Outcome:
    """What TikTok did with one item: ``sent`` (it took the budget), else ``error`` and whether
    it surely refused (``refused``: the money goes back) or did not answer (kept pending)."""

    item_id: int
    sent: changes.BudgetSent | None = None
    error: str = ""
    refused: bool = False


def send_pending(db: Database, workspace_id: int, reallocation_id: int) -> list[Outcome]:
    """Step 2, with no transaction open: each pending item's budget to TikTok."""
    with db.read() as uow:
        realloc = row(uow, workspace_id, reallocation_id)
        pending = [
            (i.id, i.campaign_row_id, i.after_minor)
            for i in ReallocationsRepository(uow).items(realloc.id)
            if i.status == rules.ItemStatus.PENDING.value
        ]
    outcomes: list[Outcome] = []
    for item_id, row_id, after_minor in pending:
        try:
            sent = changes.send_budget(db, workspace_id, row_id, after_minor)
        except TikTokUnavailable as exc:
            outcomes.append(Outcome(item_id, error=exc.detail))
            continue
        except PromodeskError as exc:
            outcomes.append(Outcome(item_id, error=exc.detail, refused=True))
            continue
        outcomes.append(Outcome(item_id, sent=sent))
    return outcomes


def record_outcome(
    uow: UnitOfWork, workspace_id: int, reallocation_id: int, outcome: Outcome, *, actor: str
) -> None:
    """Step 3 for one item, in the caller's unit: done (mirror, audit, read-back), failed (its
    money back to the pool) or still pending (TikTok did not answer). Nothing when another run
    settled the item meanwhile."""
    repo = ReallocationsRepository(uow)
    realloc = repo.get(workspace_id, reallocation_id, lock=True)
    item = repo.item(reallocation_id, outcome.item_id, lock=True)
    if realloc is None or item is None or item.status != rules.ItemStatus.PENDING.value:
        return
    if outcome.sent is not None:
        applied = changes.record_budget(
            uow, outcome.sent, actor=actor, action="campaign.budget.reallocated"
        )
        item.status = rules.ITEM_MACHINE.transition(item.status, rules.ItemStatus.DONE).value
        item.read_back_minor = applied.read_back_minor
        item.verified = applied.read_back_minor == item.after_minor
        item.error = (
            ""
            if item.verified
            else "TikTok took the update, but reading the campaign back did not show the new budget"
        )
        item.finished_at = clock.now()
    elif not outcome.refused:
        item.error = f"not settled yet: {outcome.error}"[:2000]
    else:
        _give_back(uow, workspace_id, realloc, item, outcome.error, actor)


def _give_back(
    uow: UnitOfWork,
    workspace_id: int,
    realloc: CampaignReallocation,
    item: CampaignReallocationItem,
    why: str,
    actor: str,
) -> None:
    item.status = rules.ITEM_MACHINE.transition(item.status, rules.ItemStatus.FAILED).value
    back = Money(item.amount_minor, realloc.currency).format()
    item.error = f"{why}; {back} went back to the pool"[:2000]
    item.finished_at = clock.now()
    freed.give_back(
        uow,
        workspace_id,
        pool_of(realloc),
        item.amount_minor,
        f"realloc-item:{item.id}",
        memo=f"reallocation {realloc.id}: TikTok refused campaign {item.campaign_id}",
    )
    item.returned = True
    realloc.returned_minor = int(realloc.returned_minor) + item.amount_minor
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="campaign.reallocation.returned",
        object_type="campaign_reallocation",
        object_id=realloc.id,
        after={
            "campaign_row_id": item.campaign_row_id,
            "returned_minor": item.amount_minor,
            "currency": realloc.currency,
            "error": why[:500],
        },
    )


def finish(uow: UnitOfWork, workspace_id: int, reallocation_id: int, *, actor: str) -> bool:
    """End the reallocation when no item is pending; True when it is final."""
    repo = ReallocationsRepository(uow)
    realloc = repo.get(workspace_id, reallocation_id, lock=True)
    if realloc is None:
        return True
    if realloc.status != rules.Status.RESERVED.value:
        return True
    status = rules.outcome(i.status for i in repo.items(realloc.id))
    if status is rules.Status.RESERVED:
        return False
    realloc.status = rules.MACHINE.transition(realloc.status, status).value
    realloc.finished_at = clock.now()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="campaign.reallocation.finished",
        object_type="campaign_reallocation",
        object_id=realloc.id,
        after={"status": realloc.status, "returned_minor": realloc.returned_minor},
    )
    return True


def retry(
    db: Database, workspace_id: int, reallocation_id: int, *, actor: str = "system"
) -> dict[str, Any]:
    """Send the items TikTok did not answer for again (an absolute budget: safe to repeat)."""
    settle(db, workspace_id, reallocation_id, actor=actor)
    with db.read() as uow:
        return view(uow, workspace_id, reallocation_id)
