"""Import TikTok ad accounts through the advertiser OAuth flow (seed section A).

1. ``authorization_url`` signs a ``state`` naming the workspace and the user (itsdangerous,
   with promodesk's secret key; it expires after ``state_max_age_seconds``).
2. TikTok redirects to our callback with ``auth_code`` and ``state``; ``complete`` checks the
   state, exchanges the code for a long-term token, encrypts it (``TokenVault``) and upserts
   the grant and its ad accounts. Re-importing the same grant updates it; a new grant for ad
   accounts we already have takes them over (the revoked one stays, revoked).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from promodesk.accounts.domain import GRANT_LIFECYCLE, AuthStatus
from promodesk.accounts.errors import InvalidState, TikTokUnavailable
from promodesk.accounts.repository.accounts import AccountsRepository
from promodesk.accounts.settings import accounts_settings
from promodesk.accounts.tiktok import client as tiktok
from promodesk.audit.service import record
from promodesk.integrations.tiktok import errors as tt
from promodesk.integrations.tiktok.entities import Advertiser
from promodesk.kit.auth import sha256
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.jobs.service import ensure_schedule
from promodesk.kit.vault import vault
from promodesk.models import TikTokAdAccount, TikTokAuthorization

SCHEDULE = "tiktok.sync_due"


@dataclass(frozen=True, slots=True)
class ImportResult:
    authorization: TikTokAuthorization
    added: list[TikTokAdAccount]
    updated: list[TikTokAdAccount]

    @property
    def accounts(self) -> list[TikTokAdAccount]:
        return [*self.added, *self.updated]


def authorization_url(workspace_id: int, actor: str, redirect_uri: str) -> str:
    state = tiktok.signer(tiktok.secret_key()).sign(
        {"w": workspace_id, "u": actor[:200], "n": secrets.token_urlsafe(8)}
    )
    try:
        return tiktok.oauth().authorization_url(redirect_uri=redirect_uri, state=state)
    except tt.AuthInvalid as exc:
        raise TikTokUnavailable(exc.message) from None


def check_state(workspace_id: int, state: str) -> dict[str, object]:
    if not state or len(state) > 2000:
        raise InvalidState("the authorization state is missing", field="state")
    try:
        payload = tiktok.signer(tiktok.secret_key()).verify(
            state, max_age=tiktok.client().settings.state_max_age_seconds
        )
    except tt.StateRejected as exc:
        raise InvalidState(exc.message, field="state") from None
    if payload.get("w") != workspace_id:
        raise InvalidState("the authorization was started in another workspace", field="state")
    return payload


def complete(
    uow: UnitOfWork, workspace_id: int, *, state: str, auth_code: str, actor: str = "system"
) -> ImportResult:
    """The OAuth callback: exchange the code and import the grant's ad accounts."""
    check_state(workspace_id, state)
    code = (auth_code or "").strip()
    if not code or len(code) > 500:
        raise ValidationFailed("the callback carries no auth_code", field="auth_code")
    try:
        grant = tiktok.oauth().exchange(code)
    except tt.AuthCodeInvalid:
        raise ValidationFailed(
            "TikTok refused the authorization code (used or expired): import again",
            field="auth_code",
        ) from None
    except tt.TikTokError as exc:
        raise TikTokUnavailable(
            f"TikTok did not complete the authorization: {exc.message}"
        ) from None
    return import_token(
        uow,
        workspace_id,
        grant.access_token,
        grant.advertiser_ids,
        [str(s) for s in grant.scope],
        actor=actor,
    )


def import_token(
    uow: UnitOfWork,
    workspace_id: int,
    access_token: str,
    advertiser_ids: list[str],
    scopes: list[str] | None = None,
    *,
    actor: str = "system",
    known: dict[str, Advertiser] | None = None,
) -> ImportResult:
    """Upsert the grant and its ad accounts. ``known`` gives the ad accounts' details instead
    of asking ``advertiser/info/`` (demo seeding, where no server answers yet)."""
    repo = AccountsRepository(uow)
    box = vault()
    fingerprint = sha256(access_token)
    auth = repo.authorization_by_fingerprint(workspace_id, fingerprint)
    app_id = tiktok.client().settings.app_id
    if auth is None:
        auth = TikTokAuthorization(
            workspace_id=workspace_id,
            app_id=app_id,
            access_token_enc=box.encrypt(access_token),
            token_fingerprint=fingerprint,
            scopes=list(scopes or []),
            advertiser_ids=list(advertiser_ids),
            status=AuthStatus.ACTIVE,
            created_by=actor,
        )
        repo.add(auth)
    else:
        auth.scopes = list(scopes or auth.scopes)
        auth.advertiser_ids = list(advertiser_ids)
        if auth.status != AuthStatus.ACTIVE:  # a re-import brings a revoked grant back
            auth.status = GRANT_LIFECYCLE.transition(auth.status, AuthStatus.ACTIVE)
        auth.revoked_at = None
        uow.flush()
    infos = known if known is not None else _infos(access_token, advertiser_ids)
    added: list[TikTokAdAccount] = []
    updated: list[TikTokAdAccount] = []
    for adv_id in advertiser_ids:
        info = infos.get(adv_id)
        account = repo.ad_account_by_tiktok_id(workspace_id, adv_id)
        if account is None:
            account = TikTokAdAccount(workspace_id=workspace_id, advertiser_id=adv_id, raw={})
            _apply(account, info)
            account.authorization_id = auth.id
            repo.add(account)
            added.append(account)
        else:
            _apply(account, info)
            account.authorization_id = auth.id
            updated.append(account)
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="tiktok.import",
        object_type="tiktok_authorization",
        object_id=auth.id,
        after={
            "added": [a.advertiser_id for a in added],
            "updated": [a.advertiser_id for a in updated],
        },
    )
    ensure_sync_schedule(uow)
    return ImportResult(auth, added, updated)


def _infos(token: str, advertiser_ids: list[str]) -> dict[str, Advertiser]:
    if not advertiser_ids:
        return {}
    try:
        found = tiktok.client().for_token(token).advertiser_info(advertiser_ids)
    except tt.AuthRevoked:
        raise TikTokUnavailable("TikTok says the new token is revoked: authorize again") from None
    except tt.TikTokError:
        # The grant is kept; names and currencies arrive with the first sync.
        return {}
    return {info.advertiser_id: info for info in found}


def _apply(account: TikTokAdAccount, info: Advertiser | None) -> None:
    if info is None:
        return
    account.name = (info.name or account.name or "")[:200]
    account.currency = (info.currency or account.currency or "USD")[:3].upper()
    account.timezone = (info.timezone or account.timezone or "UTC")[:64]
    account.status = (info.status or account.status or "")[:48]
    account.raw = info.raw()


def ensure_sync_schedule(uow: UnitOfWork) -> None:
    """The periodic sync: a scheduler job looks for ad accounts due a sync."""
    settings = accounts_settings()
    ensure_schedule(
        uow,
        SCHEDULE,
        SCHEDULE,
        interval_seconds=settings.sync_check_seconds,
        enabled=settings.sync_interval_minutes > 0,
    )


def authorizations(uow: UnitOfWork, workspace_id: int) -> list[TikTokAuthorization]:
    return AccountsRepository(uow).authorizations(workspace_id)
