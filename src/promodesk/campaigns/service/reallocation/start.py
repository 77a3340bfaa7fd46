"""Step 1 of a reallocation: record it and take its money out of the pool, in one unit of work;
and ``reallocate``, the whole of it (start, then settle).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from promodesk.audit.service import record
from promodesk.campaigns.domain import reallocation as rules
from promodesk.campaigns.errors import PoolTooSmall, ReallocationRefused
from promodesk.campaigns.repository.campaigns import CampaignsRepository
from promodesk.campaigns.repository.reallocations import ReallocationsRepository
from promodesk.campaigns.service import freed
from promodesk.campaigns.service.reallocation.plan import Target, plan_view, preview
from promodesk.campaigns.service.reallocation.settle import SETTLE_JOB, settle
from promodesk.campaigns.service.reallocation.views import view
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import InsufficientFunds, PromodeskError
from promodesk.kit.jobs import service as jobs
from promodesk.kit.money import Money
from promodesk.models import CampaignReallocation, CampaignReallocationItem


def _refuse(plan: rules.Plan, pool: freed.Pool) -> PromodeskError:
    codes = {p.code for p in plan.problems}
    body = plan_view(plan, pool)
    if codes == {"pool_too_small"}:
        return PoolTooSmall(
            plan.problems[0].detail,
            reason="pool_too_small",
            left_minor=max(plan.pool_before_minor, 0),
            currency=plan.currency,
        )
    detail = "; ".join(
        (f"campaign {p.row_id}: " if p.row_id is not None else "") + p.detail for p in plan.problems
    )
    return ReallocationRefused(detail, reason="reallocation_refused", problems=body["problems"])


def start(
    db: Database,
    workspace_id: int,
    pool: freed.Pool,
    targets: Sequence[Target],
    *,
    actor: str = "system",
    request_key: str | None = None,
    note: str = "",
) -> int:
    """Record the reallocation and take its money out of the pool (step 1); its id. The same
    ``request_key`` again returns the first reallocation's id and takes nothing more."""
    with db.transaction() as uow:
        repo = ReallocationsRepository(uow)
        if request_key:
            found = repo.by_key(workspace_id, request_key)
            if found is not None:
                return found.id
        plan = preview(uow, workspace_id, pool, targets)
        if not plan.ok:
            raise _refuse(plan, pool)
        realloc = repo.add(
            CampaignReallocation(
                workspace_id=workspace_id,
                pool_code=pool.code,
                advertiser_id=pool.advertiser_id,
                ad_account_id=pool.ad_account_id,
                currency=pool.currency,
                total_minor=plan.total_minor,
                returned_minor=0,
                status=rules.Status.RESERVED.value,
                note=note[:2000],
                created_by=actor,
                request_key=request_key or None,
            )
        )
        for line in plan.lines:
            c = CampaignsRepository(uow).get(workspace_id, line.row_id)
            assert c is not None  # the plan found it in this same unit
            repo.add_item(
                CampaignReallocationItem(
                    reallocation_id=realloc.id,
                    workspace_id=workspace_id,
                    ad_account_id=c.ad_account_id,
                    campaign_row_id=line.row_id,
                    campaign_id=line.campaign_id,
                    name=line.name[:512],
                    budget_mode=line.budget_mode,
                    amount_minor=line.amount_minor,
                    before_minor=line.before_minor,
                    after_minor=line.after_minor,
                    status=rules.ItemStatus.PENDING.value,
                )
            )
        try:
            freed.use(
                uow,
                workspace_id,
                pool,
                plan.total_minor,
                f"realloc:{realloc.id}",
                memo=f"reallocation {realloc.id}",
            )
        except InsufficientFunds:
            left = freed.balance(uow, workspace_id, pool)
            raise PoolTooSmall(
                f"only {Money(left, pool.currency).format()} left in the pool; the campaigns "
                f"ask for {Money(plan.total_minor, pool.currency).format()}",
                reason="pool_too_small",
                left_minor=left,
                currency=pool.currency,
            ) from None
        settings = campaigns_settings()
        jobs.enqueue(
            uow,
            SETTLE_JOB,
            {"reallocation_id": realloc.id, "actor": actor, "round": 1},
            run_at=clock.now() + timedelta(seconds=settings.reallocation_settle_seconds),
            dedupe_key=f"{SETTLE_JOB}:{realloc.id}",
            workspace_id=workspace_id,
        )
        record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action="campaign.reallocation",
            object_type="campaign_reallocation",
            object_id=realloc.id,
            before={"pool": freed.key_of(pool), "pool_minor": plan.pool_before_minor},
            after={
                "pool_minor": plan.pool_after_minor,
                "total_minor": plan.total_minor,
                "currency": pool.currency,
                "campaigns": {str(line.row_id): line.amount_minor for line in plan.lines},
            },
        )
        return realloc.id


def reallocate(
    db: Database,
    workspace_id: int,
    pool: freed.Pool,
    targets: Sequence[Target],
    *,
    actor: str = "system",
    request_key: str | None = None,
    note: str = "",
) -> dict[str, Any]:
    """``start`` then ``settle``: the reallocation as it ended (``view``)."""
    reallocation_id = start(
        db, workspace_id, pool, targets, actor=actor, request_key=request_key, note=note
    )
    settle(db, workspace_id, reallocation_id, actor=actor)
    with db.read() as uow:
        return view(uow, workspace_id, reallocation_id)
