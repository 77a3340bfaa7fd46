"""Promotions job handlers: the automatic product links of an ad account's ads, after its sync."""

from __future__ import annotations

from promodesk.kit.jobs import JobContext, handler
from promodesk.promotions.domain.links import LINK_JOB
from promodesk.promotions.service.products import link_ads_automatically


@handler(LINK_JOB)
def link_ads(ctx: JobContext) -> None:
    """Link the ad account's ads to the products they name. Safe to run twice."""
    link_ads_automatically(
        ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["ad_account_id"])
    )
