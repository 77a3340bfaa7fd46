"""Snapshots and verification results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promodesk.kit.pagination import Page
from promodesk.shop.schemas.base import Read


class SnapshotRead(Read):
    id: int
    enrollment_id: int
    activity_id: int
    shop_id: int
    product_id: int
    change: str
    batch_id: int | None
    data: dict[str, Any]
    created_at: datetime
    restored_at: datetime | None


class VerificationRead(Read):
    id: int
    batch_id: int
    enrollment_id: int
    activity_id: int
    shop_id: int
    product_id: int
    passed: bool
    purchasable: bool
    active_offers: int
    created_at: datetime


class SnapshotPage(Page[SnapshotRead]):
    """A page of ``SnapshotRead`` (``kit.pagination``)."""


class VerificationPage(Page[VerificationRead]):
    """A page of ``VerificationRead`` (``kit.pagination``)."""
