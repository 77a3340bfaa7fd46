"""Queue notifications in the caller's unit of work; read the outbox.

Rules:
- ``send_email`` / ``send_webhook`` write the outbox row and its delivery job in the caller's
  transaction: a rollback sends nothing, a commit sends exactly one message per key.
- Idempotent: an email is keyed by ``(workspace, kind, ref)``, a webhook by
  ``(workspace, event, ref, url)``. Calling again with a known key returns the first row and
  queues nothing, whatever the new content (a retried caller must not send twice).
- Webhook secrets are stored encrypted and never shown; delivery signs each attempt afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from promodesk.audit import service as audit
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import InvalidTransition, NotFound, ValidationFailed
from promodesk.kit.jobs import enqueue
from promodesk.kit.pagination import fetch
from promodesk.kit.vault import vault
from promodesk.models import OutboxEmail, OutboxWebhook
from promodesk.notify import domain
from promodesk.notify.domain import OutboxStatus
from promodesk.notify.repository import NotifyRepository
from promodesk.notify.settings import notify_settings

EMAIL_JOB = "notify.email"
WEBHOOK_JOB = "notify.webhook"
# The largest page (500) and the one row more that tells whether another page follows.
MAX_LIST = fetch(500)

__all__ = [
    "EMAIL_JOB",
    "WEBHOOK_JOB",
    "get_email",
    "get_webhook",
    "list_emails",
    "list_webhooks",
    "resend_email",
    "resend_webhook",
    "send_email",
    "send_webhook",
    "verify_signature",
]


def send_email(
    uow: UnitOfWork,
    workspace_id: int,
    to: str | Sequence[str],
    subject: str,
    text: str,
    *,
    html: str | None = None,
    cc: Sequence[str] | None = None,
    kind: str,
    ref: str,
) -> OutboxEmail:
    """Queue an email (plain text, optional HTML alternative) to ``to`` (and ``cc``)."""
    recipients = domain.addresses(to if isinstance(to, str) else list(to), "to")
    if not recipients:
        raise ValidationFailed("give at least one recipient", field="to")
    copies = domain.addresses(list(cc) if cc else None, "cc")
    key_kind, key_ref = domain.name(kind, "kind"), domain.ref(ref)
    repo = NotifyRepository(uow)
    existing = repo.email_by_key(workspace_id, key_kind, key_ref)
    if existing is not None:
        return existing
    row = OutboxEmail(
        workspace_id=workspace_id,
        kind=key_kind,
        ref=key_ref,
        to_addrs=recipients,
        cc_addrs=copies,
        subject=domain.subject(subject),
        text_body=domain.body(text, "text"),
        html_body=domain.body(html, "html") if html else None,
        status=OutboxStatus.QUEUED,
        attempts=0,
        max_attempts=notify_settings().max_attempts,
    )
    added = repo.add(row)
    if added is None:  # a concurrent caller with the same key won
        found = repo.email_by_key(workspace_id, key_kind, key_ref)
        assert found is not None
        return found
    job = enqueue(
        uow,
        EMAIL_JOB,
        {"email_id": added.id},
        dedupe_key=f"{EMAIL_JOB}:{added.id}",
        workspace_id=workspace_id,
    )
    added.job_id = job.id
    uow.flush()
    return added


def send_webhook(
    uow: UnitOfWork,
    workspace_id: int,
    url: str,
    event: str,
    payload: Mapping[str, Any],
    *,
    secret: str,
    ref: str,
    summary: tuple[str, str] | None = None,
) -> OutboxWebhook:
    """Queue a signed JSON POST of ``payload`` to ``url``. To a chat's incoming webhook
    (``domain.chat_format``) the POST is the chat's text message of ``summary`` (title, text)
    instead; without a summary, of the event and the payload."""
    if not secret or len(secret) > 500:
        raise ValidationFailed("a webhook secret has 1 to 500 characters", field="secret")
    clean_url = domain.webhook_url(url)
    key_event, key_ref = domain.name(event, "event"), domain.ref(ref)
    chat = domain.chat_format(clean_url)
    if chat is not None:
        title, text = summary or (key_event, domain.encode_payload(payload).decode())
        payload = domain.chat_body(chat, title, text)
    digest = domain.url_hash(clean_url)
    domain.encode_payload(payload)  # refuse what cannot be sent before storing it
    repo = NotifyRepository(uow)
    existing = repo.webhook_by_key(workspace_id, key_event, key_ref, digest)
    if existing is not None:
        return existing
    row = OutboxWebhook(
        workspace_id=workspace_id,
        event=key_event,
        ref=key_ref,
        url=clean_url,
        url_hash=digest,
        payload=dict(payload),
        secret_enc=vault().encrypt(secret),
        status=OutboxStatus.QUEUED,
        attempts=0,
        max_attempts=notify_settings().max_attempts,
    )
    added = repo.add(row)
    if added is None:
        found = repo.webhook_by_key(workspace_id, key_event, key_ref, digest)
        assert found is not None
        return found
    job = enqueue(
        uow,
        WEBHOOK_JOB,
        {"webhook_id": added.id},
        dedupe_key=f"{WEBHOOK_JOB}:{added.id}",
        workspace_id=workspace_id,
    )
    added.job_id = job.id
    uow.flush()
    return added


def verify_signature(secret: str, body: bytes, headers: Mapping[str, str]) -> None:
    """For receivers of our webhooks: raise ``InvalidWebhookSignature`` unless valid and fresh."""
    domain.verify_signature(
        secret, body, headers, tolerance_seconds=notify_settings().signature_tolerance_seconds
    )


# reading --------------------------------------------------------------------------------------
def get_email(uow: UnitOfWork, workspace_id: int, email_id: int) -> OutboxEmail:
    row = NotifyRepository(uow).get(OutboxEmail, email_id, workspace_id)
    if row is None:
        raise NotFound(f"email {email_id} not found")
    return row


def get_webhook(uow: UnitOfWork, workspace_id: int, webhook_id: int) -> OutboxWebhook:
    row = NotifyRepository(uow).get(OutboxWebhook, webhook_id, workspace_id)
    if row is None:
        raise NotFound(f"webhook delivery {webhook_id} not found")
    return row


def list_emails(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    kind: str | None = None,
    ref: str | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[OutboxEmail]:
    return NotifyRepository(uow).emails(
        workspace_id,
        kind=kind,
        ref=ref,
        status=status,
        before_id=before_id,
        limit=max(1, min(limit, MAX_LIST)),
    )


def list_webhooks(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    event: str | None = None,
    ref: str | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[OutboxWebhook]:
    return NotifyRepository(uow).webhooks(
        workspace_id,
        event=event,
        ref=ref,
        status=status,
        before_id=before_id,
        limit=max(1, min(limit, MAX_LIST)),
    )


# a person queues a failed message again ------------------------------------------------------
def resend_email(
    uow: UnitOfWork, workspace_id: int, email_id: int, *, actor: str = "system"
) -> OutboxEmail:
    """Queue a ``failed`` email again with a fresh attempt budget (audited)."""
    row = get_email(uow, workspace_id, email_id)
    _requeue(uow, workspace_id, OutboxEmail, row.id, row.status, actor, "notify_email")
    job = enqueue(uow, EMAIL_JOB, {"email_id": row.id}, workspace_id=workspace_id)
    row.job_id = job.id
    uow.flush()
    return row


def resend_webhook(
    uow: UnitOfWork, workspace_id: int, webhook_id: int, *, actor: str = "system"
) -> OutboxWebhook:
    """Queue a ``failed`` webhook delivery again with a fresh attempt budget (audited)."""
    row = get_webhook(uow, workspace_id, webhook_id)
    _requeue(uow, workspace_id, OutboxWebhook, row.id, row.status, actor, "notify_webhook")
    job = enqueue(uow, WEBHOOK_JOB, {"webhook_id": row.id}, workspace_id=workspace_id)
    row.job_id = job.id
    uow.flush()
    return row


def _requeue(
    uow: UnitOfWork,
    workspace_id: int,
    model: type[OutboxEmail] | type[OutboxWebhook],
    row_id: int,
    status: str,
    actor: str,
    object_type: str,
) -> None:
    domain.OUTBOX.transition(status, OutboxStatus.QUEUED)
    values = {"status": OutboxStatus.QUEUED.value, "attempts": 0}
    if not NotifyRepository(uow).set_status(model, row_id, OutboxStatus.FAILED.value, values):
        raise InvalidTransition("the message changed meanwhile; reload and try again")
    audit.record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action=f"{object_type}.requeued",
        object_type=object_type,
        object_id=row_id,
        before={"status": status},
        after={"status": OutboxStatus.QUEUED.value},
    )
