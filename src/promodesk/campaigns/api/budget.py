"""Budget: live budgets, balances and freed budget per client, advertiser and ad account;
reallocations and Business Center transfers.

Routes that call TikTok commit the request's unit of work first (no transaction waits on
TikTok). Their Idempotency-Key also names the reallocation or transfer it created, so a retry
after a lost answer returns the first one and never takes money twice.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from promodesk.campaigns.schemas.budget import (
    BudgetRead,
    PoolHistoryRead,
    PoolPage,
    ReallocationCreate,
    ReallocationPage,
    ReallocationPreview,
    ReallocationRead,
    TransferCreate,
    TransferPage,
    TransferRead,
)
from promodesk.campaigns.service import freed, transfers
from promodesk.campaigns.service.budget import pools
from promodesk.campaigns.service.budget import view as budget
from promodesk.campaigns.service.reallocation import plan as realloc_plan
from promodesk.campaigns.service.reallocation import settle as realloc_settle
from promodesk.campaigns.service.reallocation import start as realloc_start
from promodesk.campaigns.service.reallocation import views as realloc_views
from promodesk.kit.pagination import after, fetch, page
from promodesk.tenancy.domain import Principal
from promodesk.web import ApiRoute, Caller, Cursor, Limit, OptId, Uow, Writer, state

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["tiktok budget"])

IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


def _key(caller: Principal, key: str | None) -> str | None:
    return f"api:{caller.actor}:{key}"[:255] if key else None


def _targets(body: ReallocationCreate) -> list[realloc_plan.Target]:
    return [realloc_plan.Target(t.campaign_id, t.amount) for t in body.targets]


@router.get("/budget", response_model=BudgetRead)
def get_budget(
    request: Request,
    uow: Uow,
    caller: Caller,
    client_id: OptId = None,
    advertiser_id: OptId = None,
    ad_account_id: OptId = None,
    balances: Annotated[bool, Query(description="ask TikTok for the balances")] = True,
) -> BudgetRead:
    """Per client account → advertiser → ad account: live daily and lifetime budgets, today's
    pacing, the balance from TikTok (``available: false`` with the reason when TikTok cannot
    give it), and the freed-budget pools. An unknown filter id is 404, never a wider view."""
    uow.commit()  # no transaction stays open while TikTok answers
    view = budget.budget_view(
        state(request).db,
        caller.workspace_id,
        budget.Filters(client_id, advertiser_id, ad_account_id),
        with_balances=balances,
    )
    return BudgetRead(**view)


@router.get("/budget/pools", response_model=PoolPage)
def list_pools(
    uow: Uow,
    caller: Caller,
    pool: Annotated[
        str | None, Query(max_length=220, description="one pool: adv:ID:CUR or acct:ID:CUR")
    ] = None,
) -> PoolPage:
    """The freed-budget pools with their ledger history, newest line first. An unknown ``pool``
    is 404, never a wider list."""
    if pool is not None:
        items = [pools.pool_history(uow, caller.workspace_id, freed.parse_pool(pool))]
    else:
        items = pools.pool_histories(uow, caller.workspace_id)
    return PoolPage(items=[PoolHistoryRead(**i) for i in items], next_cursor=None)


@router.post("/reallocations/preview", response_model=ReallocationPreview)
def preview_reallocation(body: ReallocationCreate, uow: Uow, caller: Writer) -> ReallocationPreview:
    """Before → after budgets, TikTok's minimums and the pool left; ``problems`` lists every
    broken rule. Nothing changes."""
    pool = freed.parse_pool(body.pool)
    plan = realloc_plan.preview(uow, caller.workspace_id, pool, _targets(body))
    return ReallocationPreview(**realloc_plan.plan_view(plan, pool))


@router.post("/reallocations", response_model=ReallocationRead, status_code=201)
def create_reallocation(
    body: ReallocationCreate,
    request: Request,
    uow: Uow,
    caller: Writer,
    idempotency_key: IdemKey = None,
) -> ReallocationRead:
    """Take the money from the pool and raise the campaigns' budgets on TikTok, each read
    back. 409 ``PoolTooSmall`` ("only X left in the pool", ``left_minor``) when the pool holds
    less (another operator may have used it); 409 ``ReallocationRefused`` with ``problems``
    for a broken rule. An item TikTok refused is ``failed`` and its money is back in the pool;
    one TikTok did not answer stays ``pending`` (POST .../retry)."""
    pool = freed.parse_pool(body.pool)
    uow.commit()
    out = realloc_start.reallocate(
        state(request).db,
        caller.workspace_id,
        pool,
        _targets(body),
        actor=caller.actor,
        request_key=_key(caller, idempotency_key),
        note=body.note,
    )
    return ReallocationRead(**out)


@router.get("/reallocations", response_model=ReallocationPage)
def list_reallocations(
    uow: Uow,
    caller: Caller,
    pool: Annotated[str | None, Query(max_length=220, description="a pool key")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ReallocationPage:
    """Newest first."""
    rows = realloc_views.reallocation_page(
        uow,
        caller.workspace_id,
        pool=None if pool is None else freed.parse_pool(pool),
        before_id=after(cursor),
        limit=fetch(limit),
    )
    return ReallocationPage(
        **page([ReallocationRead(**r) for r in rows], limit, key=lambda r: r.id)
    )


@router.get("/reallocations/{reallocation_id}", response_model=ReallocationRead)
def get_reallocation(reallocation_id: int, uow: Uow, caller: Caller) -> ReallocationRead:
    return ReallocationRead(**realloc_views.view(uow, caller.workspace_id, reallocation_id))


@router.post("/reallocations/{reallocation_id}/retry", response_model=ReallocationRead)
def retry_reallocation(
    reallocation_id: int, request: Request, uow: Uow, caller: Writer
) -> ReallocationRead:
    """Send the items TikTok did not answer for again (an absolute budget: safe to repeat)."""
    realloc_views.view(uow, caller.workspace_id, reallocation_id)  # 404 first
    uow.commit()
    return ReallocationRead(
        **realloc_settle.retry(
            state(request).db, caller.workspace_id, reallocation_id, actor=caller.actor
        )
    )


@router.post("/budget/transfers", response_model=TransferRead, status_code=201)
def create_transfer(
    body: TransferCreate,
    request: Request,
    uow: Uow,
    caller: Writer,
    idempotency_key: IdemKey = None,
) -> TransferRead:
    """Move cash between two agency-paid ad accounts through the agency's Business Center
    (``bc/transfer/``, out of one into the BC, then into the other; TikTok moves money once
    per leg's ``request_id``). 409 ``NoBusinessCenter`` without a configured BC; 409
    ``TransferRefused`` (``reason``) for self-paid accounts, one account twice or two
    currencies. A leg TikTok refused is in ``error``; ``status`` says where the cash is."""
    uow.commit()
    out = transfers.transfer(
        state(request).db,
        caller.workspace_id,
        from_ad_account_id=body.from_ad_account_id,
        to_ad_account_id=body.to_ad_account_id,
        amount=body.amount,
        actor=caller.actor,
        request_key=_key(caller, idempotency_key),
        note=body.note,
    )
    return TransferRead(**out)


@router.get("/budget/transfers", response_model=TransferPage)
def list_transfers(
    uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None
) -> TransferPage:
    rows = transfers.transfer_page(
        uow, caller.workspace_id, before_id=after(cursor), limit=fetch(limit)
    )
    return TransferPage(**page([TransferRead(**r) for r in rows], limit, key=lambda r: r.id))


@router.get("/budget/transfers/{transfer_id}", response_model=TransferRead)
def get_transfer(transfer_id: int, uow: Uow, caller: Caller) -> TransferRead:
    return TransferRead(**transfers.get(uow, caller.workspace_id, transfer_id))


@router.post("/budget/transfers/{transfer_id}/retry", response_model=TransferRead)
def retry_transfer(transfer_id: int, request: Request, uow: Uow, caller: Writer) -> TransferRead:
    """Send the legs not yet done again, with the same request ids."""
    transfers.get(uow, caller.workspace_id, transfer_id)  # 404 first
    uow.commit()
    return TransferRead(
        **transfers.run(state(request).db, caller.workspace_id, transfer_id, actor=caller.actor)
    )
