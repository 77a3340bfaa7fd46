"""Monitoring after a cancellation (before/after charts) and the retrospective of cancellations."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.console.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
