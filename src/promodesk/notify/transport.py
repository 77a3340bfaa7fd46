"""The wire: one SMTP submission or one signed HTTP POST. No database here.

Every failure a remote side or the network can cause becomes ``DeliveryFailed`` (with the HTTP
status when there was one), so the caller can record it and retry; anything else is a bug.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid

import httpx

from promodesk import __version__
from promodesk.kit import clock
from promodesk.kit.loopguard import forbid_on_event_loop
from promodesk.notify.domain import DELIVERY_HEADER, EVENT_HEADER, signed_headers
from promodesk.notify.settings import Delivery


class DeliveryFailed(Exception):
    def __init__(self, message: str, response_code: int | None = None) -> None:
        super().__init__(message)
        self.response_code = response_code


@dataclass(frozen=True)
class Mail:
    message_id: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str | None
    headers: dict[str, str]


def message_id(workspace_id: int, row_id: int) -> str:
    """Stable per outbox row, so a receiver can drop a re-delivered copy."""
    return f"<notify-{row_id}.{workspace_id}@promodesk>"


def build_message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = sender
    msg["To"] = ", ".join(mail.to)
    if mail.cc:
        msg["Cc"] = ", ".join(mail.cc)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = mail.message_id or make_msgid(domain="promodesk")
    for key, value in mail.headers.items():
        msg[key] = value
    # base64 keeps the message 7-bit clean: no server needs 8BITMIME for Chinese text.
    msg.set_content(mail.text, charset="utf-8", cte="base64")
    if mail.html:
        msg.add_alternative(mail.html, subtype="html", charset="utf-8", cte="base64")
    return msg


def send_mail(mail: Mail, cfg: Delivery) -> str:
    """Submit ``mail``; returns a note on refused recipients ("" when all were accepted)."""
    forbid_on_event_loop("mail delivery")
    msg = build_message(mail, cfg.mail_from)
    try:
        client: smtplib.SMTP
        if cfg.smtp_ssl:
            client = smtplib.SMTP_SSL(
                cfg.smtp_host,
                cfg.smtp_port,
                timeout=cfg.smtp_timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout)
        with client:
            if cfg.smtp_starttls and not cfg.smtp_ssl:
                client.starttls(context=ssl.create_default_context())
            if cfg.smtp_username:
                client.login(cfg.smtp_username, cfg.smtp_password)
            refused = client.send_message(msg, from_addr=cfg.mail_from)
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailed(f"every recipient was refused: {sorted(exc.recipients)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP {cfg.smtp_host}:{cfg.smtp_port}: {exc}") from None
    if refused:
        return "refused: " + ", ".join(sorted(refused))
    return ""


def post_webhook(
    url: str, event: str, delivery_id: int, raw: bytes, secret: str, cfg: Delivery
) -> tuple[int, str]:
    """POST ``raw`` signed with ``secret``; returns (status, signature) or raises on non-2xx."""
    stamp = int(clock.now().timestamp())
    signed = signed_headers(secret, raw, stamp)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"promodesk/{__version__}",
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
        **signed,
    }
    signature = next(v for k, v in signed.items() if k.endswith("Signature"))
    forbid_on_event_loop("a webhook delivery")
    try:
        response = httpx.post(
            url, content=raw, headers=headers, timeout=cfg.webhook_timeout, follow_redirects=False
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
    if not 200 <= response.status_code < 300:
        snippet = response.text[:200].replace("\n", " ")
        raise DeliveryFailed(f"HTTP {response.status_code}: {snippet}", response.status_code)
    return response.status_code, signature


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
