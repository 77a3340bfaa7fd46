"""The outbox over HTTP: read emails and webhook deliveries, queue a failed one again."""

from __future__ import annotations

from fastapi import APIRouter

from promodesk.kit.pagination import Page, after, fetch, page
from promodesk.notify.domain import OutboxStatus
from promodesk.notify.schemas import EmailRead, WebhookRead
from promodesk.notify.service import outbox as service
from promodesk.web import Admin, ApiRoute, Caller, Cursor, Limit, Text, Uow

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/notify", tags=["notify"])


@router.get("/emails", response_model=Page[EmailRead])
def list_emails(
    uow: Uow,
    caller: Caller,
    limit: Limit = 50,
    cursor: Cursor = None,
    kind: Text = None,
    ref: Text = None,
    status: OutboxStatus | None = None,
) -> Page[EmailRead]:
    """Newest first; filter by ``kind``, ``ref`` (the related object) and ``status``."""
    rows = service.list_emails(
        uow,
        caller.workspace_id,
        kind=kind,
        ref=ref,
        status=status.value if status else None,
        before_id=after(cursor),
        limit=fetch(limit),
    )
    return Page[EmailRead](**page([EmailRead.of(r) for r in rows], limit))


@router.get("/emails/{email_id}", response_model=EmailRead)
def get_email(email_id: int, uow: Uow, caller: Caller) -> EmailRead:
    return EmailRead.of(service.get_email(uow, caller.workspace_id, email_id))


@router.post("/emails/{email_id}/resend", response_model=EmailRead)
def resend_email(email_id: int, uow: Uow, caller: Admin) -> EmailRead:
    """Queue a ``failed`` email again with a fresh attempt budget (409 otherwise)."""
    row = service.resend_email(uow, caller.workspace_id, email_id, actor=caller.actor)
    return EmailRead.of(row)


@router.get("/webhooks", response_model=Page[WebhookRead])
def list_webhooks(
    uow: Uow,
    caller: Caller,
    limit: Limit = 50,
    cursor: Cursor = None,
    event: Text = None,
    ref: Text = None,
    status: OutboxStatus | None = None,
) -> Page[WebhookRead]:
    """Newest first; filter by ``event``, ``ref`` and ``status``."""
    rows = service.list_webhooks(
        uow,
        caller.workspace_id,
        event=event,
        ref=ref,
        status=status.value if status else None,
        before_id=after(cursor),
        limit=fetch(limit),
    )
    return Page[WebhookRead](**page([WebhookRead.of(r) for r in rows], limit))


@router.get("/webhooks/{webhook_id}", response_model=WebhookRead)
def get_webhook(webhook_id: int, uow: Uow, caller: Caller) -> WebhookRead:
    return WebhookRead.of(service.get_webhook(uow, caller.workspace_id, webhook_id))


@router.post("/webhooks/{webhook_id}/resend", response_model=WebhookRead)
def resend_webhook(webhook_id: int, uow: Uow, caller: Admin) -> WebhookRead:
    """Queue a ``failed`` webhook delivery again with a fresh attempt budget (409 otherwise)."""
    row = service.resend_webhook(uow, caller.workspace_id, webhook_id, actor=caller.actor)
    return WebhookRead.of(row)
