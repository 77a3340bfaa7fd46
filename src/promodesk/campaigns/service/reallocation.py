"""Reallocate freed budget: move money out of a freed-budget pool into the budgets of other
campaigns on TikTok.

Three steps, so that no database transaction waits on TikTok (SQLite has one writer):
1. ``start`` — one unit of work: the plan (``campaigns.domain.reallocation.plan``, the same as
   the preview), the reallocation row with one item per campaign, and the money taken out of the
   pool with ``freed.use`` (ref ``realloc:{id}``). The pool's floor makes this safe against a
   second operator reallocating the same pool at once: the second posting fails with
   ``InsufficientFunds`` and answers ``PoolTooSmall`` ("only X left in the pool"), writing
   nothing. One reallocation per ``request_key`` (the Idempotency-Key, or the console's submit
   token): a retry returns the first.
2. ``settle`` — with no transaction open, each pending item's new budget goes to TikTok through
   ``changes.apply_budget`` (``campaign/update/``, then the campaign read back; mirror and audit
   in its own short unit). The budget sent is absolute (before + amount), so sending it again
   after a lost answer changes nothing more.
3. per item, a unit of work records the outcome: ``done`` (with the read-back budget and whether
   it matches), or ``failed`` with TikTok's words and its amount given back to the pool
   (``freed.give_back``, ref ``realloc-item:{item_id}``). When TikTok did not answer the item stays
   ``pending`` (the change may have reached TikTok): ``settle`` runs again on a retry. When no item
   is pending, the reallocation ends ``done``, ``partial`` or ``failed``.

Step 1 also writes a job (``SETTLE_JOB``, in the same transaction) that runs steps 2 and 3
again a few minutes later (``PROMODESK_ACCOUNTS_REALLOCATION_SETTLE_SECONDS``): whatever the
request left pending (TikTok did not answer, the process stopped) is settled without anyone
pressing Retry. The job sends in its prefetch (no transaction open) and records in its handler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from promodesk.accounts.errors import TikTokUnavailable
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.audit.service import record
from promodesk.campaigns.domain import reallocation as rules
from promodesk.campaigns.errors import PoolTooSmall, ReallocationRefused
from promodesk.campaigns.repository.budget import BudgetRepository
from promodesk.campaigns.repository.campaigns import CampaignsRepository
from promodesk.campaigns.repository.reallocations import ReallocationsRepository
from promodesk.campaigns.service import changes, freed
from promodesk.campaigns.settings import campaigns_settings
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import InsufficientFunds, NotFound, PromodeskError, ValidationFailed
from promodesk.kit.jobs import service as jobs
from promodesk.kit.money import Money, parse
from promodesk.models import CampaignReallocation, CampaignReallocationItem

# The safety net: settles what the request that started a reallocation left pending.
SETTLE_JOB = "campaigns.reallocation.settle"


@dataclass(frozen=True)
class Target:
    """Move ``amount`` (major units of the pool's currency, "50.00") to campaign ``row_id``."""

    row_id: int
    amount: str


def _minimums(currency: str) -> tuple[dict[str, int], dict[str, int]]:
    settings = campaigns_settings()

    def minor(table: dict[str, Any]) -> dict[str, int]:
        out: dict[str, int] = {}
        for code, value in table.items():
            if code.upper() == currency:
                out[currency] = parse(value, currency).amount
        return out

    return minor(settings.min_daily_budget), minor(settings.min_lifetime_budget)


def _account_advertisers(uow: UnitOfWork, workspace_id: int, ad_account_id: int) -> frozenset[int]:
    pairs = accounts_alloc.allocations_by_account(uow, workspace_id, [ad_account_id])
    return frozenset(a for p in pairs[ad_account_id] if isinstance(a := p["advertiser_id"], int))


def _candidate(uow: UnitOfWork, workspace_id: int, pool: freed.Pool, row_id: int) -> Any:
    repo = CampaignsRepository(uow)
    c = repo.get(workspace_id, row_id)
    if c is None:
        return None
    account = accounts_alloc.get_ad_account(uow, workspace_id, c.ad_account_id)
    alloc = repo.allocation_of_campaign(c.id)
    in_scope = rules.pool_funds(
        pool_advertiser_id=pool.advertiser_id,
        pool_ad_account_id=pool.ad_account_id,
        campaign_ad_account_id=c.ad_account_id,
        campaign_advertiser_id=None if alloc is None else alloc.advertiser_id,
        account_advertiser_ids=_account_advertisers(uow, workspace_id, c.ad_account_id),
    )
    return rules.Candidate(
        row_id=c.id,
        campaign_id=c.campaign_id,
        name=c.name or "",
        currency=account.currency,
        budget_mode=c.budget_mode,
        budget_minor=int(c.budget_minor or 0),
        deleted=c.deleted,
        vanished=c.vanished,
        in_scope=in_scope,
    )


def _asks(
    uow: UnitOfWork, workspace_id: int, pool: freed.Pool, targets: Sequence[Target]
) -> tuple[list[rules.Ask], dict[int, int | None]]:
    daily, lifetime = _minimums(pool.currency)
    asks: list[rules.Ask] = []
    minimums: dict[int, int | None] = {}
    for n, t in enumerate(targets):
        try:
            amount = rules.amount(t.amount, pool.currency)
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"campaign {t.row_id}: {exc.detail}", field=f"targets.{n}.amount"
            ) from None
        candidate = _candidate(uow, workspace_id, pool, t.row_id)
        if candidate is not None:
            minimums[candidate.row_id] = rules.minimum_minor(
                candidate.budget_mode, pool.currency, daily, lifetime
            )
        asks.append(rules.Ask(t.row_id, amount, candidate))
    return asks, minimums


