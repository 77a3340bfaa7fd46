"""Payment provider interface, the test provider and webhook signatures."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money
from promodesk.promote.payments import (
    ChargeMode,
    ChargeRequest,
    ChargeStatus,
    InvalidSignature,
    PaymentProvider,
    TestProvider,
    provider_for,
    sign,
    verify,
)

SECRET = "whsec_test_0123456789"


def provider() -> TestProvider:
    return TestProvider(SECRET)


def test_the_test_provider_is_a_payment_provider() -> None:
    p: PaymentProvider = provider_for("test", webhook_secret=SECRET)
    assert p.name == "test"
    with pytest.raises(ValidationFailed):
        provider_for("stripe", webhook_secret=SECRET)


@pytest.mark.parametrize(
    ("mode", "status"),
    [
        (ChargeMode.SUCCEED, ChargeStatus.SUCCEEDED),
        (ChargeMode.FAIL, ChargeStatus.FAILED),
        (ChargeMode.PENDING, ChargeStatus.PENDING),
    ],
)
def test_charge_outcome_follows_the_mode(mode: ChargeMode, status: ChargeStatus) -> None:
    result = provider().charge(ChargeRequest("r1", Money(99, "USD"), "card", mode))
    assert result.status == status
    assert result.provider_ref.startswith("test_ch_")
    assert bool(result.failure_reason) == (status == ChargeStatus.FAILED)


def test_signature_is_hmac_sha256_over_the_raw_body() -> None:
    body = b'{"a":1}'
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sign(body, SECRET) == "sha256=" + expected
    verify(body, "sha256=" + expected, SECRET)


def test_webhook_round_trip() -> None:
    p = provider()
    body, signature = p.webhook(
        provider_ref="test_ch_1", reference="42", amount=Money(1608750, "IDR"), event_id="e1"
    )
    event = p.parse_webhook(body, signature)
    assert (event.event_id, event.reference, event.provider_ref) == ("e1", "42", "test_ch_1")
    assert (event.status, event.amount, event.currency) == (ChargeStatus.SUCCEEDED, 1608750, "IDR")
    failed = p.parse_webhook(
        *p.webhook(provider_ref="x", reference="42", amount=Money(99, "USD"), succeeded=False)
    )
    assert failed.status == ChargeStatus.FAILED
    assert failed.failure_reason


def test_tampered_body_wrong_secret_and_missing_header_are_refused() -> None:
    p = provider()
    body, signature = p.webhook(provider_ref="c", reference="1", amount=Money(99, "USD"))
    tampered = body.replace(b'"amount":99', b'"amount":9900')
    with pytest.raises(InvalidSignature):
        p.parse_webhook(tampered, signature)
    with pytest.raises(InvalidSignature):
        TestProvider("another secret").parse_webhook(body, signature)
    with pytest.raises(InvalidSignature):
        p.parse_webhook(body, None)
    with pytest.raises(InvalidSignature):
        p.parse_webhook(body, "sha256=" + "0" * 64)
    with pytest.raises(InvalidSignature):
        TestProvider("").parse_webhook(body, signature)
    assert InvalidSignature.status_code == 401


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"event_id": "e"},
        {
            "event_id": "e",
            "provider_ref": "c",
            "reference": "1",
            "status": "pending",
            "amount": 1,
            "currency": "USD",
        },
        {
            "event_id": "e",
            "provider_ref": "c",
            "reference": "1",
            "status": "succeeded",
            "amount": 1.5,
            "currency": "USD",
        },
        {
            "event_id": "e",
            "provider_ref": "c",
            "reference": "1",
            "status": "what",
            "amount": 1,
            "currency": "USD",
        },
    ],
)
def test_malformed_but_signed_payloads_are_validation_errors(payload: object) -> None:
    body = json.dumps(payload).encode()
    with pytest.raises(ValidationFailed):
        provider().parse_webhook(body, sign(body, SECRET))


def test_non_json_body() -> None:
    body = b"\xff\xfe not json"
    with pytest.raises(ValidationFailed):
        provider().parse_webhook(body, sign(body, SECRET))
