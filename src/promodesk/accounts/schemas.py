"""Accounts request and response bodies. Bounds keep every value inside its column type; no
response ever carries an access token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from promodesk.kit.inputs import Country, CurrencyCode, Id, Input, TimeZone
from promodesk.kit.pagination import Page


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


_Clean = AfterValidator(_no_nul)
Name = Annotated[str, Field(min_length=1, max_length=200), _Clean]
PaymentModeIn = Literal["self", "agency"]
StatusIn = Literal["active", "archived"]
ScopeIn = Literal["account", "campaigns", "audiences"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OAuthComplete(Input):
    state: Annotated[str, Field(min_length=1, max_length=2000), _Clean]
    auth_code: Annotated[str, Field(min_length=1, max_length=500), _Clean]


class AuthorizeUrl(_Out):
    url: str


class AuthorizationRead(_Out):
    id: int
    app_id: str
    status: str
    advertiser_ids: list[str]
    scopes: list[Any]
    created_at: datetime
    revoked_at: datetime | None


class AllocationRead(BaseModel):
    id: int
    client_account_id: int
    client_account_name: str
    advertiser_id: int
    advertiser_name: str
    payment_mode: str


class AdAccountRead(BaseModel):
    id: int
    advertiser_id: str = Field(description="TikTok's ad account id (numeric string)")
    name: str
    currency: str
    timezone: str
    status: str
    authorization_id: int | None
    authorization_status: str | None
    last_synced_at: datetime | None
    payment_url: str
    allocations: list[AllocationRead]


class AdAccountPage(Page[AdAccountRead]):
    """A page of ad accounts (``kit.pagination``)."""


class ImportRead(BaseModel):
    authorization_id: int
    message: str
    added: list[AdAccountRead]
    updated: list[AdAccountRead]


class AllocationCreate(Input):
    ad_account_id: Id
    advertiser_id: Id
    client_account_id: Id | None = Field(
        default=None, description="checked against the advertiser's client account if given"
    )
    payment_mode: PaymentModeIn | None = Field(
        default=None,
        description="absent or null keeps an existing pair's mode; a new pair starts as self",
    )


class ClientCreate(Input):
    name: Name


class ClientUpdate(Input):
    name: Name | None = None
    status: StatusIn | None = None


class ClientRead(_Out):
    id: int
    name: str
    status: str
    default_ad_account_id: int | None
    created_at: datetime


class ClientPage(Page[ClientRead]):
    """A page of client accounts (``kit.pagination``)."""


class AdvertiserCreate(Input):
    name: Name


class AdvertiserUpdate(Input):
    name: Name | None = None
    status: StatusIn | None = None


class AdvertiserRead(_Out):
    id: int
    client_account_id: int
    name: str
    status: str
    created_at: datetime


class DefaultRead(BaseModel):
    client_account_id: int
    default_ad_account_id: int | None
    candidates: list[AdAccountRead]


class DefaultSet(Input):
    ad_account_id: Id


class PinnedCreate(Input):
    ad_account_id: Id
    name: Name


class PinnedRead(_Out):
    id: int
    advertiser_id: int
    ad_account_id: int
    name: str


class SyncCreate(Input):
    scope: ScopeIn = "account"


class SyncRunRead(_Out):
    id: int
    ad_account_id: int
    operation_id: int | None
    scope: str
    status: str
    cursor: dict[str, Any]
    counts: dict[str, Any]
    pages: int
    throttles: int
    retries: int
    errors: list[dict[str, Any]]
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


class ClientOfAccount(BaseModel):
    id: int
    name: str
    advertisers: list[dict[str, Any]]


class AccountRequestCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=100), _Clean]
    industry: Annotated[str, Field(min_length=1, max_length=100), _Clean]
    country: Country
    currency: CurrencyCode = "USD"
    timezone: TimeZone = "Asia/Singapore"


class AccountRequestRead(_Out):
    id: int
    name: str
    industry: str
    country: str
    currency: str
    timezone: str
    status: str
    advertiser_id: str | None
    created_at: datetime


class AccountRequestPage(Page[AccountRequestRead]):
    """A page of account requests (``kit.pagination``)."""


class FulfilIn(Input):
    authorization_id: Id


class Deleted(BaseModel):
    id: int
    deleted: bool = True
