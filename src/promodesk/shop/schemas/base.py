"""Pieces every shop schema uses: printable text, a time with its zone, a read model. Request
bodies follow ``kit.inputs`` (strict, no unknown fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from promodesk.kit.inputs import Timestamp


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Str = Annotated[str, AfterValidator(_printable)]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone (e.g. Z or +08:00)")
    return value


Instant = Annotated[Timestamp, AfterValidator(_utc)]


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)
