"""What an endpoint handler gets: the world, the webhooks, the caller's grant and shop, the
query, the path's ids and the JSON body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from promodesk.shop_sandbox.auth import Grant
from promodesk.shop_sandbox.webhooks import Webhooks
from promodesk.shop_sandbox.wire import Body, invalid
from promodesk.shop_sandbox.world import Shop, World


@dataclass
class Call:
    world: World
    webhooks: Webhooks
    grant: Grant
    shop_index: int  # -1 for calls that take no shop_cipher
    query: Mapping[str, str]
    ids: dict[str, str]
    body: Body

    @property
    def shop(self) -> Shop:
        return self.world.shops[self.shop_index]

    def emit(self, kind: int, data: dict[str, Any]) -> None:
        self.webhooks.emit(kind, self.shop.id, data)

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid(f"Invalid parameter: {name} must be an integer.") from None
        if not low <= value <= high:
            raise invalid(f"Invalid parameter: {name} must be in [{low}, {high}].")
        return value
