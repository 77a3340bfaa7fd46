"""Console routes, one module per page group; every router uses ``ConsoleRoute``."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.console.routes import (
    accounts,
    accounts_audiences,
    accounts_campaigns,
    accounts_clients,
    accounts_removals,
    audit,
    auth,
    home,
    jobs,
    keys,
    operations,
    outbox,
    promote,
    promote_money,
    promote_orders,
    promote_review,
    shop,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    home.router,
    jobs.router,
    audit.router,
    operations.router,
    keys.router,
    promote.router,
    promote_money.router,
    promote_orders.router,
    promote_review.router,
    outbox.router,
    accounts_clients.router,
    accounts_removals.router,
    accounts_campaigns.router,
    accounts_audiences.router,
    accounts.router,
    *shop.ROUTERS,
)
