"""A link's tokens: access to the platform with them, their
refresh, and the link's re-authorization when the platform refuses them.

Rules:
- The platform refusing our tokens marks the link ``needs_reauth`` and keeps everything
  (``mark_needs_reauth``); an expired access token is refreshed first (``call``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.vault import vault
from promodesk.models import ShopPlatformLink
from promodesk.shop.domain.platform import LINK_LIFECYCLE, LinkStatus
from promodesk.shop.platform import port
from promodesk.shop.platform.providers import platform
from promodesk.shop.repository.platform import PlatformRepository


@dataclass(frozen=True)
class LinkAccess:
    """A link's identity and encrypted tokens, safe to hold after its unit of work closed."""

    workspace_id: int
    link_id: int
    shop_id: int
    provider: str
    platform_shop_id: str
    shop_cipher: str = field(repr=False)
    access_token_enc: str = field(repr=False)
    refresh_token_enc: str = field(repr=False)
    access_expires_at: datetime

    def access(self) -> port.ShopAccess:
        return port.ShopAccess(
            access_token=vault().decrypt(self.access_token_enc),
            shop_cipher=self.shop_cipher,
            shop_id=self.platform_shop_id,
        )

    def platform(self) -> port.ShopPlatform:
        return platform(self.provider)


def access_of(row: ShopPlatformLink) -> LinkAccess:
    return LinkAccess(
        workspace_id=row.workspace_id,
        link_id=row.id,
        shop_id=row.shop_id,
        provider=row.provider,
        platform_shop_id=row.platform_shop_id,
        shop_cipher=row.shop_cipher,
        access_token_enc=row.access_token_enc,
        refresh_token_enc=row.refresh_token_enc,
        access_expires_at=row.access_expires_at,
    )


def mark_needs_reauth(uow: UnitOfWork, workspace_id: int, link_id: int, reason: str) -> bool:
    """The platform refuses our tokens: stop using them, keep everything else. A no-op when
    the link already waits for re-authorization."""
    repo = PlatformRepository(uow)
    row = repo.link(workspace_id, link_id)
    if row is None or row.status == LinkStatus.NEEDS_REAUTH:
        return False
    LINK_LIFECYCLE.transition(row.status, LinkStatus.NEEDS_REAUTH)
    if not repo.set_status(
        link_id,
        LINK_LIFECYCLE.sources_for(LinkStatus.NEEDS_REAUTH),
        LinkStatus.NEEDS_REAUTH,
        reason,
    ):
        return False
    uow.session.refresh(row)
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor="platform",
        action="shop.platform.needs_reauth",
        object_type="shop",
        object_id=row.shop_id,
        note=reason[:300],
    )
    return True


@dataclass
class Refreshed:
    """A refresh made outside any transaction, to be stored by ``store_refresh``."""

    link_id: int
    workspace_id: int
    old_refresh_enc: str = field(repr=False)
    tokens: port.Tokens | None = field(default=None, repr=False)
    error: port.PlatformError | None = None


def fetch_refresh(link: LinkAccess) -> Refreshed:
    """Ask the platform for a new token pair (no database)."""
    result = Refreshed(link.link_id, link.workspace_id, link.refresh_token_enc)
    try:
        result.tokens = link.platform().refresh(vault().decrypt(link.refresh_token_enc))
    except port.PlatformError as exc:
        result.error = exc
    return result


def store_refresh(uow: UnitOfWork, refreshed: Refreshed, *, actor: str = "platform") -> str:
    """Keep the new tokens (unless another process refreshed first), or mark the link for
    re-authorization when the platform refused the refresh token. Returns what happened."""
    repo = PlatformRepository(uow)
    row = repo.link(refreshed.workspace_id, refreshed.link_id)
    if row is None:
        return "gone"
    if refreshed.error is not None:
        if refreshed.error.needs_authorization:
            mark_needs_reauth(
                uow,
                row.workspace_id,
                row.id,
                f"the platform refused the refresh token: {refreshed.error.message}",
            )
            return "needs_reauth"
        raise refreshed.error
    if row.refresh_token_enc != refreshed.old_refresh_enc:
        return "already"  # another process stored a newer pair first
    assert refreshed.tokens is not None
    tokens = refreshed.tokens
    box = vault()
    row.access_token_enc = box.encrypt(tokens.access_token)
    row.refresh_token_enc = box.encrypt(tokens.refresh_token)
    row.access_expires_at = tokens.access_expires_at
    row.refresh_expires_at = tokens.refresh_expires_at
    row.last_refreshed_at = clock.now()
    uow.flush()
    audit.record(
        uow,
        workspace_id=row.workspace_id,
        actor=actor,
        action="shop.platform.token_refreshed",
        object_type="shop",
        object_id=row.shop_id,
        note=f"request_id={tokens.request_id or ''}",
    )
    return "refreshed"
