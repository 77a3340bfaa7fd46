"""The TikTok client against the local sandbox over real HTTP: paging, retries, auth, limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.concurrency import for_each_advertiser
from promodesk.integrations.tiktok.errors import (
    AuthCodeInvalid,
    AuthInvalid,
    AuthRevoked,
    ServerError,
    Transport,
)
from promodesk.integrations.tiktok.oauth import OAuth
from promodesk.integrations.tiktok.paging import iter_items
from promodesk.integrations.tiktok.settings import TikTokSettings
from tests.integration.tiktok_client_support import make_client
from tests.sandbox_support import running_sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with running_sandbox(accounts=3, campaigns=250, adgroups=20, ads=20, audiences=3) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def token(sb: Any) -> str:
    return str(sb.access_token())


def test_pages_through_all_campaigns_including_deleted(sb: Any, token: str) -> None:
    with make_client(sb) as client:
        api = client.for_token(token)
        advertiser_id = sb.advertiser_ids[0]
        pages = list(api.campaign_pages(advertiser_id, include_deleted=True, page_size=100))
        campaigns = [c for page in pages for c in page.items]
        assert [len(p.items) for p in pages] == [100, 100, 50]
        assert pages[0].total_number == 250
        assert pages[0].total_page == 3
        ids = [c.campaign_id for c in campaigns]
        assert len(set(ids)) == 250
        assert ids == sorted(ids, key=int, reverse=True)
        deleted = [c for c in campaigns if c.secondary_status == "CAMPAIGN_STATUS_DELETE"]
        assert deleted
        assert all(c.advertiser_id == advertiser_id for c in campaigns)

        visible = list(iter_items(api.campaign_pages(advertiser_id)))  # default page size 1000
        assert len(visible) == 250 - len(deleted)
        assert client.stats.snapshot().pages == 4


def test_pages_are_streamed_one_request_at_a_time(sb: Any, token: str) -> None:
    with make_client(sb) as client:
        pages = client.for_token(token).campaign_pages(sb.advertiser_ids[0], page_size=10)
        next(pages)
        assert client.stats.snapshot().requests == 1  # the generator fetches lazily


def test_injected_server_errors_are_retried(sb: Any, token: str) -> None:
    with make_client(sb) as client:
        sb.sandbox.update(fail_next=2)
        info = client.for_token(token).advertiser_info(sb.advertiser_ids)
        assert sorted(a.advertiser_id for a in info) == sorted(sb.advertiser_ids)
        counts = client.stats.snapshot()
        assert (counts.retries, counts.requests, counts.errors) == (2, 3, 0)


def test_server_errors_beyond_the_attempts_are_raised(sb: Any, token: str) -> None:
    with make_client(sb, max_attempts=3) as client:
        sb.sandbox.update(fail_next=5)
        try:
            with pytest.raises(ServerError) as caught:
                client.for_token(token).advertiser_info(sb.advertiser_ids[:1])
        finally:
            sb.sandbox.update(fail_next=0)
        assert caught.value.code == 50000
        assert client.stats.snapshot().requests == 3


def test_revoked_and_unknown_tokens_raise_auth_revoked(sb: Any) -> None:
    with make_client(sb) as client:
        doomed = str(sb.access_token())
        api = client.for_token(doomed)
        assert list(api.campaign_pages(sb.advertiser_ids[0], page_size=1000))
        OAuth(client).revoke(doomed)
        with pytest.raises(AuthRevoked) as caught:
            next(api.campaign_pages(sb.advertiser_ids[0]))
        assert caught.value.code == 40105
        with pytest.raises(AuthRevoked):
            client.for_token("not-a-token").advertiser_info(sb.advertiser_ids)
        assert client.stats.snapshot().retries == 0  # auth errors are not retried


def test_oauth_flow(sb: Any) -> None:
    with make_client(sb) as client:
        oauth = OAuth(client)
        url = oauth.authorization_url(redirect_uri="http://localhost/cb", state="s1")
        assert url.startswith(f"{sb.base_url}/portal/auth?app_id={sb.app_id}&state=s1")
        code = sb.auth_code()
        grant = oauth.exchange(code)
        assert sorted(grant.advertiser_ids) == sorted(sb.advertiser_ids)
        assert grant.access_token not in repr(grant)
        refs = oauth.advertisers(grant.access_token)
        assert sorted(r.advertiser_id for r in refs) == sorted(sb.advertiser_ids)
        with pytest.raises(AuthCodeInvalid):
            oauth.exchange(code)  # single use
    wrong = TikTokSettings(base_url=sb.base_url, app_id=sb.app_id, secret="wrong-secret")
    with TikTokClient(wrong, limiter=None) as client, pytest.raises(AuthInvalid):
        OAuth(client).exchange(sb.auth_code())


def test_connection_failures_are_retried_then_raised() -> None:
    settings = TikTokSettings(
        base_url="http://127.0.0.1:9",  # discard port: nothing listens
        max_attempts=3,
        backoff_initial_seconds=0.01,
        backoff_jitter_seconds=0.01,
        connect_timeout_seconds=2,
    )
    with TikTokClient(settings, limiter=None) as client:
        with pytest.raises(Transport) as caught:
            client.for_token("t").advertiser_info(["1"])
        assert caught.value.sent is False
        assert client.stats.snapshot().retries == 2


def test_concurrency_across_advertisers_is_bounded(sb: Any, token: str) -> None:
    running, peak = 0, 0
    lock = threading.Lock()

    def work(advertiser_id: str) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            if advertiser_id == "missing":
                raise ValueError("boom")
            return sum(len(p.items) for p in api.campaign_pages(advertiser_id, page_size=50))
        finally:
            with lock:
                running -= 1

    with make_client(sb) as client:
        api = client.for_token(token)
        ids = [*sb.advertiser_ids, "missing"]
        outcomes = {o.advertiser_id: o for o in for_each_advertiser(ids, work, max_workers=2)}
    assert set(outcomes) == set(ids)
    assert peak <= 2
    assert isinstance(outcomes["missing"].error, ValueError)
    assert all(outcomes[a].ok and outcomes[a].result for a in sb.advertiser_ids)
