"""Outbox messages over HTTP. Webhook secrets are never part of any response."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from promodesk.models import OutboxEmail, OutboxWebhook


class EmailRead(BaseModel):
    id: int
    kind: str
    ref: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str | None
    status: str
    attempts: int
    max_attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: OutboxEmail) -> EmailRead:
        return cls(
            id=row.id,
            kind=row.kind,
            ref=row.ref,
            to=list(row.to_addrs),
            cc=list(row.cc_addrs or []),
            subject=row.subject,
            text=row.text_body,
            html=row.html_body,
            status=row.status,
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )


class WebhookRead(BaseModel):
    id: int
    event: str
    ref: str
    url: str
    payload: dict[str, Any]
    signature: str | None
    status: str
    attempts: int
    max_attempts: int
    response_code: int | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: OutboxWebhook) -> WebhookRead:
        return cls(
            id=row.id,
            event=row.event,
            ref=row.ref,
            url=row.url,
            payload=dict(row.payload),
            signature=row.signature,
            status=row.status,
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            response_code=row.response_code,
            last_error=row.last_error,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )
