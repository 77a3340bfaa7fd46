"""Snapshots and verification results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promodesk.kit.pagination import Page
from promodesk.shop.schemas.base import Read
from promodesk.shop.schemas.catalog import EnrollmentRead


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
    # A linked shop's item: what the platform showed when read back, and the remediation.
    platform: dict[str, Any] | None = None
    created_at: datetime


class SnapshotPage(Page[SnapshotRead]):
    """A page of ``SnapshotRead`` (``kit.pagination``)."""


class VerificationPage(Page[VerificationRead]):
    """A page of ``VerificationRead`` (``kit.pagination``)."""


class RestoreRead(EnrollmentRead):
    """The enrollment after a restore; for a linked shop's product, the key of the write that
    puts it back on the platform (its progress: ``GET /api/v1/shop/platform/writes?key=``)."""

    platform_write: str | None = None