def _held(uow: UnitOfWork, workspace_id: int, pool: freed.Pool) -> int:
    state = freed.pool_state(uow, workspace_id, pool)
    return 0 if state is None else state.balance_minor


def preview(
    uow: UnitOfWork, workspace_id: int, pool: freed.Pool, targets: Sequence[Target]
) -> rules.Plan:
    """Before → after budgets and the pool left; problems listed, nothing changed."""
    asks, minimums = _asks(uow, workspace_id, pool, targets)
    return rules.plan(pool.currency, _held(uow, workspace_id, pool), asks, minimums)


def plan_view(plan: rules.Plan, pool: freed.Pool) -> dict[str, Any]:
    return {
        "pool": freed.key_of(pool),
        "currency": plan.currency,
        "pool_before_minor": plan.pool_before_minor,
        "total_minor": plan.total_minor,
        "pool_after_minor": plan.pool_after_minor,
        "ok": plan.ok,
        "lines": [
            {
                "campaign_id": line.row_id,
                "tiktok_campaign_id": line.campaign_id,
                "name": line.name,
                "budget_mode": line.budget_mode,
                "daily": line.daily,
                "before_minor": line.before_minor,
                "amount_minor": line.amount_minor,
                "after_minor": line.after_minor,
                "minimum_minor": line.minimum_minor,
                "problem": line.problem,
                "detail": line.detail,
            }
            for line in plan.lines
        ],
        "problems": [
            {"code": p.code, "detail": p.detail, "campaign_id": p.row_id} for p in plan.problems
        ],
    }


def _shown(minor: int, currency: str) -> str:
    return Money(minor, currency).format()


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
                f"only {_shown(left, pool.currency)} left in the pool; the campaigns ask for "
                f"{_shown(plan.total_minor, pool.currency)}",
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
        realloc = _get(uow, workspace_id, reallocation_id)
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


def _get(uow: UnitOfWork, workspace_id: int, reallocation_id: int) -> CampaignReallocation:
    found = ReallocationsRepository(uow).get(workspace_id, reallocation_id)
    if found is None:
        raise NotFound(f"reallocation {reallocation_id} not found")
    return found


