"""The outgoing HTTP client every connector uses: one keep-alive pool per client, bounded
timeouts, and no call from an event loop's thread (``kit.loopguard``: a synchronous call there
would stall every request the server is serving)."""

from __future__ import annotations

import httpx

from promodesk.kit.loopguard import forbid_on_event_loop


def _not_on_event_loop(request: httpx.Request) -> None:
    forbid_on_event_loop(f"an HTTP call to {request.url.host}")


def pooled_client(
    *,
    timeout: float,
    connect_timeout: float,
    max_connections: int,
    keepalive: float,
    user_agent: str,
    base_url: str = "",
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """``keepalive``: an idle connection is dropped after this long, before a server that closes
    idle ones can close it under a request just sent."""
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive,
        ),
        headers={"Accept": "application/json", "User-Agent": user_agent},
        transport=transport,
        event_hooks={"request": [_not_on_event_loop]},
    )
