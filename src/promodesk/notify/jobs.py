"""Notification job handlers: one delivery attempt each, rescheduled after a failure."""

from __future__ import annotations

from promodesk.kit.jobs import JobContext, handler
from promodesk.notify.service.delivery import deliver_email, deliver_webhook
from promodesk.notify.service.outbox import EMAIL_JOB, WEBHOOK_JOB


@handler(EMAIL_JOB)
def email(ctx: JobContext) -> None:
    again = deliver_email(ctx.uow, int(ctx.payload["email_id"]))
    if again is not None:
        ctx.reschedule(again)


@handler(WEBHOOK_JOB)
def webhook(ctx: JobContext) -> None:
    again = deliver_webhook(ctx.uow, int(ctx.payload["webhook_id"]))
    if again is not None:
        ctx.reschedule(again)