def _pool(realloc: CampaignReallocation) -> freed.Pool:
    return freed.Pool(realloc.advertiser_id, realloc.ad_account_id, realloc.currency)


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
    back = _shown(item.amount_minor, realloc.currency)
    item.error = f"{why}; {back} went back to the pool"[:2000]
    item.finished_at = clock.now()
    freed.give_back(
        uow,
        workspace_id,
        _pool(realloc),
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


def retry(
    db: Database, workspace_id: int, reallocation_id: int, *, actor: str = "system"
) -> dict[str, Any]:
    """Send the items TikTok did not answer for again (an absolute budget: safe to repeat)."""
    settle(db, workspace_id, reallocation_id, actor=actor)
    with db.read() as uow:
        return view(uow, workspace_id, reallocation_id)


def view(uow: UnitOfWork, workspace_id: int, reallocation_id: int) -> dict[str, Any]:
    realloc = _get(uow, workspace_id, reallocation_id)
    return _view(realloc, ReallocationsRepository(uow).items(realloc.id))


def _view(
    realloc: CampaignReallocation, items: Sequence[CampaignReallocationItem] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": realloc.id,
        "pool": freed.key_of(_pool(realloc)),
        "advertiser_id": realloc.advertiser_id,
        "ad_account_id": realloc.ad_account_id,
        "currency": realloc.currency,
        "total_minor": realloc.total_minor,
        "returned_minor": realloc.returned_minor,
        "used_minor": realloc.total_minor - realloc.returned_minor,
        "status": realloc.status,
        "note": realloc.note,
        "created_by": realloc.created_by,
        "created_at": realloc.created_at,
        "finished_at": realloc.finished_at,
    }
    if items is not None:
        out["items"] = [
            {
                "id": i.id,
                "campaign_id": i.campaign_row_id,
                "tiktok_campaign_id": i.campaign_id,
                "ad_account_id": i.ad_account_id,
                "name": i.name,
                "budget_mode": i.budget_mode,
                "amount_minor": i.amount_minor,
                "before_minor": i.before_minor,
                "after_minor": i.after_minor,
                "status": i.status,
                "error": i.error,
                "read_back_minor": i.read_back_minor,
                "verified": i.verified,
                "returned": i.returned,
                "finished_at": i.finished_at,
            }
            for i in items
        ]
    return out


def reallocation_page(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    pool: freed.Pool | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Newest first, without items; ``limit + 1`` rows tell whether there is a next page."""
    rows = ReallocationsRepository(uow).page(
        workspace_id,
        before_id=before_id,
        limit=limit,
        pool_code=None if pool is None else pool.code,
    )
    return [_view(r, None) for r in rows]


def candidates(uow: UnitOfWork, workspace_id: int, pool: freed.Pool) -> list[dict[str, Any]]:
    """The campaigns that may take the pool's money: live, with a daily or lifetime budget,
    that the pool may fund (``rules.pool_funds``), in the pool's currency."""
    currencies: dict[int, str] = {}
    owners: dict[int, frozenset[int]] = {}
    out: list[dict[str, Any]] = []
    daily, lifetime = _minimums(pool.currency)
    for c, advertiser in BudgetRepository(uow).pool_campaigns(
        workspace_id, advertiser_id=pool.advertiser_id, ad_account_id=pool.ad_account_id
    ):
        if c.ad_account_id not in owners:
            owners[c.ad_account_id] = _account_advertisers(uow, workspace_id, c.ad_account_id)
        if not rules.pool_funds(
            pool_advertiser_id=pool.advertiser_id,
            pool_ad_account_id=pool.ad_account_id,
            campaign_ad_account_id=c.ad_account_id,
            campaign_advertiser_id=advertiser,
            account_advertiser_ids=owners[c.ad_account_id],
        ):
            continue
        if c.budget_mode == rules.INFINITE or not c.budget_mode:
            continue
        if c.ad_account_id not in currencies:
            account = accounts_alloc.get_ad_account(uow, workspace_id, c.ad_account_id)
            currencies[c.ad_account_id] = account.currency.upper()
        if currencies[c.ad_account_id] != pool.currency:
            continue
        out.append(
            {
                "id": c.id,
                "campaign_id": c.campaign_id,
                "name": c.name or "",
                "ad_account_id": c.ad_account_id,
                "operation_status": c.operation_status,
                "budget_mode": c.budget_mode,
                "budget_minor": int(c.budget_minor or 0),
                "daily": c.budget_mode in rules.DAILY_MODES,
                "minimum_minor": rules.minimum_minor(c.budget_mode, pool.currency, daily, lifetime),
            }
        )
    return out
