"""Pure rules of ad-account allocation, sync runs and account requests; the lifecycles of
grants, client accounts, sync runs and account requests (``kit.statemachine`` tables).

Allocation rules (seed sections B, E, F):
- An ad account is allocated to (client account, advertiser) pairs with a payment mode
  (``self`` or ``agency``). The advertiser must belong to the client account; archived client
  accounts and advertisers receive no new allocations.
- The first ad account allocated to a client account becomes its default. The default can be
  changed to any ad account allocated to that client account.
- Deallocating the default (the client account's last pair using it) requires choosing another
  default first; the candidates are the client account's other allocated ad accounts. When it
  is the only one left, the default simply clears.
- Deallocation is refused while a campaign, a conversion goal or a remarketing tag of that
  advertiser uses the ad account.
- A campaign belongs to at most one (client account, advertiser), which must be allocated the
  campaign's ad account; it can be deallocated only while promodesk has not initialized it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

import pycountry

from promodesk.kit.errors import Conflict, InvalidTransition, ValidationFailed
from promodesk.kit.money import exponent, is_tender
from promodesk.kit.statemachine import StateMachine


class PaymentMode(StrEnum):
    SELF = "self"
    AGENCY = "agency"


class ClientStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class AuthStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


# A grant is revoked when TikTok says its token is (40105); importing the same token again
# makes it active again.
GRANT_ALLOWED: dict[AuthStatus, frozenset[AuthStatus]] = {
    AuthStatus.ACTIVE: frozenset({AuthStatus.REVOKED}),
    AuthStatus.REVOKED: frozenset({AuthStatus.ACTIVE}),
}
GRANT_LIFECYCLE = StateMachine(AuthStatus, GRANT_ALLOWED, noun="the TikTok authorization")


class Refusal(Conflict):
    """A rule refused a change. ``reason`` is a stable code; ``detail`` says it for humans."""

    def __init__(self, reason: str, detail: str, **extra: Any) -> None:
        super().__init__(detail, reason=reason, **extra)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Usage:
    """What of an advertiser uses one ad account."""

    campaigns: int = 0
    conversion_goals: int = 0
    remarketing_tags: int = 0


@dataclass(frozen=True, slots=True)
class PairState:
    """What deallocating one (ad account, advertiser) pair depends on."""

    is_default: bool  # the ad account is the client account's default
    last_pair_of_client: bool  # no other advertiser of this client account uses the ad account
    other_candidates: tuple[int, ...]  # other ad accounts allocated to the client account
    usage: Usage


def check_allocatable(client_status: str, advertiser_status: str, belongs: bool) -> None:
    if not belongs:
        raise Refusal("advertiser_not_of_client", "the advertiser is not of that client account")
    if client_status != ClientStatus.ACTIVE:
        raise Refusal("client_archived", "the client account is archived")
    if advertiser_status != ClientStatus.ACTIVE:
        raise Refusal("advertiser_archived", "the advertiser is archived")


def becomes_default(current_default: int | None) -> bool:
    """The first ad account allocated to a client account becomes its default."""
    return current_default is None


def check_deallocate(state: PairState) -> None:
    """Raise ``Refusal`` with the reason when the pair may not be deallocated."""
    usage = state.usage
    if usage.campaigns:
        raise Refusal(
            "campaigns_allocated",
            f"{usage.campaigns} campaign(s) of this advertiser use the ad account",
            count=usage.campaigns,
        )
    if usage.conversion_goals:
        raise Refusal(
            "conversion_goals",
            f"{usage.conversion_goals} conversion goal(s) of this advertiser use the ad account",
            count=usage.conversion_goals,
        )
    if usage.remarketing_tags:
        raise Refusal(
            "remarketing_tags",
            f"{usage.remarketing_tags} remarketing tag(s) of this advertiser use the ad account",
            count=usage.remarketing_tags,
        )
    if state.is_default and state.last_pair_of_client and state.other_candidates:
        raise Refusal(
            "default_account",
            "this is the client account's default TikTok account: choose another default first",
            candidates=list(state.other_candidates),
        )


def default_after_deallocate(state: PairState, current_default: int | None) -> int | None:
    """The client account's default once the pair is gone (cleared only when nothing is left)."""
    if state.is_default and state.last_pair_of_client and not state.other_candidates:
        return None
    return current_default


def check_new_default(ad_account_id: int, allocated: frozenset[int]) -> None:
    if ad_account_id not in allocated:
        raise Refusal(
            "not_allocated",
            "only an ad account allocated to the client account can be its default",
        )


def check_campaign_allocate(already_allocated: bool, pair_allocated: bool) -> None:
    if already_allocated:
        raise Refusal("campaign_allocated", "the campaign is already allocated")
    if not pair_allocated:
        raise Refusal(
            "ad_account_not_allocated",
            "the campaign's ad account is not allocated to that advertiser",
        )


def check_campaign_deallocate(initialized: bool) -> None:
    if initialized:
        raise Refusal(
            "campaign_initialized",
            "the campaign is initialized in promodesk and cannot be deallocated",
        )


# client account lifecycle --------------------------------------------------------------------

CLIENT_ALLOWED: dict[ClientStatus, frozenset[ClientStatus]] = {
    ClientStatus.ACTIVE: frozenset({ClientStatus.ARCHIVED}),
    ClientStatus.ARCHIVED: frozenset({ClientStatus.ACTIVE}),
}


CLIENT_LIFECYCLE = StateMachine(
    ClientStatus,
    CLIENT_ALLOWED,
    noun="the client account",
    refuse=lambda cur, tgt: InvalidTransition(f"cannot go from {cur} to {tgt}"),
)


