"""TikTok Shop request and webhook signatures against vectors computed independently with
``openssl dgst -sha256 -hmac <secret>`` over the strings spelled out here (spec §1.8, §1.11)."""

from __future__ import annotations

from promodesk.integrations.tiktok_shop import signing

SEARCH_BODY = b'{"page_size":50}'


def test_string_to_sign_sorts_pairs_and_leaves_out_sign_and_access_token() -> None:
    query = {
        "timestamp": "1700000000",
        "shop_cipher": "ROW_abc",
        "app_key": "k1",
        "sign": "ignored",
        "access_token": "ignored",
    }
    text = signing.string_to_sign("/promotion/202309/activities/search", query, SEARCH_BODY)
    assert text == (
        b"/promotion/202309/activities/searchapp_keyk1shop_cipherROW_abc"
        b'timestamp1700000000{"page_size":50}'
    )


def test_request_signature_with_a_body() -> None:
    # printf '%s' 'shh/promotion/202309/activities/searchapp_keyk1shop_cipherROW_abc
    #   timestamp1700000000{"page_size":50}shh' | openssl dgst -sha256 -hmac shh
    query = {"app_key": "k1", "timestamp": "1700000000", "shop_cipher": "ROW_abc"}
    assert (
        signing.sign_request("shh", "/promotion/202309/activities/search", query, SEARCH_BODY)
        == "10fbb3490792f87b475aebf9769b948d9d3a09f87e99a58ab899bf50e08aad22"
    )


def test_request_signature_without_a_body() -> None:
    # 'S3cr3t/authorization/202309/shopsapp_key6abc123timestamp1623812664S3cr3t'
    query = {"timestamp": "1623812664", "app_key": "6abc123", "access_token": "not signed"}
    assert (
        signing.sign_request("S3cr3t", "/authorization/202309/shops", query)
        == "d2871827cefe868f80732af66fe9d144b010cb876a40c9ce8296f79f2eb29447"
    )


def test_a_changed_byte_changes_the_signature() -> None:
    query = {"app_key": "k1", "timestamp": "1700000000", "shop_cipher": "ROW_abc"}
    path = "/promotion/202309/activities/search"
    good = signing.sign_request("shh", path, query, SEARCH_BODY)
    assert signing.sign_request("shh", path, query, b'{"page_size": 50}') != good
    assert (
        signing.sign_request("shh", path, {**query, "timestamp": "1700000001"}, SEARCH_BODY) != good
    )


WEBHOOK = b'{"type":39,"shop_id":"7","timestamp":1700000000,"data":{"activity_id":"1"}}'
# printf '%s' 'k1' + WEBHOOK | openssl dgst -sha256 -hmac shh
WEBHOOK_SIGNATURE = "ff3a13b9483a8b62abad90c6b49860258efce9db637bb455f5248bf553a861be"


def test_webhook_signature_vector() -> None:
    assert signing.sign_webhook("shh", "k1", WEBHOOK) == WEBHOOK_SIGNATURE
    assert signing.webhook_signature_ok("shh", "k1", WEBHOOK, WEBHOOK_SIGNATURE)
    assert signing.webhook_signature_ok("shh", "k1", WEBHOOK, WEBHOOK_SIGNATURE.upper())


def test_webhook_signature_refuses_anything_else() -> None:
    assert not signing.webhook_signature_ok("shh", "k1", WEBHOOK + b" ", WEBHOOK_SIGNATURE)
    assert not signing.webhook_signature_ok("other", "k1", WEBHOOK, WEBHOOK_SIGNATURE)
    assert not signing.webhook_signature_ok("shh", "k2", WEBHOOK, WEBHOOK_SIGNATURE)
    assert not signing.webhook_signature_ok("shh", "k1", WEBHOOK, "")
    assert not signing.webhook_signature_ok("", "k1", WEBHOOK, WEBHOOK_SIGNATURE)
    assert not signing.webhook_signature_ok("shh", "k1", WEBHOOK, "é" * 64)
