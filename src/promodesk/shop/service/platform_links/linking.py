"""Link a promodesk shop to one platform shop of an authorization.

3. ``link`` ties the promodesk shop to one of them, picked by its ``cipher`` (or the only one).
   Tokens are encrypted at rest with the same vault as ad accounts' tokens (``TokenVault``,
   ``PROMODESK_TOKEN_KEYS``) and never returned or logged. Linking again (same platform shop)
   renews the tokens and brings a link that needed re-authorization back to ``active``.
"""

from __future__ import annotations

import secrets

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.vault import vault
from promodesk.models import ShopPlatformLink
from promodesk.shop.domain.platform import LINK_LIFECYCLE, LinkStatus
from promodesk.shop.errors import PlatformChoiceNeeded
from promodesk.shop.platform import port
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.repository.platform import PlatformRepository
from promodesk.shop.service.platform_links.authorization import Authorized
from promodesk.shop.service.platform_links.refresh import ensure_refresh_schedule


def pick(authorized: Authorized, shop_cipher: str | None) -> port.PlatformShop:
    """The platform shop to link: the one with ``shop_cipher``, or the only one."""
    if shop_cipher:
        for candidate in authorized.shops:
            if secrets.compare_digest(candidate.cipher, shop_cipher):
                return candidate
        raise ValidationFailed("the authorization does not cover that shop", field="shop_cipher")
    if len(authorized.shops) == 1:
        return authorized.shops[0]
    raise PlatformChoiceNeeded(
        "the authorization covers several shops: pick one",
        shops=[
            {"shop_id": s.shop_id, "name": s.name, "region": s.region, "cipher": s.cipher}
            for s in authorized.shops
        ],
    )


def link(
    uow: UnitOfWork,
    authorized: Authorized,
    *,
    shop_cipher: str | None = None,
    actor: str = "system",
) -> ShopPlatformLink:
    """Link (or re-link) the shop to the picked platform shop; tokens encrypted at rest."""
    chosen = pick(authorized, shop_cipher)
    workspace_id = authorized.workspace_id
    shop = ShopRepository(uow).shop(workspace_id, authorized.shop_id)
    if shop is None:
        raise NotFound(f"shop {authorized.shop_id} not found")
    repo = PlatformRepository(uow)
    other = repo.link_by_platform_shop(workspace_id, authorized.provider, chosen.shop_id)
    if other is not None and other.shop_id != shop.id:
        raise ValidationFailed(
            f"that platform shop is already linked to shop {other.shop_id}", field="shop_cipher"
        )
    current = repo.link_for_shop(workspace_id, shop.id)
    if current is not None and (
        current.provider != authorized.provider or current.platform_shop_id != chosen.shop_id
    ):
        raise ValidationFailed(
            "this shop is linked to another platform shop; its mirror would mix two shops",
            field="shop_cipher",
        )
    tokens = authorized.tokens
    box = vault()
    now = clock.now()
    if current is None:
        current = ShopPlatformLink(
            workspace_id=workspace_id,
            shop_id=shop.id,
            provider=authorized.provider,
            platform_shop_id=chosen.shop_id,
            status=LinkStatus.ACTIVE,
            linked_by=actor[:200],
            sync_state={},
            status_reason="",
        )
        action = "shop.platform.linked"
    else:
        if current.status != LinkStatus.ACTIVE:
            current.status = LINK_LIFECYCLE.transition(current.status, LinkStatus.ACTIVE)
        current.status_reason = ""
        action = "shop.platform.relinked"
    current.shop_cipher = chosen.cipher
    current.platform_shop_name = chosen.name[:200]
    current.region = chosen.region[:16]
    current.seller_name = tokens.seller_name[:200]
    current.scopes = list(tokens.scopes)
    current.access_token_enc = box.encrypt(tokens.access_token)
    current.refresh_token_enc = box.encrypt(tokens.refresh_token)
    current.access_expires_at = tokens.access_expires_at
    current.refresh_expires_at = tokens.refresh_expires_at
    current.last_refreshed_at = now
    with uow.savepoint():  # two callbacks of one authorization: 409, not a 500
        repo.add(current)
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        object_type="shop",
        object_id=shop.id,
        after={
            "provider": current.provider,
            "platform_shop_id": current.platform_shop_id,
            "platform_shop_name": current.platform_shop_name,
        },
    )
    ensure_refresh_schedule(uow)
    return current
