"""Rate limits against the sandbox: the limiter keeps us at zero 40100s; without it we meet
40100s and retry through them. Also: no token or secret in any log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from promodesk.integrations.tiktok.concurrency import for_each_advertiser
from promodesk.integrations.tiktok.errors import AuthRevoked
from promodesk.integrations.tiktok.oauth import OAuth
from tests.integration.tiktok_client_support import make_client
from tests.sandbox_support import running_sandbox


def fetch_all(client: Any, token: str, advertiser_ids: list[str], rounds: int) -> int:
    api = client.for_token(token)

    def work(advertiser_id: str) -> int:
        count = 0
        for _ in range(rounds):
            for page in api.campaign_pages(advertiser_id, page_size=5):
                count += len(page.items)
        return count

    outcomes = list(for_each_advertiser(advertiser_ids, work, max_workers=4))
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    return sum(o.result or 0 for o in outcomes)


def test_with_the_limiter_the_sandbox_counts_no_throttles() -> None:
    with running_sandbox(accounts=4, campaigns=15, adgroups=1, ads=1, qps=5, qpm=300) as sb:
        token = str(sb.access_token())
        with make_client(sb, qps=5, qpm=300) as client:
            total = fetch_all(client, token, sb.advertiser_ids, rounds=2)
            counts = client.stats.snapshot()
        assert total > 0
        assert counts.requests >= 24  # 4 accounts x 2 rounds x 3 pages, at 5 QPS
        assert counts.throttles == 0
        assert counts.limiter_waits > 0  # the limiter did hold requests back
        assert sb.stats()["throttled_total"] == 0


def test_a_sandbox_that_counts_calls_late_still_counts_no_throttles() -> None:
    # A third of the calls reach the rate counter up to 0.3 s late, others at once: pacing by
    # sending time alone would put more than 5 calls in some of the sandbox's seconds.
    knobs = {"late_rate": 0.3, "late_seconds": 0.3, "qps": 5, "qpm": 300}
    with running_sandbox(accounts=4, campaigns=20, adgroups=1, ads=1, **knobs) as sb:
        token = str(sb.access_token())
        with make_client(sb, qps=5, qpm=300) as client:
            total = fetch_all(client, token, sb.advertiser_ids, rounds=2)
            counts = client.stats.snapshot()
        stats = sb.stats()
        assert total > 0
        assert stats["late_total"] > 0
        assert counts.throttles == 0
        assert stats["throttled_total"] == 0


def test_without_the_limiter_throttles_are_met_and_retried() -> None:
    with running_sandbox(accounts=4, campaigns=15, adgroups=1, ads=1, qps=2, qpm=300) as sb:
        token = str(sb.access_token())
        with make_client(sb, limiter=False, max_attempts=20, backoff_initial_seconds=0.2) as client:
            total = fetch_all(client, token, sb.advertiser_ids, rounds=1)
            counts = client.stats.snapshot()
        assert total > 0
        assert counts.throttles > 0
        assert counts.retries >= counts.throttles
        assert counts.errors == 0
        assert sb.stats()["throttled_total"] == counts.throttles


def test_no_token_or_secret_in_any_log_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with running_sandbox(accounts=2, campaigns=5, adgroups=2, ads=2, audiences=1) as sb:
        caplog.set_level(logging.DEBUG)
        with make_client(sb) as client:
            oauth = OAuth(client)
            grant = oauth.exchange(sb.auth_code())
            token = grant.access_token
            oauth.advertisers(token)  # the secret travels in this URL
            api = client.for_token(token)
            sb.sandbox.update(fail_next=1)  # a retry logs a warning
            list(api.campaign_pages(sb.advertiser_ids[0]))
            oauth.revoke(token)
            with pytest.raises(AuthRevoked) as caught:
                api.advertiser_info(sb.advertiser_ids)
        assert client.stats.snapshot().retries == 1
    text = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "oauth2/advertiser/get/" in text  # httpx did log the request line
    assert token not in text
    assert sb.secret not in text
    assert token not in str(caught.value)
