"""An ad account's access to TikTok: ad account -> its grant -> active -> token.

Rules:
- An ad account reaches TikTok only through its current grant (``authorization_id``) of its
  own workspace, and only while that grant is active: a missing or revoked grant gives no
  access (``tiktok_access`` is None) and the caller refuses in its own words.
- The token is decrypted only when a call is made (``TikTokAccess.token``), never printed.
- TikTok saying the token is revoked (40105) revokes the grant (``revoke``): ad accounts and
  allocations stay, so a new import with a fresh grant picks everything up again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from promodesk.accounts.domain import GRANT_LIFECYCLE, AuthStatus
from promodesk.accounts.repository.accounts import AccountsRepository
from promodesk.accounts.tiktok import client as tiktok
from promodesk.audit.service import record
from promodesk.integrations.tiktok.api.token import TikTokApi
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.vault import vault
from promodesk.models import TikTokAdAccount


@dataclass(frozen=True)
class TikTokAccess:
    """What a call to TikTok for one ad account needs; safe to keep after the unit closes."""

    workspace_id: int
    ad_account_id: int
    advertiser_id: str
    currency: str
    grant_id: int
    token_enc: str = field(repr=False)

    @property
    def token(self) -> str:
        return vault().decrypt(self.token_enc)

    def api(self) -> TikTokApi:
        """The TikTok endpoints for this grant's token, on the process-wide client."""
        return tiktok.client().for_token(self.token)


def tiktok_access(uow: UnitOfWork, account: TikTokAdAccount) -> TikTokAccess | None:
    """The ad account's access through its active grant; None without one."""
    if not account.authorization_id:
        return None
    grant = AccountsRepository(uow).authorization(account.workspace_id, account.authorization_id)
    if grant is None or grant.status != AuthStatus.ACTIVE:
        return None
    return TikTokAccess(
        workspace_id=account.workspace_id,
        ad_account_id=account.id,
        advertiser_id=account.advertiser_id,
        currency=account.currency,
        grant_id=grant.id,
        token_enc=grant.access_token_enc,
    )


def revoke(uow: UnitOfWork, workspace_id: int, grant_id: int, *, reason: str = "") -> None:
    """TikTok says the token is revoked: stop using it (a no-op when it already is)."""
    grant = AccountsRepository(uow).authorization(workspace_id, grant_id)
    if grant is None or grant.status == AuthStatus.REVOKED:
        return
    grant.status = GRANT_LIFECYCLE.transition(grant.status, AuthStatus.REVOKED)
    grant.revoked_at = clock.now()
    uow.flush()
    record(
        uow,
        workspace_id=grant.workspace_id,
        actor="tiktok",
        action="tiktok.grant.revoked",
        object_type="tiktok_authorization",
        object_id=grant.id,
        note=reason[:300],
    )