# sync runs ------------------------------------------------------------------------------------


class SyncStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"


class SyncScope(StrEnum):
    ACCOUNT = "account"  # advertiser info, campaigns, ad groups, ads, audiences
    CAMPAIGNS = "campaigns"  # campaigns, ad groups, ads
    AUDIENCES = "audiences"


SYNC_ALLOWED: dict[SyncStatus, frozenset[SyncStatus]] = {
    SyncStatus.QUEUED: frozenset({SyncStatus.RUNNING, SyncStatus.FAILED}),
    # running -> running: a resumed step after an interruption.
    SyncStatus.RUNNING: frozenset(
        {SyncStatus.RUNNING, SyncStatus.SUCCEEDED, SyncStatus.PARTIAL, SyncStatus.FAILED}
    ),
    SyncStatus.SUCCEEDED: frozenset(),
    SyncStatus.PARTIAL: frozenset(),
    SyncStatus.FAILED: frozenset(),
}
# Final: succeeded, partial, failed.
SYNC_LIFECYCLE = StateMachine(
    SyncStatus,
    SYNC_ALLOWED,
    noun="the sync run",
    refuse=lambda cur, tgt: InvalidTransition(f"a sync run cannot go from {cur} to {tgt}"),
)


# The entity stages of a sync, in order, per scope.
# The longest lists first: each endpoint has its own rate limit, so a sync of many ad accounts
# takes as long as its busiest endpoint (ads), and that one should start at once, not after the
# campaigns and ad groups of the first accounts.
STAGES: dict[SyncScope, tuple[str, ...]] = {
    SyncScope.ACCOUNT: ("advertiser", "ads", "adgroups", "campaigns", "audiences"),
    SyncScope.CAMPAIGNS: ("ads", "adgroups", "campaigns"),
    SyncScope.AUDIENCES: ("audiences",),
}


def next_stage(scope: str, stage: str) -> str | None:
    stages = STAGES[SyncScope(scope)]
    index = stages.index(stage)
    return stages[index + 1] if index + 1 < len(stages) else None


# mirrored values ------------------------------------------------------------------------------


def to_minor(amount: Any, currency: str) -> int:
    """A TikTok amount in major units ("120.5", a ``Decimal``) as integer minor units of
    ``currency``, rounded half up (TikTok shows amounts with the currency's decimals); 0 for
    none or anything that is not a number."""
    if amount is None or amount == "" or amount == "-":
        return 0
    if not isinstance(amount, Decimal):
        try:
            amount = Decimal(str(amount))
        except InvalidOperation:
            return 0
    try:
        digits = exponent(currency)
    except ValidationFailed:
        digits = 2
    try:
        return int((amount * (Decimal(10) ** digits)).to_integral_value(ROUND_HALF_UP))
    except (InvalidOperation, ValueError, OverflowError):
        return 0


def is_deleted(secondary_status: str | None) -> bool:
    """``*_STATUS_DELETE`` and ``*_STATUS_CAMPAIGN_DELETE``: the object or a parent is deleted."""
    return bool(secondary_status) and str(secondary_status).endswith("_DELETE")


# account requests -----------------------------------------------------------------------------


class RequestStatus(StrEnum):
    EMAILED = "emailed"  # the account manager has the request
    FULFILLED = "fulfilled"  # created through the Business Center and imported


REQUEST_ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.EMAILED: frozenset({RequestStatus.FULFILLED}),
    RequestStatus.FULFILLED: frozenset(),
}
REQUEST_LIFECYCLE = StateMachine(RequestStatus, REQUEST_ALLOWED, noun="the account request")


@dataclass(frozen=True, slots=True)
class AccountRequestInput:
    name: str
    industry: str
    country: str
    currency: str
    timezone: str


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_request(data: AccountRequestInput) -> AccountRequestInput:
    """Trimmed and upper-cased input, or ``ValidationFailed`` naming the field."""
    name = data.name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed("the ad account name has 1 to 100 characters", field="name")
    industry = data.industry.strip()
    if not 1 <= len(industry) <= 100:
        raise ValidationFailed("choose an industry", field="industry")
    country = data.country.strip().upper()
    if len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
        raise ValidationFailed(f"{data.country!r} is not an ISO 3166-1 country", field="country")
    currency = data.currency.strip().upper()
    if not is_tender(currency):
        raise ValidationFailed(f"{data.currency!r} is not an ISO 4217 currency", field="currency")
    tz = data.timezone.strip()
    if tz not in _timezones():
        raise ValidationFailed(f"{data.timezone!r} is not a tz database zone", field="timezone")
    return AccountRequestInput(name, industry, country, currency, tz)


def industry_key(name: str) -> str:
    """How industry names are compared: case-insensitive, spaces collapsed."""
    return " ".join(name.split()).casefold()


def industry_id(industry: str, mapping: Mapping[str, int], fallback: int) -> int:
    """TikTok's numeric industry id for a request's industry (``bc/advertiser/create/`` takes an
    integer): a positive number passes through; a name is looked up in ``mapping`` without
    regard to case or spacing; anything else is ``fallback``."""
    text = industry.strip()
    if text.isascii() and text.isdigit() and int(text) > 0:
        return int(text)
    wanted = industry_key(text)
    for name, value in mapping.items():
        if industry_key(name) == wanted:
            return value
    return fallback


def payment_url(template: str, advertiser_id: str) -> str:
    """The "Add payment" link: ``{advertiser_id}`` in the template is replaced."""
    return template.replace("{advertiser_id}", advertiser_id)
