"""The campaigns' HTTP routes put together: the one router the app includes."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.campaigns.api import campaigns

router = APIRouter()
for feature in (campaigns,):
    router.include_router(feature.router)
