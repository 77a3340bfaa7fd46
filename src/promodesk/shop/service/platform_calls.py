"""What a cancel batch sent to its shop's platform, call by call, for people to read: the
batch's write intents (key ``batch:<id>:…``) with the products each named, its status, the
platform's code, message and ``request_id`` of each attempt, and the read-back that verified
it.

Rules:
- Read only; a batch of another workspace is not found (404), a batch with no platform write
  (its shop is not linked) has no calls.
- Products are named by their title in promodesk where the mirror knows the platform id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import ShopPlatformIntent
from promodesk.shop.domain.platform import IntentStatus
from promodesk.shop.repository.batches import BatchRepository
from promodesk.shop.repository.platform import PlatformRepository

MAX_CALLS = 1000  # a 300,000-product cancel at 300 ids a call


@dataclass(frozen=True)
class Attempt:
    """One answer of the platform to one call."""

    number: int
    ok: bool
    code: str
    message: str
    request_id: str
    ids: int | None


@dataclass(frozen=True)
class Product:
    platform_id: str
    product_id: int | None
    title: str


@dataclass(frozen=True)
class Call:
    id: int
    action: str
    status: str
    chunk: int
    activity_id: int | None
    activity_name: str
    platform_activity_id: str
    shop_id: int | None
    products: list[Product]
    attempts: list[Attempt]
    read_back_request_id: str
    still_listed: list[str]
    message: str
    created_at: datetime
    updated_at: datetime


@dataclass
class BatchCalls:
    batch_id: int
    calls: list[Call] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.calls)

    @property
    def settled(self) -> bool:
        final = (IntentStatus.VERIFIED, IntentStatus.FAILED)
        return bool(self.calls) and all(c.status in final for c in self.calls)

    @property
    def shop_ids(self) -> set[int]:
        return {c.shop_id for c in self.calls if c.shop_id is not None}


def batch_calls(uow: UnitOfWork, workspace_id: int, batch_id: int) -> BatchCalls:
    if BatchRepository(uow).batch(workspace_id, batch_id) is None:
        raise NotFound(f"batch {batch_id} not found")
    repo = PlatformRepository(uow)
    intents = list(repo.intents(workspace_id, f"batch:{batch_id}:"))[:MAX_CALLS]
    intents.sort(key=lambda i: (_activity_of(i.key) or 0, i.chunk, i.id))
    shops: dict[int, int | None] = {}
    for link_id in {i.link_id for i in intents}:
        link = repo.link(workspace_id, link_id)
        shops[link_id] = link.shop_id if link is not None else None
    names = _products(repo, workspace_id, intents, shops)
    activities: dict[str, str] = {}
    out = BatchCalls(batch_id, counts={s.value: 0 for s in IntentStatus})
    for intent in intents:
        shop_id = shops.get(intent.link_id)
        if intent.platform_activity_id not in activities:
            row = (
                repo.activity_by_platform_id(workspace_id, shop_id, intent.platform_activity_id)
                if shop_id is not None
                else None
            )
            activities[intent.platform_activity_id] = row.name if row is not None else ""
        out.counts[intent.status] = out.counts.get(intent.status, 0) + 1
        out.calls.append(_call(intent, shop_id, activities, names))
    return out


def _activity_of(key: str) -> int | None:
    """The promodesk activity a batch's write is for (``batch:<id>:activity:<id>:…``)."""
    parts = key.split(":")
    if len(parts) >= 4 and parts[2] == "activity" and parts[3].isdigit():
        return int(parts[3])
    return None


def _products(
    repo: PlatformRepository,
    workspace_id: int,
    intents: list[ShopPlatformIntent],
    shops: dict[int, int | None],
) -> dict[tuple[int | None, str], Product]:
    wanted: dict[int, list[str]] = {}
    for intent in intents:
        shop_id = shops.get(intent.link_id)
        if shop_id is not None:
            wanted.setdefault(shop_id, []).extend(str(p) for p in intent.product_ids)
    found: dict[tuple[int | None, str], Product] = {}
    for shop_id, ids in wanted.items():
        for platform_id, row in repo.products_by_platform_id(workspace_id, shop_id, ids).items():
            found[(shop_id, platform_id)] = Product(platform_id, row.id, row.title)
    return found


def _call(
    intent: ShopPlatformIntent,
    shop_id: int | None,
    activities: dict[str, str],
    names: dict[tuple[int | None, str], Product],
) -> Call:
    result: dict[str, Any] = dict(intent.result or {})
    attempts = []
    for number in range(1, intent.attempts + 1):
        answer = result.get(f"attempt_{number}")
        if not isinstance(answer, dict):
            continue
        ids = answer.get("ids")
        attempts.append(
            Attempt(
                number=number,
                ok=bool(answer.get("ok")),
                code=str(answer.get("code") or ""),
                message=str(answer.get("message") or ""),
                request_id=str(answer.get("request_id") or ""),
                ids=int(ids) if isinstance(ids, int) else None,
            )
        )
    products = [
        names.get((shop_id, str(p))) or Product(str(p), None, "") for p in intent.product_ids
    ]
    return Call(
        id=intent.id,
        action=intent.action,
        status=intent.status,
        chunk=intent.chunk,
        activity_id=_activity_of(intent.key),
        activity_name=activities.get(intent.platform_activity_id, ""),
        platform_activity_id=intent.platform_activity_id,
        shop_id=shop_id,
        products=products,
        attempts=attempts,
        read_back_request_id=str(result.get("read_back_request_id") or ""),
        still_listed=[str(p) for p in result.get("still_listed") or []],
        message=str(result.get("message") or ""),
        created_at=intent.created_at,
        updated_at=intent.updated_at,
    )
