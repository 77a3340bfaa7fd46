"""The Budget view (per client account, advertiser and ad account) and reallocating freed budget."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.console.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
