"""Tenancy payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from promodesk.kit.inputs import FromText, Input
from promodesk.tenancy.domain import Role


class WorkspaceRead(BaseModel):
    id: int
    slug: str
    name: str
    role: str
    created_at: datetime


# Labels are single-line text: no control characters (PostgreSQL refuses NUL outright).
LABEL_PATTERN = r"^[^\x00-\x1f\x7f]*$"


class ApiKeyCreate(Input):
    name: str = Field(default="", max_length=200, pattern=LABEL_PATTERN)
    role: Annotated[Role, FromText] = Role.OPERATOR


class ApiKeyRead(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="the secret; shown once, never again")


class MemberRead(BaseModel):
    user_id: int
    email: str
    name: str
    role: str
