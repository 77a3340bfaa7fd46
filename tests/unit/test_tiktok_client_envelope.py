"""The TikTok envelope, the return-code map, query/body encoding and settings."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from promodesk.integrations.tiktok import errors
from promodesk.integrations.tiktok.envelope import encode_body, encode_query, parse
from promodesk.integrations.tiktok.settings import PRODUCTION_URL, SANDBOX_URL, TikTokSettings
from promodesk.kit.redact import scrub


def envelope(code: int, data: object = None, message: str = "OK") -> bytes:
    return json.dumps(
        {"code": code, "message": message, "request_id": "2026010112000001", "data": data or {}}
    ).encode()


def test_success_returns_data_with_exact_decimals() -> None:
    body = b'{"code":0,"message":"OK","request_id":"r1","data":{"budget":100.10,"n":3}}'
    data = parse(200, body, endpoint="campaign/get/")
    assert data == {"budget": Decimal("100.10"), "n": 3}
    assert isinstance(data["budget"], Decimal)


def test_partial_ok_is_a_success() -> None:
    assert parse(200, envelope(20001, {"error_list": [1]}), endpoint="x/") == {"error_list": [1]}


def test_null_data_reads_as_empty() -> None:
    assert parse(200, b'{"code":0,"message":"OK","data":null}', endpoint="x/") == {}


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (40100, errors.Throttled),
        (40133, errors.Throttled),
        (40105, errors.AuthRevoked),
        (40102, errors.AuthRevoked),
        (40104, errors.AuthInvalid),
        (40101, errors.AuthInvalid),
        (40110, errors.AuthCodeInvalid),
        (40001, errors.PermissionDenied),
        (40130, errors.PermissionDenied),
        (40000, errors.BadParameter),
        (40002, errors.BadParameter),
        (40011, errors.BadParameter),
        (40700, errors.BadParameter),
        (40007, errors.ObjectNotFound),
        (40300, errors.ObjectNotFound),
        (50000, errors.ServerError),
        (50002, errors.ServerError),
        (51005, errors.ServerError),
        (60001, errors.ServerError),
        (70001, errors.TikTokError),
    ],
)
def test_codes_map_to_the_error_tree(code: int, cls: type[errors.TikTokError]) -> None:
    with pytest.raises(cls) as caught:
        parse(200, envelope(code, message="Something"), endpoint="campaign/get/")
    error = caught.value
    assert type(error) is cls
    assert error.code == code
    assert error.request_id == "2026010112000001"
    assert str(error) == f"Something code={code} endpoint=campaign/get/ request_id=2026010112000001"


def test_auth_errors_share_a_base() -> None:
    assert issubclass(errors.AuthRevoked, errors.AuthError)
    assert issubclass(errors.AuthCodeInvalid, errors.AuthInvalid)
    assert not issubclass(errors.AuthRevoked, errors.AuthInvalid)


def test_only_throttles_server_and_network_errors_are_retryable() -> None:
    retryable = {
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.TikTokError) and cls.retryable
    }
    assert retryable == {errors.Throttled, errors.ServerError, errors.Transport}


def test_http_level_failures() -> None:
    with pytest.raises(errors.ServerError):
        parse(502, b"<html>Bad gateway</html>", endpoint="x/")
    with pytest.raises(errors.Throttled):
        parse(429, b"", endpoint="x/")
    with pytest.raises(errors.UnexpectedResponse):
        parse(200, b"<html>", endpoint="x/")
    with pytest.raises(errors.UnexpectedResponse):
        parse(200, b'{"message":"OK","data":{}}', endpoint="x/")  # no code: not an envelope
    with pytest.raises(errors.UnexpectedResponse):
        parse(404, envelope(0), endpoint="x/")
    with pytest.raises(errors.UnexpectedResponse):
        parse(200, b'{"code":0,"data":[1]}', endpoint="x/")


def test_error_messages_are_redacted() -> None:
    body = envelope(40105, message="token abc123SECRET is incorrect")
    with pytest.raises(errors.AuthRevoked) as caught:
        parse(200, body, endpoint="x/", redact=lambda text: scrub(text, "abc123SECRET"))
    assert "abc123SECRET" not in str(caught.value)
    assert "***" in str(caught.value)


def test_scrub_masks_credential_query_parameters() -> None:
    line = 'GET http://h/open_api/v1.3/oauth2/advertiser/get/?app_id=1&secret=s3cr3t "200 OK"'
    assert scrub(line) == (
        'GET http://h/open_api/v1.3/oauth2/advertiser/get/?app_id=1&secret=*** "200 OK"'
    )


def test_query_values_are_json_encoded() -> None:
    query = encode_query(
        {
            "advertiser_id": "7000000000000000001",
            "fields": ["campaign_id", "budget"],
            "filtering": {"secondary_status": "CAMPAIGN_STATUS_ALL", "campaign_ids": ["1"]},
            "query_lifetime": True,
            "page": 2,
            "skipped": None,
            "report_filter": [{"field_name": "ad_status", "filter_value": '["STATUS_ALL"]'}],
        }
    )
    assert query == {
        "advertiser_id": "7000000000000000001",
        "fields": '["campaign_id","budget"]',
        "filtering": '{"secondary_status":"CAMPAIGN_STATUS_ALL","campaign_ids":["1"]}',
        "query_lifetime": "true",
        "page": "2",
        "report_filter": '[{"field_name":"ad_status","filter_value":"[\\"STATUS_ALL\\"]"}]',
    }
    assert json.loads(query["report_filter"])[0]["filter_value"] == '["STATUS_ALL"]'


def test_body_writes_decimals_as_exact_numbers() -> None:
    raw = encode_body({"budget": Decimal("1234567890123456.78"), "ids": ["1"], "ok": False})
    assert raw == b'{"budget":1234567890123456.78,"ids":["1"],"ok":false}'
    assert json.loads(raw, parse_float=Decimal)["budget"] == Decimal("1234567890123456.78")
    with pytest.raises(ValueError, match="finite"):
        encode_body({"budget": Decimal("NaN")})


def test_settings_base_url_aliases_and_paths() -> None:
    assert TikTokSettings(base_url="production").api_url == f"{PRODUCTION_URL}/open_api/v1.3/"
    assert TikTokSettings(base_url="Sandbox").base_url == SANDBOX_URL
    local = TikTokSettings(base_url="http://127.0.0.1:8000/sandbox/")
    assert local.api_url == "http://127.0.0.1:8000/sandbox/open_api/v1.3/"
    assert local.authorization_page == "http://127.0.0.1:8000/sandbox/portal/auth"
    with pytest.raises(ValidationError):
        TikTokSettings(base_url="ftp://example.com")


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMODESK_TIKTOK_QPS", "20")
    monkeypatch.setenv("PROMODESK_TIKTOK_ENDPOINT_LIMITS", '{"report/integrated/get/": [1, 30]}')
    monkeypatch.setenv("PROMODESK_TIKTOK_SECRET", "shh")
    settings = TikTokSettings()
    assert settings.qps == 20
    assert settings.endpoint_limits == {"report/integrated/get/": (1.0, 30)}
    assert "shh" not in repr(settings)


def test_entities_coerce_ids_and_reject_malformed_items() -> None:
    from promodesk.integrations.tiktok.entities import Campaign, ReportRow

    campaign = Campaign.parse(
        {"campaign_id": 11, "advertiser_id": "7", "budget": Decimal("10.5"), "extra_field": 1}
    )
    assert campaign.campaign_id == "11"
    assert campaign.raw()["extra_field"] == 1
    with pytest.raises(errors.UnexpectedResponse, match="campaign_id"):
        Campaign.parse({"advertiser_id": "7"})
    row = ReportRow.parse(
        {
            "dimensions": {"stat_time_day": "2026-01-01 00:00:00"},
            "metrics": {"spend": "1.50", "cpc": "-"},
        }
    )
    assert (row.metric("spend"), row.metric("cpc"), row.metric("nope")) == ("1.50", None, None)


def test_parse_list_keeps_items_as_raw_json_views() -> None:
    import msgspec

    from promodesk.integrations.tiktok.envelope import parse_list

    body = (
        b'{"code":0,"message":"OK","request_id":"r","data":{"list":'
        b'[{"campaign_id":"1","budget":12.30},{"campaign_id":"2"}],'
        b'"page_info":{"page":1,"page_size":2,"total_number":2,"total_page":1}}}'
    )
    page = parse_list(200, body, endpoint="campaign/get/")
    assert all(isinstance(item, msgspec.Raw) for item in page.items)  # the fast path
    assert bytes(page.items[0]) == b'{"campaign_id":"1","budget":12.30}'
    assert page.page_info["total_number"] == 2
    empty = parse_list(200, b'{"code":0,"message":"OK","data":null}', endpoint="x/")
    assert (empty.items, empty.page_info) == ([], {})


def test_parse_list_fails_like_parse() -> None:
    from promodesk.integrations.tiktok.envelope import parse_list
    from promodesk.integrations.tiktok.errors import AuthRevoked, UnexpectedResponse

    with pytest.raises(AuthRevoked):
        parse_list(200, b'{"code":40105,"message":"revoked","data":{}}', endpoint="x/")
    with pytest.raises(UnexpectedResponse):
        parse_list(200, b"<html>", endpoint="x/")
    with pytest.raises(UnexpectedResponse):
        parse_list(200, b'{"code":0,"data":{"list":{"a":1}}}', endpoint="x/")


def test_parse_report_decodes_rows_and_keeps_numbers_as_their_text() -> None:
    from promodesk.integrations.tiktok.entities import ReportRow
    from promodesk.integrations.tiktok.envelope import parse_report

    body = (
        b'{"code":0,"message":"OK","request_id":"r","data":{"list":['
        b'{"dimensions":{"campaign_id":"1","stat_time_day":"2026-01-01 00:00:00"},'
        b'"metrics":{"spend":"14.68","clicks":"3","cpc":"-"}}],'
        b'"page_info":{"page":1,"page_size":1000,"total_number":1,"total_page":1}}}'
    )
    page = parse_report(200, body, endpoint="report/integrated/get/", headers={"X-A": "1"})
    assert page.items == [
        ReportRow(
            {"campaign_id": "1", "stat_time_day": "2026-01-01 00:00:00"},
            {"spend": "14.68", "clicks": "3", "cpc": "-"},
        )
    ]
    assert (page.page_info["total_page"], page.headers) == (1, {"X-A": "1"})
    # Numbers where TikTok documents strings: the same rows as their exact text, no float.
    numbers = body.replace(b'"campaign_id":"1"', b'"campaign_id":1').replace(
        b'"spend":"14.68"', b'"spend":14.680'
    )
    row = parse_report(200, numbers, endpoint="report/integrated/get/").items[0]
    assert (row.dimensions["campaign_id"], row.metric("spend"), row.metric("cpc")) == (
        "1",
        "14.680",
        None,
    )
    empty = parse_report(200, b'{"code":0,"message":"OK","data":null}', endpoint="x/")
    assert (empty.items, empty.page_info) == ([], {})


def test_parse_report_fails_like_parse() -> None:
    from promodesk.integrations.tiktok.envelope import parse_report
    from promodesk.integrations.tiktok.errors import Throttled, UnexpectedResponse

    with pytest.raises(Throttled):
        parse_report(200, b'{"code":40100,"message":"slow down","data":{}}', endpoint="x/")
    with pytest.raises(UnexpectedResponse):
        parse_report(200, b"<html>", endpoint="x/")
    with pytest.raises(UnexpectedResponse, match=r"metrics\.spend"):
        parse_report(200, b'{"code":0,"data":{"list":[{"metrics":{"spend":null}}]}}', endpoint="x/")
