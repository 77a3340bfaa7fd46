"""A workspace's platform links, and what may be shown of one."""

from __future__ import annotations

from typing import Any

from promodesk.kit.db import UnitOfWork
from promodesk.models import ShopPlatformLink
from promodesk.shop.repository.platform import PlatformRepository


def get_link(uow: UnitOfWork, workspace_id: int, shop_id: int) -> ShopPlatformLink | None:
    return PlatformRepository(uow).link_for_shop(workspace_id, shop_id)


def links(uow: UnitOfWork, workspace_id: int) -> list[ShopPlatformLink]:
    return list(PlatformRepository(uow).links(workspace_id))


def link_view(row: ShopPlatformLink) -> dict[str, Any]:
    """What may be shown of a link: never a token."""
    return {
        "id": row.id,
        "shop_id": row.shop_id,
        "provider": row.provider,
        "platform_shop_id": row.platform_shop_id,
        "platform_shop_name": row.platform_shop_name,
        "region": row.region,
        "seller_name": row.seller_name,
        "status": row.status,
        "status_reason": row.status_reason,
        "access_expires_at": row.access_expires_at,
        "refresh_expires_at": row.refresh_expires_at,
        "last_refreshed_at": row.last_refreshed_at,
        "synced_at": row.synced_at,
        "sync_state": dict(row.sync_state or {}),
        "linked_by": row.linked_by,
        "created_at": row.created_at,
    }
