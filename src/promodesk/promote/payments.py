"""Payment providers: the interface, webhook signatures and the built-in test provider.

Rules:
- A provider charges an amount in the payer's currency and answers ``succeeded``, ``failed``
  or ``pending``; a pending charge is settled later by a signed webhook.
- Webhooks are signed with HMAC-SHA256 over the **raw body** with a shared secret; the
  signature travels as ``sha256=<hex>`` and is checked with a constant-time compare before the
  body is even parsed.
- Replaying a webhook is harmless: the recharge moves pending → confirmed/failed by
  compare-and-set and the ledger entry is idempotent, so a second delivery changes nothing.
- The test provider is deterministic: the outcome comes from the charge's ``mode``
  (succeed / fail / pending); nothing leaves the process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from promodesk.kit.errors import PromodeskError, ValidationFailed
from promodesk.kit.money import Money

SIGNATURE_HEADER = "X-Promodesk-Signature"


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"


class ChargeMode(StrEnum):
    SUCCEED = "succeed"
    FAIL = "fail"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    reference: str  # our recharge reference, echoed back in webhooks
    amount: Money
    method: str
    mode: ChargeMode = ChargeMode.SUCCEED  # only the test provider reads it


@dataclass(frozen=True, slots=True)
class ChargeResult:
    status: ChargeStatus
    provider_ref: str
    failure_reason: str = ""


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    event_id: str
    provider: str
    provider_ref: str
    reference: str
    status: ChargeStatus  # succeeded or failed
    amount: int
    currency: str
    failure_reason: str = ""


class InvalidSignature(PromodeskError):
    """The webhook signature is missing or does not match the body."""

    status_code = 401


class PaymentProvider(Protocol):
    name: str

    def charge(self, request: ChargeRequest) -> ChargeResult: ...

    def parse_webhook(self, body: bytes, signature: str | None) -> WebhookEvent: ...


# signatures -----------------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str | None, secret: str) -> None:
    """Raise ``InvalidSignature`` unless ``signature`` signs ``body`` (constant-time compare)."""
    if not secret:
        raise InvalidSignature("webhooks are disabled: no webhook secret is configured")
    if not signature:
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    if not hmac.compare_digest(sign(body, secret).encode(), signature.strip().encode()):
        raise InvalidSignature("webhook signature does not match the body")


def _event_from(payload: dict[str, Any], provider: str) -> WebhookEvent:
    try:
        status = ChargeStatus(payload["status"])
        if status == ChargeStatus.PENDING:
            raise ValueError("pending is not a webhook outcome")
        amount = payload["amount"]
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ValueError("amount must be an integer of minor units")
        return WebhookEvent(
            event_id=str(payload["event_id"]),
            provider=provider,
            provider_ref=str(payload["provider_ref"]),
            reference=str(payload["reference"]),
            status=status,
            amount=amount,
            currency=str(payload["currency"]).upper(),
            failure_reason=str(payload.get("failure_reason", "")),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ValidationFailed(f"malformed webhook payload: {exc}", field="body") from None


# the built-in test provider -------------------------------------------------------------------


class TestProvider:
    """A provider that settles charges by their ``mode`` and signs its own webhooks."""

    __test__ = False  # not a pytest class
    name = "test"

    def __init__(self, webhook_secret: str) -> None:
        self.webhook_secret = webhook_secret

    def charge(self, request: ChargeRequest) -> ChargeResult:
        provider_ref = "test_ch_" + secrets.token_hex(8)
        if request.mode == ChargeMode.SUCCEED:
            return ChargeResult(ChargeStatus.SUCCEEDED, provider_ref)
        if request.mode == ChargeMode.FAIL:
            return ChargeResult(ChargeStatus.FAILED, provider_ref, "card declined (test mode)")
        return ChargeResult(ChargeStatus.PENDING, provider_ref)

    def webhook(
        self,
        *,
        provider_ref: str,
        reference: str,
        amount: Money,
        succeeded: bool = True,
        event_id: str | None = None,
    ) -> tuple[bytes, str]:
        """The raw body and signature header the provider would POST to our webhook."""
        payload = {
            "event_id": event_id or "test_evt_" + secrets.token_hex(8),
            "provider": self.name,
            "provider_ref": provider_ref,
            "reference": reference,
            "status": (ChargeStatus.SUCCEEDED if succeeded else ChargeStatus.FAILED).value,
            "amount": amount.amount,
            "currency": amount.currency,
            "failure_reason": "" if succeeded else "payment declined (test mode)",
        }
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return body, sign(body, self.webhook_secret)

    def parse_webhook(self, body: bytes, signature: str | None) -> WebhookEvent:
        verify(body, signature, self.webhook_secret)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed("webhook body is not JSON", field="body") from None
        if not isinstance(payload, dict):
            raise ValidationFailed("webhook body must be a JSON object", field="body")
        return _event_from(payload, self.name)


def provider_for(name: str, *, webhook_secret: str) -> PaymentProvider:
    """The provider registered under ``name`` (only the test provider is built in)."""
    if name == TestProvider.name:
        return TestProvider(webhook_secret)
    raise ValidationFailed(f"unknown payment provider {name!r}; known: test", field="provider")
