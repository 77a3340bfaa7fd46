"""The Partner API's codes map to error classes; 36009004 is classified by its message, and
every result and error keeps the platform's request id (spec §1.9)."""

from __future__ import annotations

import json

import pytest

from promodesk.integrations.tiktok_shop import envelope, errors
from promodesk.integrations.tiktok_shop.paging import iter_pages


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Invalid timestamp, must not be earlier than 5 minutes before the current time",
            errors.TimestampRejected,
        ),
        ("timestamp must be greater than 0", errors.TimestampRejected),
        ("Invalid x-tts-access-token", errors.AccessTokenInvalid),
        ("access_token is invalid", errors.AccessTokenInvalid),
        ("Invalid app_key", errors.AppCredentialsInvalid),
        ("Unexpected shop_cipher", errors.ShopCipherInvalid),
        ("invalid shop_id", errors.ShopCipherInvalid),
        ("Missing sign", errors.SignatureInvalid),
        ("unsupported version", errors.NotFound),
        ("Invalid body param: products[0].quantity_limit", errors.BadParameter),
        ("", errors.BadParameter),
    ],
)
def test_the_overloaded_parameter_code_is_classified_by_message(
    message: str, expected: type[errors.ShopApiError]
) -> None:
    assert errors.error_class(36009004, message) is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (36009002, errors.Throttled),
        (36009003, errors.ServerError),
        (36009007, errors.ServerError),
        (12001000, errors.ServerError),
        (105001, errors.AccessTokenInvalid),
        (105002, errors.AccessTokenInvalid),
        (105005, errors.ScopeMissing),
        (36004004, errors.AccessTokenInvalid),
        (101000, errors.AccessTokenInvalid),
        (106001, errors.SignatureInvalid),
        (36009009, errors.NotFound),
        (36009033, errors.PermissionDenied),
        (12052700, errors.PermissionDenied),
        (17000001, errors.BadParameter),
    ],
)
def test_each_code_maps_to_its_class(code: int, expected: type[errors.ShopApiError]) -> None:
    assert errors.error_class(code) is expected


def test_retryable_and_reauthorization_flags() -> None:
    assert errors.Throttled.retryable
    assert errors.ServerError.retryable
    assert not errors.BadParameter.retryable
    assert errors.AccessTokenInvalid.needs_authorization
    assert errors.RefreshTokenInvalid.needs_authorization
    assert not errors.SignatureInvalid.needs_authorization


def _body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_success_keeps_data_and_request_id_and_reads_decimals_exactly() -> None:
    reply = envelope.parse(
        200,
        _body(code=0, message="Success", request_id="2024ABC", data={"price": 12.30}),
        endpoint="/x",
    )
    assert reply.request_id == "2024ABC"
    assert str(reply.data["price"]) == "12.3"


def test_an_error_envelope_on_any_status_raises_with_code_message_and_request_id() -> None:
    with pytest.raises(errors.SignatureInvalid) as caught:
        envelope.parse(
            401,
            _body(code=106001, message="The 'sign' query parameter is invalid", request_id="r1"),
            endpoint="/promotion/202309/activities/search",
        )
    assert caught.value.code == 106001
    assert caught.value.request_id == "r1"
    assert "sign" in caught.value.message
    assert caught.value.http_status == 401


def test_odd_answers() -> None:
    with pytest.raises(errors.Throttled):
        envelope.parse(429, b"slow down", endpoint="/x")
    with pytest.raises(errors.ServerError):
        envelope.parse(502, b"<html>bad gateway</html>", endpoint="/x")
    with pytest.raises(errors.UnexpectedResponse):
        envelope.parse(200, b"[1]", endpoint="/x")
    with pytest.raises(errors.UnexpectedResponse):
        envelope.parse(200, _body(code=0, data=[1]), endpoint="/x")
    with pytest.raises(errors.UnexpectedResponse):
        envelope.parse(404, _body(code=0, data={}), endpoint="/x")


def test_the_message_is_scrubbed_before_it_becomes_an_error() -> None:
    with pytest.raises(errors.AccessTokenInvalid) as caught:
        envelope.parse(
            200,
            _body(code=36009004, message="Invalid access_token TOKEN123", request_id="r"),
            endpoint="/x",
            redact=lambda text: text.replace("TOKEN123", "***"),
        )
    assert "TOKEN123" not in str(caught.value)


def test_cursor_paging_stops_at_the_empty_cursor_and_refuses_a_loop() -> None:
    pages = {
        "": {"activities": [{"id": "1"}], "next_page_token": "b", "total_count": 2},
        "b": {"activities": [{"id": "2"}], "next_page_token": ""},
    }
    asked: list[str] = []

    def fetch(token: str) -> envelope.Reply:
        asked.append(token)
        return envelope.Reply(pages[token], request_id=f"r-{token}")

    got = list(iter_pages(fetch, list_key="activities"))
    assert [p.items for p in got] == [[{"id": "1"}], [{"id": "2"}]]
    assert asked == ["", "b"]
    assert got[0].total_count == 2
    assert got[1].request_id == "r-b"

    def looping(token: str) -> envelope.Reply:
        return envelope.Reply({"activities": [], "next_page_token": "same"})

    with pytest.raises(errors.UnexpectedResponse):
        list(iter_pages(looping, list_key="activities"))
