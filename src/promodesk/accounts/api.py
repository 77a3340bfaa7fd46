"""TikTok ad accounts over HTTP: import (OAuth), client accounts and advertisers, allocation and
default accounts, goals and tags, sync, account requests. Thin: rules live in the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from promodesk.accounts.domain import AccountRequestInput
from promodesk.accounts.schemas import (
    AccountRequestCreate,
    AccountRequestPage,
    AccountRequestRead,
    AdAccountPage,
    AdAccountRead,
    AdvertiserCreate,
    AdvertiserRead,
    AdvertiserUpdate,
    AllocationCreate,
    AuthorizationRead,
    AuthorizeUrl,
    ClientCreate,
    ClientOfAccount,
    ClientPage,
    ClientRead,
    ClientUpdate,
    DefaultRead,
    DefaultSet,
    Deleted,
    FulfilIn,
    ImportRead,
    OAuthComplete,
    PinnedCreate,
    PinnedRead,
    SyncCreate,
    SyncRunRead,
)
from promodesk.accounts.service import accounts, allocation, clients, imports, requests, sync
from promodesk.kit.pagination import after, fetch, page
from promodesk.web import ApiRoute, Caller, Cursor, Limit, Uow, Writer

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["tiktok accounts"])
RedirectUri = Annotated[str, Query(min_length=1, max_length=2000, pattern=r"^https?://")]


# import ---------------------------------------------------------------------------------------
@router.post("/tiktok/authorize-url", response_model=AuthorizeUrl)
def authorize_url(caller: Writer, redirect_uri: RedirectUri) -> AuthorizeUrl:
    """The TikTok authorization page with a signed ``state``; open it in a popup."""
    url = imports.authorization_url(caller.workspace_id, caller.actor, redirect_uri)
    return AuthorizeUrl(url=url)


@router.post("/tiktok/oauth/complete", response_model=ImportRead)
def oauth_complete(body: OAuthComplete, uow: Uow, caller: Writer) -> ImportRead:
    """Exchange the callback's ``auth_code`` and import the grant's ad accounts."""
    result = imports.complete(
        uow, caller.workspace_id, state=body.state, auth_code=body.auth_code, actor=caller.actor
    )
    workspace_id = caller.workspace_id
    return ImportRead(
        authorization_id=result.authorization.id,
        message="Successfully added TikTok accounts",
        added=[AdAccountRead(**v) for v in accounts.views(uow, workspace_id, result.added)],
        updated=[AdAccountRead(**v) for v in accounts.views(uow, workspace_id, result.updated)],
    )


@router.get("/tiktok/authorizations", response_model=list[AuthorizationRead])
def authorizations(uow: Uow, caller: Caller) -> list[AuthorizationRead]:
    rows = imports.authorizations(uow, caller.workspace_id)
    return [AuthorizationRead.model_validate(r) for r in rows]


# ad accounts ----------------------------------------------------------------------------------
@router.get("/ad-accounts", response_model=AdAccountPage)
def list_ad_accounts(
    uow: Uow, caller: Caller, limit: Limit = 100, cursor: Cursor = None
) -> AdAccountPage:
    items = accounts.list_ad_accounts(
        uow, caller.workspace_id, after_id=after(cursor) or 0, limit=fetch(limit)
    )
    return AdAccountPage(**page([AdAccountRead(**i) for i in items], limit))


@router.get("/ad-accounts/{ad_account_id}", response_model=AdAccountRead)
def get_ad_account(ad_account_id: int, uow: Uow, caller: Caller) -> AdAccountRead:
    return AdAccountRead(**accounts.ad_account_view(uow, caller.workspace_id, ad_account_id))


@router.post("/allocations", response_model=AdAccountRead, status_code=201)
def allocate(body: AllocationCreate, uow: Uow, caller: Writer) -> AdAccountRead:
    """Allocate an ad account to an advertiser (and so to its client account) with a payment
    mode; the first ad account of a client account becomes its default. Refusals are 409
    ``Refusal`` with a ``reason``."""
    workspace_id = caller.workspace_id
    advertiser = clients.get_advertiser(uow, workspace_id, body.advertiser_id)
    allocation.allocate(
        uow,
        workspace_id,
        body.ad_account_id,
        client_account_id=body.client_account_id or advertiser.client_account_id,
        advertiser_id=advertiser.id,
        payment_mode=body.payment_mode,
        actor=caller.actor,
    )
    return AdAccountRead(**accounts.ad_account_view(uow, workspace_id, body.ad_account_id))


@router.delete("/allocations/{allocation_id}", response_model=Deleted)
def deallocate(allocation_id: int, uow: Uow, caller: Writer) -> Deleted:
    """409 ``Refusal`` with ``reason`` (campaigns_allocated, conversion_goals,
    remarketing_tags, default_account + ``candidates``) when the pair must stay."""
    allocation.deallocate(uow, caller.workspace_id, allocation_id, actor=caller.actor)
    return Deleted(id=allocation_id)


@router.get("/ad-accounts/{ad_account_id}/client-accounts", response_model=list[ClientOfAccount])
def clients_of_ad_account(ad_account_id: int, uow: Uow, caller: Caller) -> list[ClientOfAccount]:
    rows = allocation.clients_of_ad_account(uow, caller.workspace_id, ad_account_id)
    return [ClientOfAccount(**r) for r in rows]


@router.post("/ad-accounts/{ad_account_id}/sync", response_model=SyncRunRead, status_code=202)
def start_sync(
    ad_account_id: int, uow: Uow, caller: Writer, body: SyncCreate | None = None
) -> SyncRunRead:
    """Enqueue a durable sync (one open run per ad account: asking again returns it)."""
    scope = body.scope if body else "account"
    run = sync.start(uow, caller.workspace_id, ad_account_id, scope, actor=caller.actor)
    return SyncRunRead.model_validate(run)


@router.get("/ad-accounts/{ad_account_id}/sync-runs", response_model=list[SyncRunRead])
def sync_runs(ad_account_id: int, uow: Uow, caller: Caller) -> list[SyncRunRead]:
    allocation.get_ad_account(uow, caller.workspace_id, ad_account_id)
    return [
        SyncRunRead.model_validate(r) for r in sync.runs(uow, caller.workspace_id, ad_account_id)
    ]


@router.get("/sync-runs/{run_id}", response_model=SyncRunRead)
def sync_run(run_id: int, uow: Uow, caller: Caller) -> SyncRunRead:
    return SyncRunRead.model_validate(sync.get_run(uow, caller.workspace_id, run_id))


# client accounts and advertisers -------------------------------------------------------------
@router.get("/client-accounts", response_model=ClientPage)
def list_clients(
    uow: Uow,
    caller: Caller,
    limit: Limit = 100,
    cursor: Cursor = None,
    status: Annotated[str | None, Query(pattern="^(active|archived)$")] = None,
) -> ClientPage:
    rows = clients.list_clients(
        uow, caller.workspace_id, after_id=after(cursor) or 0, limit=fetch(limit), status=status
    )
    return ClientPage(**page([ClientRead.model_validate(r) for r in rows], limit))


@router.post("/client-accounts", response_model=ClientRead, status_code=201)
def create_client(body: ClientCreate, uow: Uow, caller: Writer) -> ClientRead:
    row = clients.create_client(uow, caller.workspace_id, body.name, actor=caller.actor)
    return ClientRead.model_validate(row)


@router.get("/client-accounts/{client_account_id}", response_model=ClientRead)
def get_client(client_account_id: int, uow: Uow, caller: Caller) -> ClientRead:
    return ClientRead.model_validate(
        clients.get_client(uow, caller.workspace_id, client_account_id)
    )


@router.patch("/client-accounts/{client_account_id}", response_model=ClientRead)
def update_client(
    client_account_id: int, body: ClientUpdate, uow: Uow, caller: Writer
) -> ClientRead:
    """Rename, archive (``status=archived``) or restore."""
    row = clients.update_client(
        uow,
        caller.workspace_id,
        client_account_id,
        name=body.name,
        status=body.status,
        actor=caller.actor,
    )
    return ClientRead.model_validate(row)


@router.get("/client-accounts/{client_account_id}/advertisers", response_model=list[AdvertiserRead])
def list_advertisers(client_account_id: int, uow: Uow, caller: Caller) -> list[AdvertiserRead]:
    rows = clients.list_advertisers(uow, caller.workspace_id, client_account_id)
    return [AdvertiserRead.model_validate(r) for r in rows]


@router.post(
    "/client-accounts/{client_account_id}/advertisers",
    response_model=AdvertiserRead,
    status_code=201,
)
def create_advertiser(
    client_account_id: int, body: AdvertiserCreate, uow: Uow, caller: Writer
) -> AdvertiserRead:
    row = clients.create_advertiser(
        uow, caller.workspace_id, client_account_id, body.name, actor=caller.actor
    )
    return AdvertiserRead.model_validate(row)


@router.patch("/advertisers/{advertiser_id}", response_model=AdvertiserRead)
def update_advertiser(
    advertiser_id: int, body: AdvertiserUpdate, uow: Uow, caller: Writer
) -> AdvertiserRead:
    row = clients.update_advertiser(
        uow,
        caller.workspace_id,
        advertiser_id,
        name=body.name,
        status=body.status,
        actor=caller.actor,
    )
    return AdvertiserRead.model_validate(row)


@router.get("/client-accounts/{client_account_id}/default", response_model=DefaultRead)
def get_default(client_account_id: int, uow: Uow, caller: Caller) -> DefaultRead:
    """ "Manage default TikTok accounts": the default and every allocated candidate."""
    choice = allocation.default_choice(uow, caller.workspace_id, client_account_id)
    views = accounts.views(uow, caller.workspace_id, choice.candidates)
    return DefaultRead(
        client_account_id=choice.client_account_id,
        default_ad_account_id=choice.default_ad_account_id,
        candidates=[AdAccountRead(**v) for v in views],
    )


@router.put("/client-accounts/{client_account_id}/default", response_model=ClientRead)
def set_default(client_account_id: int, body: DefaultSet, uow: Uow, caller: Writer) -> ClientRead:
    row = allocation.set_default(
        uow, caller.workspace_id, client_account_id, body.ad_account_id, actor=caller.actor
    )
    return ClientRead.model_validate(row)


@router.post(
    "/advertisers/{advertiser_id}/conversion-goals", response_model=PinnedRead, status_code=201
)
def create_goal(advertiser_id: int, body: PinnedCreate, uow: Uow, caller: Writer) -> PinnedRead:
    row = clients.create_goal(
        uow, caller.workspace_id, advertiser_id, body.ad_account_id, body.name, actor=caller.actor
    )
    return PinnedRead.model_validate(row)


@router.delete("/conversion-goals/{goal_id}", response_model=Deleted)
def delete_goal(goal_id: int, uow: Uow, caller: Writer) -> Deleted:
    clients.delete_goal(uow, caller.workspace_id, goal_id, actor=caller.actor)
    return Deleted(id=goal_id)


@router.post(
    "/advertisers/{advertiser_id}/remarketing-tags", response_model=PinnedRead, status_code=201
)
def create_tag(advertiser_id: int, body: PinnedCreate, uow: Uow, caller: Writer) -> PinnedRead:
    row = clients.create_tag(
        uow, caller.workspace_id, advertiser_id, body.ad_account_id, body.name, actor=caller.actor
    )
    return PinnedRead.model_validate(row)


@router.delete("/remarketing-tags/{tag_id}", response_model=Deleted)
def delete_tag(tag_id: int, uow: Uow, caller: Writer) -> Deleted:
    clients.delete_tag(uow, caller.workspace_id, tag_id, actor=caller.actor)
    return Deleted(id=tag_id)


# account requests -----------------------------------------------------------------------------
@router.post("/tiktok/account-requests", response_model=AccountRequestRead, status_code=201)
def request_account(body: AccountRequestCreate, uow: Uow, caller: Writer) -> AccountRequestRead:
    """Store the request and mail the account manager (validated against ISO and tz data)."""
    row = requests.submit(
        uow,
        caller.workspace_id,
        AccountRequestInput(
            body.name,
            body.industry,
            body.country,
            body.currency,
            body.timezone,
        ),
        actor=caller.actor,
    )
    return AccountRequestRead.model_validate(row)


@router.get("/tiktok/account-requests", response_model=AccountRequestPage)
def list_requests(
    uow: Uow, caller: Caller, limit: Limit = 100, cursor: Cursor = None
) -> AccountRequestPage:
    rows = requests.list_requests(
        uow, caller.workspace_id, after_id=after(cursor) or 0, limit=fetch(limit)
    )
    return AccountRequestPage(**page([AccountRequestRead.model_validate(r) for r in rows], limit))


@router.get("/tiktok/account-requests/{request_id}", response_model=AccountRequestRead)
def get_request(request_id: int, uow: Uow, caller: Caller) -> AccountRequestRead:
    return AccountRequestRead.model_validate(requests.get(uow, caller.workspace_id, request_id))


@router.post("/tiktok/account-requests/{request_id}/fulfil", response_model=AccountRequestRead)
def fulfil_request(request_id: int, body: FulfilIn, uow: Uow, caller: Writer) -> AccountRequestRead:
    """Create the ad account through the configured Business Center and import it."""
    row = requests.fulfil(
        uow, caller.workspace_id, request_id, body.authorization_id, actor=caller.actor
    )
    return AccountRequestRead.model_validate(row)
