"""A worker process for the shared rate limiter tests: fetches an ad account's campaign pages
``rounds`` times through the product's client and prints its counters as JSON.

    python -m tests.integration.ratelimit_worker BASE_URL APP_ID SECRET TOKEN ADVERTISER ROUNDS

``PROMODESK_REDIS_URL`` in its environment makes it share the limit with the other workers.
"""

from __future__ import annotations

import json
import sys

from promodesk.integrations.tiktok.client import TikTokClient, build_limiter
from promodesk.integrations.tiktok.settings import TikTokSettings


def main(base_url: str, app_id: str, secret: str, token: str, advertiser: str, rounds: str) -> None:
    settings = TikTokSettings(
        base_url=base_url,
        app_id=app_id,
        secret=secret,
        qps=5,
        qpm=300,
        backoff_initial_seconds=0.05,
        backoff_max_seconds=1.0,
    )
    pages = 0
    with TikTokClient(settings, limiter=build_limiter(settings)) as client:
        api = client.for_token(token)
        for _ in range(int(rounds)):
            for _page in api.campaign_pages(advertiser, page_size=5):
                pages += 1
        counts = client.stats.snapshot()
    print(json.dumps({"pages": pages, "requests": counts.requests, "throttles": counts.throttles}))


if __name__ == "__main__":
    main(*sys.argv[1:])
