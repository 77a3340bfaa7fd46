"""The TikTok Shop client against the shop sandbox over real HTTP: tokens, authorized shops,
cursor paging, removals in chunks of 300, token refresh, a revoked token, the rate limit with
zero refusals, the overloaded parameter code, webhook signatures."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from promodesk.integrations.tiktok_shop import errors, webhooks
from promodesk.integrations.tiktok_shop.api import chunks
from promodesk.integrations.tiktok_shop.auth import ShopAuth
from promodesk.integrations.tiktok_shop.client import TikTokShopClient
from promodesk.integrations.tiktok_shop.settings import TikTokShopSettings
from promodesk.kit.ratelimit import Limits, RateLimiter
from promodesk.shop_sandbox.signing import webhook_signature
from tests.shop_sandbox_support import ShopSandboxHandle, running_shop_sandbox


def _client(sb: ShopSandboxHandle, **over: object) -> TikTokShopClient:
    settings = TikTokShopSettings(
        base_url=sb.base_url,
        auth_url="",
        app_key=sb.app_key,
        app_secret=sb.app_secret,
        backoff_initial_seconds=0.05,
        backoff_max_seconds=0.2,
        backoff_jitter_seconds=0.0,
        **over,  # type: ignore[arg-type]
    )
    # Each test its own limiter: the process-wide one would be shared across tests.
    limiter = RateLimiter(Limits(settings.qps, settings.qpm), spread=True, hold=True)
    return TikTokShopClient(settings, limiter=limiter)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ShopSandboxHandle]:
    with running_shop_sandbox(shops=2, products=700, activities=6, enrollments=650) as sb:
        yield sb


def test_code_for_tokens_then_authorized_shops_with_ciphers(sandbox: ShopSandboxHandle) -> None:
    with _client(sandbox) as client:
        auth = ShopAuth(client)
        grant = auth.exchange(sandbox.auth_code())
        assert grant.request_id
        assert grant.access_token_expires_at > grant.access_token_expires_at.replace(year=2000)
        shops = auth.shops(grant.access_token)
        assert {s.cipher for s in shops} == {sandbox.cipher(0), sandbox.cipher(1)}
        with pytest.raises(errors.RefreshTokenInvalid):
            auth.exchange("not-a-code")
        renewed = auth.refresh(grant.refresh_token)
        assert renewed.access_token != grant.access_token
        shop = client.for_shop(renewed.access_token, sandbox.cipher(0))
        assert shop.search_activities(page_size=1).request_id
        with pytest.raises(errors.RefreshTokenInvalid):
            auth.refresh("not-a-refresh-token")


def test_cursor_paging_lists_every_activity_once(sandbox: ShopSandboxHandle) -> None:
    with _client(sandbox, page_size=2) as client:
        shop = client.for_shop(sandbox.access_token(), sandbox.cipher(0))
        pages = list(shop.activity_pages())
        ids = [a["id"] for page in pages for a in page.items]
        assert len(pages) >= 3
        assert len(ids) == len(set(ids)) == pages[0].total_count
        assert all(p.request_id for p in pages)
        assert pages[-1].next_page_token == ""


def test_removal_goes_in_chunks_of_300_and_reads_back_empty(sandbox: ShopSandboxHandle) -> None:
    with _client(sandbox) as client:
        shop = client.for_shop(sandbox.access_token(), sandbox.cipher(0))
        candidates = [
            a
            for page in shop.activity_pages(status="ONGOING")
            for a in page.items
            if "IMMUTABLE" not in (a.get("activity_commands") or [])
        ]
        activity_id = candidates[0]["id"]
        products = [p["id"] for p in shop.get_activity(activity_id).data["products"]]
        assert len(products) > 600
        with pytest.raises(errors.BadParameter):
            shop.remove_activity_products(activity_id, product_ids=products[:301])
        before = client.stats.snapshot().requests
        for part in chunks(products, 300):
            assert shop.remove_activity_products(activity_id, product_ids=part).request_id
        assert client.stats.snapshot().requests - before == 3
        assert shop.get_activity(activity_id).data["products"] == []


def test_a_revoked_token_needs_authorization(sandbox: ShopSandboxHandle) -> None:
    token = sandbox.access_token()
    answer = httpx.post(f"{sandbox.base_url}/sandbox-admin/revoke", json={"access_token": token})
    assert answer.status_code == 200
    with _client(sandbox) as client:
        with pytest.raises(errors.AccessTokenInvalid) as caught:
            client.for_shop(token, sandbox.cipher(0)).search_activities()
        assert caught.value.needs_authorization
        assert caught.value.request_id
        assert token not in str(caught.value)


def test_the_overloaded_parameter_code_is_told_apart(sandbox: ShopSandboxHandle) -> None:
    with _client(sandbox) as client:
        shop = client.for_shop(sandbox.access_token([sandbox.sandbox.world.shops[0].id]), "x")
        with pytest.raises(errors.ShopCipherInvalid) as caught:
            shop.search_activities()
        assert caught.value.code == 36009004
    with _client(sandbox) as client, pytest.raises(errors.AccessTokenInvalid):
        client.for_shop("garbage-token", sandbox.cipher(0)).search_activities()
    old = _client(sandbox)
    old._clock = lambda: 1_000_000_000.0
    with old, pytest.raises(errors.TimestampRejected):
        old.for_shop(sandbox.access_token(), sandbox.cipher(0)).search_activities()
    wrong = TikTokShopClient(
        TikTokShopSettings(base_url=sandbox.base_url, app_key=sandbox.app_key, app_secret="nope"),
        limiter=None,
    )
    with wrong, pytest.raises(errors.SignatureInvalid):
        wrong.for_shop(sandbox.access_token(), sandbox.cipher(0)).search_activities()


def test_the_rate_limit_is_met_with_zero_refusals(sandbox: ShopSandboxHandle) -> None:
    token = sandbox.access_token()
    httpx.post(f"{sandbox.base_url}/sandbox-admin/reset")
    failures: list[BaseException] = []
    with _client(sandbox, max_attempts=1) as client:
        shop = client.for_shop(token, sandbox.cipher(1))

        def work() -> None:
            try:
                for _ in range(10):
                    shop.search_activities(page_size=1)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        counts = client.stats.snapshot()
    stats = httpx.get(f"{sandbox.base_url}/sandbox-admin/stats").json()
    assert failures == []
    assert counts.requests == 40
    assert counts.throttles == 0
    assert stats["throttled_total"] == 0


def test_webhook_signatures_from_the_platform_verify_and_tampering_does_not(
    sandbox: ShopSandboxHandle,
) -> None:
    body = json.dumps(
        {
            "type": 39,
            "tts_notification_id": "abc123",
            "shop_id": "7001",
            "timestamp": 1700000000,
            "data": {"activity_id": "1", "status": "DEACTIVATED"},
        },
        separators=(",", ":"),
    ).encode()
    signature = webhook_signature(sandbox.app_key, sandbox.app_secret, body)
    event = webhooks.verify(body, signature, app_key=sandbox.app_key, app_secret=sandbox.app_secret)
    assert event.name == "ACTIVITY_STATUS_CHANGE"
    assert event.digest == "n:abc123"
    for bad_body, bad_signature in (
        (body.replace(b"DEACTIVATED", b"ONGOING"), signature),
        (body, signature[:-1] + ("0" if signature[-1] != "0" else "1")),
        (body, ""),
    ):
        with pytest.raises(webhooks.WebhookRejected):
            webhooks.verify(
                bad_body, bad_signature, app_key=sandbox.app_key, app_secret=sandbox.app_secret
            )
