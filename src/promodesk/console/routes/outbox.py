"""Outbox: the emails and webhook deliveries of this workspace, one message, and resending a
failed one. In demo or capture mode this is where mail "lands": it is kept, not sent."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console.paging import PAGE_SIZE, Pager, parse_before
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import AdminVisit, Uow, ViewerVisit, console_of
from promodesk.notify.domain import OutboxStatus
from promodesk.notify.service import outbox as notify
from promodesk.notify.settings import delivery

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
STATUSES = tuple(s.value for s in OutboxStatus)
TABS = ("mail", "webhooks")


@router.get("/outbox")
def outbox(
    request: Request,
    visit: ViewerVisit,
    uow: Uow,
    tab: str = "mail",
    status: str = "",
    before: str = "",
) -> Response:
    workspace_id = visit.principal.workspace_id
    if tab not in TABS:
        tab = "mail"
    if status and status not in STATUSES:
        visit.flash("warning", visit._("Unknown status; showing every message."))
        status = ""
    cursor = parse_before(before)
    wanted = status or None
    if tab == "mail":
        rows: list[object] = list(
            notify.list_emails(
                uow, workspace_id, status=wanted, before_id=cursor, limit=PAGE_SIZE + 1
            )
        )
    else:
        rows = list(
            notify.list_webhooks(
                uow, workspace_id, status=wanted, before_id=cursor, limit=PAGE_SIZE + 1
            )
        )
    shown, pager = Pager.of(rows, "/outbox", {"tab": tab, "status": status}, cursor)
    cfg = delivery(console_of(request).st.settings)
    return visit.page(
        "outbox.html",
        tab=tab,
        rows=shown,
        pager=pager,
        current=status,
        statuses=STATUSES,
        capture_mail=cfg.capture_mail,
        capture_webhooks=cfg.capture_webhooks,
    )


@router.get("/outbox/mail/{email_id}")
def mail_detail(visit: ViewerVisit, uow: Uow, email_id: int) -> Response:
    mail = notify.get_email(uow, visit.principal.workspace_id, email_id)
    return visit.page("outbox_mail.html", mail=mail)


@router.get("/outbox/webhooks/{webhook_id}")
def webhook_detail(visit: ViewerVisit, uow: Uow, webhook_id: int) -> Response:
    hook = notify.get_webhook(uow, visit.principal.workspace_id, webhook_id)
    return visit.page("outbox_webhook.html", hook=hook)


@router.post("/outbox/mail/{email_id}/resend")
def mail_resend(visit: AdminVisit, uow: Uow, email_id: int) -> Response:
    principal = visit.principal
    mail = notify.resend_email(uow, principal.workspace_id, email_id, actor=principal.actor)
    visit.flash("success", visit._("Message %(id)s is queued to be sent again.", id=mail.id))
    return visit.redirect(f"/outbox/mail/{mail.id}")


@router.post("/outbox/webhooks/{webhook_id}/resend")
def webhook_resend(visit: AdminVisit, uow: Uow, webhook_id: int) -> Response:
    principal = visit.principal
    hook = notify.resend_webhook(uow, principal.workspace_id, webhook_id, actor=principal.actor)
    visit.flash("success", visit._("Message %(id)s is queued to be sent again.", id=hook.id))
    return visit.redirect(f"/outbox/webhooks/{hook.id}")
