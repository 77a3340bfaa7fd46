"""What every endpoint method shares: the client, the access token and the page size.

Rules: list methods are generators of pages, ``page_size`` 1000 at most (the client's setting by
default).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from promodesk.integrations.tiktok.client import TikTokClient

ENTITY_PAGE_MAX = 1000


def chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class Access:
    """The client and access token the endpoint methods call with."""

    def __init__(self, client: TikTokClient, access_token: str) -> None:
        self.client = client
        self._token = access_token

    def _page_size(self, page_size: int | None, cap: int = ENTITY_PAGE_MAX) -> int:
        return max(1, min(page_size or self.client.settings.page_size, cap))
