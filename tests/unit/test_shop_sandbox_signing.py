"""Signing vectors of the TikTok Shop sandbox (spec §1.8, §1.11).

No published vector was found, so each is worked by hand from the spec's recipe: the string to
sign is written out literally, its HMAC computed with hashlib, and pinned as hex; an
independent implementation (the third-party ``tiktok-shop-api`` client) must agree.
"""

from __future__ import annotations

import hashlib
import hmac

from tiktok_shop_api.signing import Signer
from tiktok_shop_api.webhooks import Webhooks

from promodesk.shop_sandbox.signing import sign, string_to_sign, webhook_signature

SECRET = "e59af819cc"
PATH = "/promotion/202309/activities/search"
QUERY = [
    ("timestamp", "1700000000"),
    ("shop_cipher", "ROW_abc"),
    ("app_key", "6abc"),
    ("sign", "ignored"),
    ("access_token", "ignored-too"),
]
BODY = b'{"page_size":10,"status":"ONGOING"}'
# secret + path + sorted pairs (app_key, shop_cipher, timestamp; no sign, no access_token)
# + body + secret
EXPECTED_STRING = (
    "e59af819cc/promotion/202309/activities/searchapp_key6abcshop_cipherROW_abc"
    'timestamp1700000000{"page_size":10,"status":"ONGOING"}e59af819cc'
)
EXPECTED_SIGN = "047fbb4ce9384a3049eec3fc1500046654623b7e0e43abbd11e7784c2764bfdb"


def test_string_to_sign_follows_the_recipe() -> None:
    assert string_to_sign(SECRET, PATH, QUERY, BODY) == EXPECTED_STRING


def test_sign_is_hex_hmac_sha256_keyed_with_the_secret() -> None:
    by_hand = hmac.new(SECRET.encode(), EXPECTED_STRING.encode(), hashlib.sha256).hexdigest()
    assert sign(SECRET, PATH, QUERY, BODY) == by_hand


def test_sign_vector_is_pinned() -> None:
    assert sign(SECRET, PATH, QUERY, BODY) == EXPECTED_SIGN


def test_get_without_body_signs_path_and_pairs_only() -> None:
    query = [("app_key", "6abc"), ("timestamp", "1700000000")]
    text = "e59af819cc/authorization/202309/shopsapp_key6abctimestamp1700000000e59af819cc"
    expected = hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
    assert sign(SECRET, "/authorization/202309/shops", query) == expected


def test_an_independent_client_signs_the_same() -> None:
    theirs = Signer.sign(
        path=PATH, query=QUERY, content_type="application/json", body=BODY, app_secret=SECRET
    )
    assert theirs == sign(SECRET, PATH, QUERY, BODY)


def test_webhook_signature_is_hmac_of_app_key_and_raw_body() -> None:
    raw = b'{"type":39,"shop_id":"1","timestamp":1700000000,"data":{}}'
    expected = hmac.new(SECRET.encode(), b"6abc" + raw, hashlib.sha256).hexdigest()
    assert webhook_signature("6abc", SECRET, raw) == expected
    assert Webhooks.verify(app_key="6abc", app_secret=SECRET, raw_body=raw, signature=expected)
