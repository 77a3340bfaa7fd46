"""Promotions job handlers: the automatic product links of an ad account's ads, after its sync;
the watch of a stop everywhere until each of its steps is over; the demo product's links once
the demo's first sync has brought its campaigns."""

from __future__ import annotations

from promodesk.kit import clock
from promodesk.kit.jobs import JobContext, handler
from promodesk.promotions import demo
from promodesk.promotions.domain.links import LINK_JOB
from promodesk.promotions.service import stop_watch
from promodesk.promotions.service.products import link_ads_automatically


@handler(LINK_JOB)
def link_ads(ctx: JobContext) -> None:
    """Link the ad account's ads to the products they name. Safe to run twice."""
    link_ads_automatically(
        ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["ad_account_id"])
    )


@handler(stop_watch.WATCH_JOB)
def watch_stop(ctx: JobContext) -> None:
    """Record the steps that ended; look again shortly while any still runs."""
    if not stop_watch.watch(ctx.uow, int(ctx.payload["workspace_id"]), int(ctx.payload["stop_id"])):
        ctx.reschedule(clock.now() + stop_watch.watch_every())


@handler(demo.DEMO_LINKS_JOB)
def demo_links(ctx: JobContext) -> None:
    demo.look_again(ctx)
