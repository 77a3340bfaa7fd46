"""Console routes, one sub-package per feature (``accounts/``, ``promote/``, ``shop/``) and one
module per page group of the workspace (login, dashboard, jobs, audit, operations, keys,
outbox); every router uses ``ConsoleRoute``.

``ROUTERS`` is the one list the console registers, in this order: a literal path
(``/accounts/request``) comes before the pattern that would also match it
(``/accounts/{ad_account_id}``).
"""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.console.routes import audit, auth, home, jobs, keys, operations, outbox
from promodesk.console.routes.accounts import (
    ad_accounts,
    audiences,
    campaign_changes,
    clients,
    removals,
)
from promodesk.console.routes.accounts.campaigns import allocation as campaign_allocation
from promodesk.console.routes.accounts.campaigns import detail as campaign_detail
from promodesk.console.routes.accounts.campaigns import export as campaign_export
from promodesk.console.routes.accounts.campaigns import lists as campaign_lists
from promodesk.console.routes.campaigns import budget as campaign_budget
from promodesk.console.routes.campaigns import cancel as campaign_cancel
from promodesk.console.routes.campaigns import monitor as campaign_monitor
from promodesk.console.routes.campaigns import retrospective as campaign_retrospective
from promodesk.console.routes.promote import creators, money, orders
from promodesk.console.routes.promote import review as promote_review
from promodesk.console.routes.promotions import index as promotions_index
from promodesk.console.routes.promotions import products as promotion_products
from promodesk.console.routes.promotions import stop as promotion_stop
from promodesk.console.routes.promotions import stop_list as promotion_stop_list
from promodesk.console.routes.promotions import stops as promotion_stops
from promodesk.console.routes.rules import form as rule_form
from promodesk.console.routes.rules import pages as rule_pages
from promodesk.console.routes.shop import (
    activities,
    batches,
    cancel,
    remediation,
    stock_zero,
)
from promodesk.console.routes.shop import platform as shop_platform
from promodesk.console.routes.shop import review as shop_review

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    home.router,
    jobs.router,
    audit.router,
    operations.router,
    keys.router,
    creators.router,
    money.router,
    orders.router,
    promote_review.router,
    outbox.router,
    clients.router,
    removals.router,
    rule_form.router,  # /rules/new before /rules/{rule_id}
    rule_pages.router,
    campaign_monitor.router,
    campaign_retrospective.router,  # /cancellations/retrospective before /cancellations/{id}
    campaign_cancel.router,
    campaign_budget.router,
    campaign_lists.router,
    campaign_export.router,
    campaign_allocation.router,
    campaign_detail.router,  # /campaigns/ads, /campaigns/export before /campaigns/{campaign_id}
    campaign_changes.router,
    audiences.router,
    ad_accounts.router,
    activities.router,
    cancel.router,
    stock_zero.router,
    batches.router,
    remediation.router,
    shop_platform.router,
    shop_review.router,
    promotions_index.router,
    promotion_products.router,
    promotion_stop.router,
    promotion_stop_list.router,
    promotion_stops.router,
)
