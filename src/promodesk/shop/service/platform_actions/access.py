"""What reaches a linked shop's platform, and when: the link a write goes through, and the
write's parts.

Rules:
- Only a product or activity mirrored from a linked shop's platform is written there; a shop
  with no link (or a product the platform does not know) changes locally only, as before.
- A shop whose link waits for re-authorization refuses an action taken by a person
  (``PlatformReauthorize``, nothing changed anywhere): the platform would not follow. A
  job (the delist after the delay) goes on locally and notes the skipped write in the audit.
"""

from __future__ import annotations

from typing import Any

from promodesk.audit import service as audit
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_
from promodesk.models import (
    ShopPlatformLink,
    ShopProduct,
)
from promodesk.shop.domain.platform import (
    LinkStatus,
    WriteAction,
)
from promodesk.shop.errors import PlatformReauthorize
from promodesk.shop.repository.platform import PlatformRepository

Part = tuple[WriteAction, str, list[str], dict[str, Any]]
# A part sent only when the part before it was verified (``platform_writes``).
AFTER = {"after_previous": True}


def stamp() -> int:
    return int(clock.now().timestamp() * 1000)


def link_for(
    uow: UnitOfWork, workspace_id: int, shop_id: int, *, by_job: bool = False
) -> ShopPlatformLink | None:
    """The shop's platform link when writes go there; None for a shop with no link (and for
    a job when the link waits for re-authorization)."""
    link = PlatformRepository(uow).link_for_shop(workspace_id, shop_id)
    if link is None:
        return None
    if link.status != LinkStatus.ACTIVE:
        if by_job:
            return None
        raise PlatformReauthorize(
            "the platform no longer accepts this shop's authorization: connect it again "
            "before changing its products",
            message=N_(
                "The platform no longer accepts this shop's authorization: connect the shop "
                "again before changing its products."
            ),
        )
    return link


def note_skipped(uow: UnitOfWork, workspace_id: int, product: ShopProduct, what: str) -> None:
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor="system",
        action="shop.platform.write_skipped",
        object_type="shop_product",
        object_id=product.id,
        note=f"{what}: the shop's platform link waits for re-authorization",
    )
