"""The three steps of a change on TikTok that the use cases of ``changes`` run in turn:
load and check the campaign and its ad account's authorization (step 1), call TikTok and read
the campaign back (step 2; no transaction open), write the mirror and the audit record (step 3).
A failed TikTok call becomes the error to answer (``failure``); a revoked token is recorded.

Statuses come from the read-back where TikTok says them; where it does not (a failed read-back,
or TikTok's own sandbox, which returns no ``secondary_status``), a status change applies the
documented cascade (``campaigns.domain.child_status_after``): a deleted campaign's ad groups
and ads are deleted, a disabled campaign's stop delivering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promodesk.accounts.domain import is_deleted
from promodesk.accounts.errors import AuthorizationRevoked, TikTokUnavailable
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.audit.service import record
from promodesk.campaigns.domain.campaigns import Operation, check_changeable, child_status_after
from promodesk.campaigns.errors import TikTokRefused
from promodesk.campaigns.repository.campaigns import CampaignsRepository
from promodesk.campaigns.service import allocation
from promodesk.campaigns.service import campaigns as service
from promodesk.integrations.tiktok import errors as tt
from promodesk.integrations.tiktok.api.token import TikTokApi
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import TikTokCampaign

REAUTHORIZE = (
    "TikTok says the authorization of this ad account is revoked: import the ad account again "
    "(re-authorize) and retry"
)


@dataclass(frozen=True)
class Target:
    """What the TikTok call needs, read in step 1."""

    workspace_id: int
    row_id: int
    campaign_id: str
    advertiser_id: str
    currency: str
    access: grants.TikTokAccess


# step 1 ----------------------------------------------------------------------------------------


def campaign(uow: UnitOfWork, workspace_id: int, row_id: int) -> TikTokCampaign:
    c = CampaignsRepository(uow).get(workspace_id, row_id)
    if c is None:
        raise NotFound(f"campaign {row_id} not found")
    return c


def load_target(uow: UnitOfWork, workspace_id: int, row_id: int) -> Target:
    c = campaign(uow, workspace_id, row_id)
    check_changeable(c.deleted, c.vanished)
    account = accounts_alloc.get_ad_account(uow, workspace_id, c.ad_account_id)
    access = grants.tiktok_access(uow, account)
    if access is None:
        raise AuthorizationRevoked(
            "the TikTok authorization of this ad account is revoked: import the ad account "
            "again (re-authorize) and retry",
            reason="authorization_revoked",
        )
    return Target(
        workspace_id=workspace_id,
        row_id=c.id,
        campaign_id=c.campaign_id,
        advertiser_id=account.advertiser_id,
        currency=account.currency,
        access=access,
    )


# step 2 ----------------------------------------------------------------------------------------


def tiktok_api(target: Target) -> TikTokApi:
    return target.access.api()


def failure(db: Database, target: Target, exc: tt.TikTokError) -> Exception:
    """The error to answer for a failed TikTok call; a revoked token is recorded first."""
    if isinstance(exc, tt.AuthRevoked):
        with db.transaction() as uow:
            grants.revoke(uow, target.workspace_id, target.access.grant_id, reason=exc.message)
        return AuthorizationRevoked(REAUTHORIZE, reason="authorization_revoked")
    said = f"{exc.message} (code {exc.code})" if exc.code is not None else exc.message
    if exc.retryable:
        maybe = isinstance(exc, tt.Transport) and exc.sent
        detail = (
            f"TikTok did not answer ({said}); the change may have reached it: sync the ad "
            "account to see, then retry"
            if maybe
            else f"TikTok is not available now ({said}); nothing was changed, retry later"
        )
        return TikTokUnavailable(detail, reason="tiktok_unavailable")
    reason, detail = next(
        (found for kind, found in _REFUSALS.items() if isinstance(exc, kind)),
        ("tiktok_error", "TikTok refused the change"),
    )
    return TikTokRefused(
        f"{detail}: {said}", reason=reason, tiktok_code=exc.code, tiktok_message=exc.message
    )


_REFUSALS: dict[type[tt.TikTokError], tuple[str, str]] = {
    tt.BadParameter: ("tiktok_bad_parameter", "TikTok refused the change"),
    tt.PermissionDenied: (
        "tiktok_permission",
        "TikTok says the authorization may not change this ad account",
    ),
    tt.ObjectNotFound: (
        "tiktok_not_found",
        "TikTok does not know this campaign or ad account any more: sync the ad account",
    ),
    tt.AuthInvalid: ("tiktok_auth", "TikTok refused the app's credentials"),
}


@dataclass(frozen=True)
class Seen:
    """What TikTok lists right after the change, by id (deleted entities included)."""

    campaign: dict[str, Any] | None
    adgroups: dict[str, dict[str, Any]]
    ads: dict[str, dict[str, Any]]


def read_back(target: Target) -> Seen | None:
    """The campaign, its ad groups and ads as TikTok now lists them; None when TikTok does not
    answer (the change itself went through: the cascade stands in)."""
    api = tiktok_api(target)
    only = {"campaign_ids": [target.campaign_id]}
    adv = target.advertiser_id
    try:
        campaigns = [
            item.raw()
            for page in api.campaign_pages(adv, filtering=only, include_deleted=True)
            for item in page.items
        ]
        groups = {
            item.adgroup_id: item.raw()
            for page in api.adgroup_pages(adv, filtering=only, include_deleted=True)
            for item in page.items
        }
        ads = {
            item.ad_id: item.raw()
            for page in api.ad_pages(adv, filtering=only, include_deleted=True)
            for item in page.items
        }
    except tt.TikTokError:
        return None
    mine = [c for c in campaigns if str(c.get("campaign_id")) == target.campaign_id]
    return Seen(mine[0] if mine else None, groups, ads)


# step 3 ----------------------------------------------------------------------------------------


def locked(uow: UnitOfWork, target: Target) -> TikTokCampaign:
    c = CampaignsRepository(uow).get(target.workspace_id, target.row_id, lock=True)
    if c is None:  # the ad account was removed meanwhile
        raise NotFound(f"campaign {target.row_id} not found")
    return c


def mirror(
    uow: UnitOfWork,
    target: Target,
    c: TikTokCampaign,
    seen: Seen | None,
    op: Operation | None,
) -> None:
    """The campaign and its children take TikTok's read-back statuses, else (status changes
    only) the documented cascade."""
    _take(c, seen.campaign if seen else None)
    groups, ads = CampaignsRepository(uow).children(c.ad_account_id, target.campaign_id)
    for prefix, rows, listed in (
        ("ADGROUP", groups, seen.adgroups if seen else {}),
        ("AD", ads, seen.ads if seen else {}),
    ):
        for child in rows:
            key = child.adgroup_id if prefix == "ADGROUP" else child.ad_id
            if _take(child, listed.get(key)) or op is None:
                continue
            after = child_status_after(op, prefix, child.secondary_status, child.deleted)
            if after is not None:
                child.secondary_status = after.secondary_status
                child.deleted = after.deleted


def _take(row: Any, item: dict[str, Any] | None) -> bool:
    """Copy the statuses TikTok listed for ``row``; False when it listed no status."""
    if not item or not isinstance(item.get("secondary_status"), str):
        return False
    secondary = item["secondary_status"][:64]
    operation_status = item.get("operation_status")
    if isinstance(operation_status, str) and operation_status:
        row.operation_status = operation_status[:16]
    row.secondary_status = secondary
    row.deleted = is_deleted(secondary)
    return True


def finish(
    uow: UnitOfWork,
    target: Target,
    actor: str,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> dict[str, Any]:
    uow.flush()
    initialized = allocation.mark_initialized(uow, target.workspace_id, target.row_id)
    record(
        uow,
        workspace_id=target.workspace_id,
        actor=actor,
        action=action,
        object_type="tiktok_campaign",
        object_id=target.row_id,
        before=before,
        after={**after, "campaign_id": target.campaign_id, "initialized": initialized},
    )
    return service.campaign_view(uow, target.workspace_id, target.row_id)
