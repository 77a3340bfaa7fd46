"""The campaigns' HTTP routes put together: the one router the app includes."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.campaigns.api import budget, campaigns, cancellations, monitor, reports

router = APIRouter()
for feature in (campaigns, reports, monitor, cancellations, budget):
    router.include_router(feature.router)
