"""How a recorded platform write is going: its intents counted by status, whether all are over,
and each intent's chunk, products, attempts and result (``platform_writes`` records and runs
them)."""

from __future__ import annotations

from typing import Any

from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import ShopPlatformIntent
from promodesk.shop.domain.platform import IntentStatus
from promodesk.shop.repository.platform import PlatformRepository

FINAL = frozenset({IntentStatus.VERIFIED, IntentStatus.FAILED})  # an intent that is over


def progress(uow: UnitOfWork, workspace_id: int, key: str) -> dict[str, Any]:
    intents = list(PlatformRepository(uow).intents(workspace_id, f"{key}:"))
    if not intents:
        raise NotFound(f"no platform write {key!r}")
    return _summary(key, intents)


def recent(uow: UnitOfWork, workspace_id: int, limit: int = 200) -> dict[str, Any]:
    """The latest intents of every write (newest first)."""
    return _summary("", list(PlatformRepository(uow).recent_intents(workspace_id, limit)))


def _summary(key: str, intents: list[ShopPlatformIntent]) -> dict[str, Any]:
    counts = {s.value: 0 for s in IntentStatus}
    for intent in intents:
        counts[intent.status] += 1
    return {
        "key": key,
        "counts": counts,
        "done": all(i.status in FINAL for i in intents),
        "intents": [
            {
                "id": i.id,
                "key": i.key,
                "action": i.action,
                "chunk": i.chunk,
                "platform_activity_id": i.platform_activity_id,
                "products": len(i.product_ids),
                "status": i.status,
                "attempts": i.attempts,
                "result": i.result,
            }
            for i in intents
        ],
    }
