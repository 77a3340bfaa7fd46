"""Monitoring job handlers: watch cancelled objects after the stop.

``campaigns.monitor_watch`` runs on a schedule (hourly; ``system.jobs``): it reads the report
store only (no TikTok call) and alerts once per item still spending after its stop; it also
sends the items that could not be verified (authorization revoked) to verification again once
their ad account is reconnected (``cancel_unverifiable``)."""

from __future__ import annotations

from promodesk.campaigns.service.cancellations import unverifiable as cancel_unverifiable
from promodesk.campaigns.service.monitor import watch as monitor_watch
from promodesk.kit.jobs import JobContext, handler


@handler(monitor_watch.WATCH_JOB)
def watch(ctx: JobContext) -> None:
    monitor_watch.watch(ctx.uow)
    cancel_unverifiable.reverify_reconnected(ctx.uow)
