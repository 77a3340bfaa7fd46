"""Notification rules: the status table, input checks, signatures and the MIME message."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from promodesk.kit.errors import InvalidTransition, ValidationFailed
from promodesk.notify import domain
from promodesk.notify.domain import InvalidWebhookSignature, OutboxStatus
from promodesk.notify.transport import Mail, build_message, message_id

NOW = datetime(2026, 9, 15, 8, 0, tzinfo=UTC)
SECRET = "s3cret-值"


# Written out by hand: the guard must agree with this list, not with its own table.
OUTBOX_EDGES = {
    ("queued", "sent"),
    ("queued", "captured"),
    ("queued", "failed"),
    ("failed", "queued"),
}


def test_every_pair_of_the_status_table() -> None:
    assert {(str(a), str(b)) for a, b in domain.OUTBOX.edges()} == OUTBOX_EDGES
    for current, target in product(OutboxStatus, OutboxStatus):
        if (current.value, target.value) in OUTBOX_EDGES:
            assert domain.OUTBOX.transition(current, target) == target
        else:
            with pytest.raises(InvalidTransition):
                domain.OUTBOX.transition(current, target)
    assert domain.OUTBOX.transition("failed", "queued") == OutboxStatus.QUEUED
    assert domain.OUTBOX.final == {OutboxStatus.SENT, OutboxStatus.CAPTURED}


def _headers(raw: bytes, at: datetime = NOW, secret: str = SECRET) -> dict[str, str]:
    return domain.signed_headers(secret, raw, int(at.timestamp()))


def test_a_signature_verifies_and_any_change_breaks_it() -> None:
    raw = b'{"product_id":"9","title":"\xe6\x9c\x88\xe9\xa5\xbc"}'
    headers = _headers(raw)
    assert headers[domain.SIGNATURE_HEADER].startswith("sha256=")
    domain.verify_signature(SECRET, raw, headers, now=NOW)
    # header names are case-insensitive on the wire
    domain.verify_signature(SECRET, raw, {k.lower(): v for k, v in headers.items()}, now=NOW)
    with pytest.raises(InvalidWebhookSignature):
        domain.verify_signature(SECRET, raw + b" ", headers, now=NOW)
    with pytest.raises(InvalidWebhookSignature):
        domain.verify_signature("other", raw, headers, now=NOW)
    forged = dict(headers, **{domain.TIMESTAMP_HEADER: str(int(NOW.timestamp()) + 1)})
    with pytest.raises(InvalidWebhookSignature):  # the timestamp is part of the signed string
        domain.verify_signature(SECRET, raw, forged, now=NOW)


def test_old_or_future_signatures_are_replays() -> None:
    raw = b"{}"
    old = _headers(raw, NOW - timedelta(seconds=301))
    with pytest.raises(InvalidWebhookSignature, match="replay"):
        domain.verify_signature(SECRET, raw, old, now=NOW)
    domain.verify_signature(SECRET, raw, old, now=NOW, tolerance_seconds=600)
    future = _headers(raw, NOW + timedelta(seconds=301))
    with pytest.raises(InvalidWebhookSignature):
        domain.verify_signature(SECRET, raw, future, now=NOW)
    domain.verify_signature(SECRET, raw, _headers(raw, NOW - timedelta(seconds=300)), now=NOW)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {domain.SIGNATURE_HEADER: "sha256=00"},
        {domain.TIMESTAMP_HEADER: "1"},
        {domain.SIGNATURE_HEADER: "sha256=00", domain.TIMESTAMP_HEADER: "-5"},
        {domain.SIGNATURE_HEADER: "sha256=00", domain.TIMESTAMP_HEADER: "9" * 40},
    ],
)
def test_missing_or_malformed_headers_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(InvalidWebhookSignature):
        domain.verify_signature(SECRET, b"{}", headers, now=NOW)
    assert InvalidWebhookSignature.status_code == 401


def test_no_secret_never_verifies() -> None:
    with pytest.raises(InvalidWebhookSignature):
        domain.verify_signature("", b"{}", _headers(b"{}", secret=""), now=NOW)


def test_addresses_are_normalised_and_checked() -> None:
    assert domain.addresses(" am@agency.example ", "to") == ["am@agency.example"]
    assert domain.addresses(["a@x.cn", "A@x.cn", "b@x.cn"], "to") == ["a@x.cn", "b@x.cn"]
    assert domain.addresses(None, "cc") == []
    for bad in ["", "no-at", "a@b", "a@b.c\r\nBcc: evil@x.com", "x <a@b.com>", "a,b@c.com"]:
        with pytest.raises(ValidationFailed):
            domain.addresses(bad, "to")
    with pytest.raises(ValidationFailed):
        domain.addresses([f"u{i}@x.com" for i in range(51)], "to")


def test_subjects_are_one_line_and_bounded() -> None:
    assert domain.subject("  中秋节\r\nBcc: x@y.com ") == "中秋节 Bcc: x@y.com"
    with pytest.raises(ValidationFailed):
        domain.subject(" \n ")
    with pytest.raises(ValidationFailed):
        domain.subject("x" * 501)


def test_names_refs_urls_and_payloads() -> None:
    assert domain.name("shop.verification_failed", "event") == "shop.verification_failed"
    for bad in ["", "Upper", "with space", "x" * 65, "-lead"]:
        with pytest.raises(ValidationFailed):
            domain.name(bad, "kind")
    with pytest.raises(ValidationFailed):
        domain.ref(" ")
    with pytest.raises(ValidationFailed):
        domain.ref("x" * 201)
    assert domain.webhook_url(" https://ops.example/h?a=1 ") == "https://ops.example/h?a=1"
    for bad in ["ftp://x.com/", "javascript:alert(1)", "http://", "https://[::1", "x" * 10]:
        with pytest.raises(ValidationFailed):
            domain.webhook_url(bad)
    assert domain.encode_payload({"b": 1, "a": "月饼"}) == '{"a":"月饼","b":1}'.encode()
    bad_payloads: list[dict[str, object]] = [
        {"x": float("nan")},
        {"x": object()},
        {"x": "y" * 300_000},
    ]
    for bad_payload in bad_payloads:
        with pytest.raises(ValidationFailed):
            domain.encode_payload(bad_payload)
    assert domain.error_text("a\x00b" * 1000) == ("a\\0b" * 1000)[: domain.ERROR_LIMIT]


def test_the_mime_message_carries_utf8_subject_and_body() -> None:
    mail = Mail(
        message_id=message_id(3, 17),
        to=["am@agency.example"],
        cc=["ops@agency.example"],
        subject="新广告账户申请：月饼旗舰店",
        text="您好，\n请开通新的 TikTok 广告账户。\n",
        html="<p>您好</p>",
        headers={"X-Promodesk-Kind": "tiktok.account_request"},
    )
    msg = build_message(mail, "promodesk@agency.example")
    wire = msg.as_bytes()
    assert max(wire) < 128  # 7-bit clean on the wire: encoded words and transfer encodings
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    assert parsed["Subject"] == mail.subject
    assert parsed["Message-ID"] == "<notify-17.3@promodesk>"
    assert parsed["Cc"] == "ops@agency.example"
    assert parsed["X-Promodesk-Kind"] == "tiktok.account_request"
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().replace("\r\n", "\n") == mail.text
    assert "您好" in html.get_content()
