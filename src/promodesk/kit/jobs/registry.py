"""Job handlers register by name; a handler receives a context with its own unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from promodesk.kit.db import UnitOfWork


@dataclass
class JobContext:
    uow: UnitOfWork
    job_id: int
    name: str
    payload: dict[str, Any]
    attempt: int
    workspace_id: int | None


Handler = Callable[[JobContext], None]
_handlers: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[name] = fn
        return fn

    return register


def registered() -> dict[str, Handler]:
    return dict(_handlers)


def get(name: str) -> Handler | None:
    return _handlers.get(name)
