"""The error tree, its JSON body, and the request-level validators that keep input from
becoming a 500 (ids, cursors, idempotency keys)."""

from __future__ import annotations

import pytest

from promodesk.kit import errors
from promodesk.kit.idempotency import request_fingerprint, valid_key
from promodesk.kit.pagination import MAX_ID, cursor_int, decode_cursor, encode_cursor
from promodesk.web import parse_id


def test_every_error_is_a_promodesk_error_with_a_client_status() -> None:
    """Client errors are 4xx; the one 5xx is ``ServiceUnavailable``: nothing was done, retry."""
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.PromodeskError)
    ]
    assert len(classes) >= 10
    for cls in classes:
        if cls is errors.ServiceUnavailable:
            assert cls.status_code == 503
            continue
        assert 400 <= cls.status_code < 500, cls


def test_service_unavailable_says_when_to_retry() -> None:
    exc = errors.ServiceUnavailable("the database is busy", retry_after=2)
    assert exc.headers() == {"Retry-After": "2"}
    assert exc.to_body() == {"error": "ServiceUnavailable", "detail": "the database is busy"}
    assert errors.NotFound("x").headers() is None


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (errors.NotFound, 404),
        (errors.Conflict, 409),
        (errors.InvalidTransition, 409),
        (errors.InsufficientFunds, 409),
        (errors.IdempotencyConflict, 409),
        (errors.ValidationFailed, 422),
        (errors.Unauthorized, 401),
        (errors.Forbidden, 403),
        (errors.RateLimited, 429),
    ],
)
def test_statuses(cls: type[errors.PromodeskError], status: int) -> None:
    assert cls.status_code == status


def test_body_has_error_detail_and_optional_field() -> None:
    assert errors.NotFound("gone").to_body() == {"error": "NotFound", "detail": "gone"}
    body = errors.InsufficientFunds("short", field="amount", balance=3).to_body()
    assert body == {
        "error": "InsufficientFunds",
        "detail": "short",
        "field": "amount",
        "balance": 3,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), ("42", 42), (str(MAX_ID), MAX_ID), ("0007", 7)],
)
def test_parse_id_accepts_bigint_ids(text: str, expected: int) -> None:
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    "text", ["0", "-1", "+1", "", " 1", "1 ", "1.0", "1e3", "abc", "١", str(MAX_ID + 1), "9" * 100]
)
def test_parse_id_refuses_everything_else(text: str) -> None:
    assert parse_id(text) is None


def test_cursor_round_trip_and_refusals() -> None:
    assert cursor_int(decode_cursor(encode_cursor({"before": 12})), "before") == 12
    assert decode_cursor(None) == {}
    assert cursor_int({}, "before") is None
    for bad in ({"before": "1"}, {"before": True}, {"before": -1}, {"before": MAX_ID + 1}):
        with pytest.raises(errors.ValidationFailed):
            cursor_int(bad, "before")
    for text in ("%%%", "W10", "\ud800", "AAAA"):
        with pytest.raises(errors.ValidationFailed):
            decode_cursor(text)


def test_idempotency_keys_are_printable_ascii() -> None:
    assert valid_key("order-1234")
    assert valid_key("a b")
    assert valid_key("x" * 255)
    assert not valid_key("")
    assert not valid_key("x" * 256)
    assert not valid_key("é")
    assert not valid_key("a\tb")


def test_fingerprint_separates_its_parts() -> None:
    base = request_fingerprint("POST", "/a", b"", b"{}")
    assert base == request_fingerprint("POST", "/a", b"", b"{}")
    assert base != request_fingerprint("POST", "/a", b"x=1", b"{}")
    assert base != request_fingerprint("PUT", "/a", b"", b"{}")
    # Without length prefixes these two would hash the same bytes.
    assert request_fingerprint("POST", "/a", b"b", b"") != request_fingerprint(
        "POST", "/a", b"", b"b"
    )
