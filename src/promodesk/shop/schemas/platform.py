"""Schemas of a shop's platform link: never a token, only what identifies the platform shop
and the link's state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from promodesk.kit.inputs import Input
from promodesk.shop.schemas.base import Read, Str


class PlatformAuthorizeIn(Input):
    redirect_uri: Annotated[Str, Field(min_length=1, max_length=2000, pattern=r"^https?://")]


class PlatformAuthorizeOut(Read):
    url: str


class PlatformLinkIn(Input):
    """The callback's ``code`` and ``state``; ``shop_cipher`` picks the platform shop when the
    authorization covers several."""

    state: Annotated[Str, Field(min_length=1, max_length=2000)]
    code: Annotated[Str, Field(min_length=1, max_length=1000)]
    shop_cipher: Annotated[Str | None, Field(min_length=1, max_length=255)] = None


class PlatformPickIn(Input):
    pending: Annotated[Str, Field(min_length=1, max_length=20_000)]
    shop_cipher: Annotated[Str, Field(min_length=1, max_length=255)]


class PlatformLinkRead(Read):
    id: int
    shop_id: int
    provider: str
    platform_shop_id: str
    platform_shop_name: str
    region: str
    seller_name: str
    status: str
    status_reason: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    last_refreshed_at: datetime | None
    synced_at: datetime | None
    sync_state: dict[str, Any]
    linked_by: str
    created_at: datetime


class PlatformSyncIn(Input):
    full: bool = False


class PlatformSyncOut(Read):
    job_id: int
    operation_id: int


class PlatformIntentRead(Read):
    id: int
    key: str
    action: str
    chunk: int
    platform_activity_id: str
    products: int
    status: str
    attempts: int
    result: dict[str, Any]


class PlatformWriteRead(Read):
    key: str
    counts: dict[str, int]
    done: bool
    intents: list[PlatformIntentRead]
