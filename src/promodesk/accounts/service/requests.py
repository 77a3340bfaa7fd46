"""Request a new TikTok ad account (seed section G).

The form is validated against ISO 3166 / ISO 4217 / the tz database. Submitting stores the
request and mails the account manager through the notify outbox (same transaction, so a
rolled-back request sends nothing and a retried one sends once). With a Business Center id
configured, ``fulfil`` creates the ad account through ``bc/advertiser/create/`` and imports it
with the grant given; the request's industry becomes TikTok's numeric id through
``PROMODESK_ACCOUNTS_BUSINESS_CENTER_INDUSTRIES`` (``domain.industry_id``).
"""

from __future__ import annotations

from promodesk.accounts.domain import (
    REQUEST_LIFECYCLE,
    AccountRequestInput,
    AuthStatus,
    RequestStatus,
    industry_id,
    validate_request,
)
from promodesk.accounts.errors import AuthorizationRevoked, TikTokUnavailable
from promodesk.accounts.repository.accounts import AccountsRepository
from promodesk.accounts.service.imports import import_token
from promodesk.accounts.settings import accounts_settings
from promodesk.accounts.tiktok import client as tiktok
from promodesk.audit.service import record
from promodesk.integrations.tiktok import errors as tt
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, NotFound
from promodesk.kit.vault import vault
from promodesk.models import TikTokAccountRequest
from promodesk.notify.service import outbox as notify
from promodesk.settings import get_settings
from promodesk.tenancy import service as tenancy

MAIL_KIND = "tiktok.account_request"


def submit(
    uow: UnitOfWork, workspace_id: int, data: AccountRequestInput, *, actor: str = "system"
) -> TikTokAccountRequest:
    clean = validate_request(data)
    row = TikTokAccountRequest(
        workspace_id=workspace_id,
        name=clean.name,
        industry=clean.industry,
        country=clean.country,
        currency=clean.currency,
        timezone=clean.timezone,
        status=RequestStatus.EMAILED,
        created_by=actor[:200],
    )
    AccountsRepository(uow).add(row)
    settings = accounts_settings()
    notify.send_email(
        uow,
        workspace_id,
        to=[settings.account_manager_email],
        subject=f"New TikTok ad account request: {clean.name}",
        text=_body(row, tenancy.actor_name(uow, workspace_id, actor)),
        kind=MAIL_KIND,
        ref=f"account_request:{row.id}",
    )
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="tiktok.account_request",
        object_type="tiktok_account_request",
        object_id=row.id,
        after={
            "name": row.name,
            "country": row.country,
            "currency": row.currency,
            "timezone": row.timezone,
        },
    )
    return row


def _body(row: TikTokAccountRequest, requested_by: str) -> str:
    return (
        "Please create a new TikTok ad account.\n\n"
        f"Ad account name: {row.name}\n"
        f"Industry: {row.industry}\n"
        f"Country: {row.country}\n"
        f"Currency: {row.currency}\n"
        f"Timezone: {row.timezone}\n"
        f"Requested by: {requested_by}\n"
        f"Request: #{row.id}\n"
    )


def business_center_id() -> str:
    """The configured Business Center; in demo mode, the sandbox's unless one is set."""
    settings = accounts_settings()
    if settings.business_center_id:
        return settings.business_center_id
    return settings.demo_business_center_id if get_settings().demo else ""


def get(uow: UnitOfWork, workspace_id: int, request_id: int) -> TikTokAccountRequest:
    row = AccountsRepository(uow).request(workspace_id, request_id)
    if row is None:
        raise NotFound(f"account request {request_id} not found")
    return row


def list_requests(
    uow: UnitOfWork, workspace_id: int, *, after_id: int = 0, limit: int = 100
) -> list[TikTokAccountRequest]:
    return AccountsRepository(uow).requests(workspace_id, after_id=after_id, limit=limit)


def fulfil(
    uow: UnitOfWork,
    workspace_id: int,
    request_id: int,
    authorization_id: int,
    *,
    actor: str = "system",
) -> TikTokAccountRequest:
    """Create the ad account in the configured Business Center with the grant
    ``authorization_id`` (a BC admin's) and import it."""
    row = get(uow, workspace_id, request_id)
    settings = accounts_settings()
    bc_id = business_center_id()
    if not bc_id:
        raise Conflict(
            "no Business Center is configured (PROMODESK_ACCOUNTS_BUSINESS_CENTER_ID)",
            reason="no_business_center",
        )
    if row.status == RequestStatus.FULFILLED:
        return row
    repo = AccountsRepository(uow)
    grant = repo.authorization(workspace_id, authorization_id)
    if grant is None:
        raise NotFound(f"authorization {authorization_id} not found", field="authorization_id")
    if grant.status != AuthStatus.ACTIVE:
        raise AuthorizationRevoked("that TikTok authorization is revoked: authorize again")
    token = vault().decrypt(grant.access_token_enc)
    industry = industry_id(
        row.industry, settings.business_center_industries, settings.business_center_industry
    )
    try:
        advertiser_id = (
            tiktok.client()
            .for_token(token)
            .create_bc_advertiser(
                bc_id,
                name=row.name,
                currency=row.currency,
                timezone=row.timezone,
                company=settings.business_center_company,
                industry=industry,
                registered_area=row.country,
            )
        )
    except tt.TikTokError as exc:
        raise TikTokUnavailable(f"TikTok did not create the ad account: {exc.message}") from None
    if not advertiser_id:
        raise TikTokUnavailable("TikTok answered without an advertiser id")
    ids = sorted({*grant.advertiser_ids, advertiser_id})
    import_token(uow, workspace_id, token, ids, list(grant.scopes), actor=actor)
    row.status = REQUEST_LIFECYCLE.transition(row.status, RequestStatus.FULFILLED)
    row.advertiser_id = advertiser_id
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="tiktok.account_request.fulfil",
        object_type="tiktok_account_request",
        object_id=row.id,
        after={"advertiser_id": advertiser_id},
    )
    return row
