"""Cancel campaigns, ad groups and ads: the preview with money and a reason, the confirmation, the
cancellation pages (progress, verification, undo, re-create)."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.console.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
