"""Delivery attempts, run by the job handlers inside the job's unit of work.

Rules:
- A handler reloads the row by id; a row that is not ``queued`` any more is a no-op (a job
  that runs twice after a crash sends at most one more copy, with the same Message-ID or
  ``X-Promodesk-Delivery`` id so the receiver can drop it).
- A failed attempt is recorded on the row (attempts, last error, HTTP status) and the job is
  rescheduled with the jobs' exponential backoff; the record and the new due time commit
  together. After ``max_attempts`` failed attempts the row is ``failed`` and stays visible in
  the console outbox, where a person can queue it again.
- Capture mode (demo or ``PROMODESK_NOTIFY_CAPTURE``) sends nothing: the row is ``captured``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.jobs.domain import backoff
from promodesk.kit.vault import vault
from promodesk.models import OutboxEmail, OutboxWebhook
from promodesk.notify import domain
from promodesk.notify.domain import OutboxStatus
from promodesk.notify.repository import NotifyRepository
from promodesk.notify.settings import Delivery, delivery
from promodesk.notify.transport import DeliveryFailed, Mail, message_id, post_webhook, send_mail

log = logging.getLogger("promodesk.notify")
_QUEUED = OutboxStatus.QUEUED.value


def deliver_email(uow: UnitOfWork, email_id: int, cfg: Delivery | None = None) -> datetime | None:
    """One attempt; returns when to try again (None: nothing more to do)."""
    repo = NotifyRepository(uow)
    row = repo.get(OutboxEmail, email_id, None)
    if row is None or row.status != _QUEUED:
        return None
    cfg = cfg or delivery()
    now = clock.now()
    if cfg.capture_mail:
        _finish(repo, OutboxEmail, row.id, OutboxStatus.CAPTURED, {"sent_at": now})
        return None
    attempts = row.attempts + 1
    mail = Mail(
        message_id=message_id(row.workspace_id, row.id),
        to=list(row.to_addrs),
        cc=list(row.cc_addrs or []),
        subject=row.subject,
        text=row.text_body,
        html=row.html_body,
        headers={"X-Promodesk-Kind": row.kind},
    )
    try:
        note = send_mail(mail, cfg)
    except DeliveryFailed as exc:
        return _failed(repo, OutboxEmail, row.id, row.max_attempts, attempts, str(exc), cfg, {})
    values = {"attempts": attempts, "sent_at": clock.now(), "last_error": note or None}
    _finish(repo, OutboxEmail, row.id, OutboxStatus.SENT, values)
    return None


def deliver_webhook(
    uow: UnitOfWork, webhook_id: int, cfg: Delivery | None = None
) -> datetime | None:
    """One attempt; returns when to try again (None: nothing more to do)."""
    repo = NotifyRepository(uow)
    row = repo.get(OutboxWebhook, webhook_id, None)
    if row is None or row.status != _QUEUED:
        return None
    cfg = cfg or delivery()
    if cfg.capture_webhooks:
        _finish(repo, OutboxWebhook, row.id, OutboxStatus.CAPTURED, {"sent_at": clock.now()})
        return None
    attempts = row.attempts + 1
    try:
        secret = vault().decrypt(row.secret_enc)
    except ValueError as exc:  # the key that encrypted it was removed: retrying cannot help
        values = {"attempts": attempts, "last_error": domain.error_text(str(exc))}
        _finish(repo, OutboxWebhook, row.id, OutboxStatus.FAILED, values)
        return None
    raw = domain.encode_payload(row.payload)
    try:
        code, signature = post_webhook(row.url, row.event, row.id, raw, secret, cfg)
    except DeliveryFailed as exc:
        extra = {"response_code": exc.response_code}
        return _failed(
            repo, OutboxWebhook, row.id, row.max_attempts, attempts, str(exc), cfg, extra
        )
    values = {
        "attempts": attempts,
        "sent_at": clock.now(),
        "response_code": code,
        "signature": signature,
        "last_error": None,
    }
    _finish(repo, OutboxWebhook, row.id, OutboxStatus.SENT, values)
    return None


def _finish(
    repo: NotifyRepository,
    model: type[OutboxEmail] | type[OutboxWebhook],
    row_id: int,
    target: OutboxStatus,
    values: dict[str, Any],
) -> None:
    domain.OUTBOX.transition(OutboxStatus.QUEUED, target)
    repo.set_status(model, row_id, _QUEUED, {"status": target.value, **values})


def _failed(
    repo: NotifyRepository,
    model: type[OutboxEmail] | type[OutboxWebhook],
    row_id: int,
    max_attempts: int,
    attempts: int,
    error: str,
    cfg: Delivery,
    extra: dict[str, Any],
) -> datetime | None:
    text = domain.error_text(error)
    log.warning("%s %s attempt %s failed: %s", model.__tablename__, row_id, attempts, text)
    values = {"attempts": attempts, "last_error": text, **extra}
    if attempts >= max_attempts:
        _finish(repo, model, row_id, OutboxStatus.FAILED, values)
        return None
    repo.set_status(model, row_id, _QUEUED, values)
    return clock.now() + backoff(attempts, cfg.retry_base, cfg.retry_max, row_id)
