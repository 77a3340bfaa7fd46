"""Pure notification rules: outbox statuses, input checks and webhook signatures.

- An outbox message is ``queued`` until a delivery attempt succeeds (``sent``), capture mode
  keeps it (``captured``), or ``max_attempts`` attempts failed (``failed``). A person may queue
  a failed message again.
- Webhook signature: ``X-Promodesk-Signature: sha256=<hex>`` where ``hex`` is
  HMAC-SHA256(secret, ``"<timestamp>." + raw body``) and ``timestamp`` is the
  ``X-Promodesk-Timestamp`` header (Unix seconds). Signing the timestamp with the body lets a
  receiver refuse a replayed request: a valid signature with a timestamp outside the tolerance
  is refused too.
- Chat webhooks (Slack, Feishu/Lark, DingTalk incoming-webhook URLs, known by their host) do not
  take promodesk's JSON: the message goes to them as the chat's own text message, built from the
  alert's title and text (``chat_body``). The signature headers are sent all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from promodesk.kit import clock
from promodesk.kit.errors import InvalidTransition, Unauthorized, ValidationFailed
from promodesk.kit.statemachine import StateMachine

SIGNATURE_HEADER = "X-Promodesk-Signature"
TIMESTAMP_HEADER = "X-Promodesk-Timestamp"
EVENT_HEADER = "X-Promodesk-Event"
DELIVERY_HEADER = "X-Promodesk-Delivery"
MAX_RECIPIENTS = 50
MAX_SUBJECT = 500
MAX_BODY = 1_000_000
MAX_PAYLOAD = 256_000
ERROR_LIMIT = 2000
# A pragmatic address check (local@domain.tld): the SMTP server is the final judge.
_ADDRESS = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]+\.[^@\s<>,;\"]{2,}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    CAPTURED = "captured"
    FAILED = "failed"


_S = OutboxStatus
ALLOWED: dict[OutboxStatus, frozenset[OutboxStatus]] = {
    _S.QUEUED: frozenset({_S.SENT, _S.CAPTURED, _S.FAILED}),
    _S.FAILED: frozenset({_S.QUEUED}),
    _S.SENT: frozenset(),
    _S.CAPTURED: frozenset(),
}


def _refusal(current: OutboxStatus, target: OutboxStatus) -> InvalidTransition:
    if current in (_S.SENT, _S.CAPTURED):
        return InvalidTransition(f"the message is already {current.value}")
    change = "queued again" if target is _S.QUEUED else f"marked {target.value}"
    return InvalidTransition(f"a {current.value} message cannot be {change}")


#: The guard of every outbox status change (``InvalidTransition``, 409).
OUTBOX = StateMachine(OutboxStatus, ALLOWED, noun="the message", refuse=_refusal)


class InvalidWebhookSignature(Unauthorized):
    """A webhook's signature is missing, wrong or too old (a possible replay)."""


