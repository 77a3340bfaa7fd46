"""The shop's HTTP routes put together: the one router the app includes."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.shop.api import alternatives, cancel, catalog, evidence, platform

router = APIRouter()
for feature in (catalog, cancel, evidence, alternatives, platform):
    router.include_router(feature.router)
router.include_router(platform.webhooks)
