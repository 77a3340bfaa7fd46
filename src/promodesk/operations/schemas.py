"""What the operations API returns."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class OperationRead(BaseModel):
    id: int
    kind: str
    title: str
    state: str
    total: int
    done: int
    failed: int
    percent: float
    total_known: bool = Field(
        description="False before a total is reported, and while the counts have reached a "
        "total that may still grow (a TikTok sync discovers its work as it goes)"
    )
    errors: list[dict[str, Any]]
    result: dict[str, Any]
    created_at: str
    updated_at: str
    finished_at: str | None