# input checks ---------------------------------------------------------------------------------
def addresses(value: str | list[str] | tuple[str, ...] | None, field: str) -> list[str]:
    """Normalise one address or a list of them; refuse malformed or header-breaking input."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        address = item.strip()
        if not _ADDRESS.match(address):
            raise ValidationFailed(f"not an email address: {item!r}", field=field)
        if address.lower() not in (a.lower() for a in out):
            out.append(address)
    if len(out) > MAX_RECIPIENTS:
        raise ValidationFailed(f"at most {MAX_RECIPIENTS:,} addresses", field=field)
    return out


def name(value: str, field: str) -> str:
    """A kind or event name: lower case, digits and ``_ . : -``, at most 64 characters."""
    if not _NAME.match(value):
        raise ValidationFailed(
            "use 1-64 lower-case letters, digits and _ . : - (starting with a letter or digit)",
            field=field,
        )
    return value


def ref(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 200 or "\x00" in value:
        raise ValidationFailed("a ref has 1 to 200 characters", field="ref")
    return value


def subject(value: str) -> str:
    """One line (a newline in a subject would inject headers), at most 500 characters."""
    line = " ".join(value.split())
    if not line or len(line) > MAX_SUBJECT:
        raise ValidationFailed(f"a subject has 1 to {MAX_SUBJECT} characters", field="subject")
    return line


def body(value: str, field: str) -> str:
    if len(value) > MAX_BODY or "\x00" in value:
        raise ValidationFailed(f"at most {MAX_BODY:,} characters, no NUL", field=field)
    return value


def webhook_url(value: str) -> str:
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValidationFailed("not a URL", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise ValidationFailed("an http(s) URL of at most 2000 characters", field="url")
    return url


class ChatFormat(StrEnum):
    SLACK = "slack"
    FEISHU = "feishu"  # Feishu and Lark share the bot format
    DINGTALK = "dingtalk"


CHAT_HOSTS: dict[str, ChatFormat] = {
    "hooks.slack.com": ChatFormat.SLACK,
    "open.feishu.cn": ChatFormat.FEISHU,
    "open.larksuite.com": ChatFormat.FEISHU,
    "oapi.dingtalk.com": ChatFormat.DINGTALK,
}
MAX_CHAT_TEXT = 4000  # the shortest of the three limits on one text message, with room


def chat_format(url: str) -> ChatFormat | None:
    """The chat whose incoming-webhook URL this is, or None for a plain JSON webhook."""
    return CHAT_HOSTS.get((urlsplit(url).hostname or "").lower())


def chat_body(chat: ChatFormat, title: str, text: str) -> dict[str, Any]:
    """The chat's own text message: Slack ``{"text"}``, Feishu/Lark ``{"msg_type": "text",
    "content": {"text"}}``, DingTalk ``{"msgtype": "text", "text": {"content"}}``."""
    message = f"{title}\n{text}".strip()
    if len(message) > MAX_CHAT_TEXT:
        message = message[: MAX_CHAT_TEXT - 1] + "…"
    if chat is ChatFormat.SLACK:
        return {"text": message}
    if chat is ChatFormat.FEISHU:
        return {"msg_type": "text", "content": {"text": message}}
    return {"msgtype": "text", "text": {"content": message}}


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes POSTed (compact UTF-8 JSON, keys sorted so a retry sends the same)."""
    try:
        raw = json.dumps(
            payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
        ).encode()
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"the payload is not JSON: {exc}", field="payload") from None
    if len(raw) > MAX_PAYLOAD:
        raise ValidationFailed(f"the payload exceeds {MAX_PAYLOAD} bytes", field="payload")
    return raw


def error_text(message: str) -> str:
    """A storable, bounded error (PostgreSQL text refuses NUL bytes)."""
    return message.replace("\x00", "\\0")[:ERROR_LIMIT]


# signatures -----------------------------------------------------------------------------------
def sign(secret: str, timestamp: int, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + raw, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, raw: bytes, timestamp: int) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, raw)}


def verify_signature(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    tolerance_seconds: int = 300,
    now: datetime | None = None,
) -> None:
    """For receivers: raise ``InvalidWebhookSignature`` unless ``headers`` sign ``body`` (the raw
    bytes as received) with ``secret`` and the timestamp is within ``tolerance_seconds``."""
    if not secret:
        raise InvalidWebhookSignature("no webhook secret is configured")
    lowered = {k.lower(): v for k, v in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER.lower(), "").strip()
    stamp = lowered.get(TIMESTAMP_HEADER.lower(), "").strip()
    if not signature or not stamp:
        raise InvalidWebhookSignature(f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header")
    if not stamp.isdigit() or len(stamp) > 12:
        raise InvalidWebhookSignature(f"{TIMESTAMP_HEADER} is not a Unix time in seconds")
    expected = sign(secret, int(stamp), body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise InvalidWebhookSignature("the signature does not match the body")
    at = (now or clock.now()).timestamp()
    if abs(at - int(stamp)) > tolerance_seconds:
        raise InvalidWebhookSignature(
            "the signature is too old or from the future (replay refused)"
        )
