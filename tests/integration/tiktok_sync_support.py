"""Point the accounts feature at a running sandbox (client, vault, secret) for a test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from promodesk.accounts.tiktok import client as tiktok_port
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.settings import TikTokSettings
from tests.sandbox_support import SandboxHandle


@contextmanager
def wired(sb: SandboxHandle, **settings: Any) -> Iterator[TikTokClient]:
    values: dict[str, Any] = {
        "base_url": sb.base_url,
        "app_id": sb.app_id,
        "secret": SecretStr(sb.secret),
        "qps": 50.0,
        "qpm": 3000,
        "backoff_initial_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "backoff_jitter_seconds": 0.0,
        "max_attempts": 3,
    }
    values.update(settings)
    client = TikTokClient(TikTokSettings(**values), limiter=None)
    old = tiktok_port.use_client(client)
    tiktok_port.use_secret("tiktok-sync-tests-secret")
    try:
        yield client
    finally:
        client.close()
        tiktok_port.use_client(old)
        tiktok_port.use_secret(None)


def expected(sb: SandboxHandle, account_index: int) -> dict[str, tuple[int, int]]:
    """(total, deleted) per stage as the sandbox holds them."""
    world = sb.sandbox.world
    out: dict[str, tuple[int, int]] = {}
    for stage, kind in (("campaigns", "campaign"), ("adgroups", "adgroup"), ("ads", "ad")):
        n = world.size(kind, account_index)
        deleted = sum(
            1 for i in range(n) if world.status(kind, account_index, i).endswith("_DELETE")
        )
        out[stage] = (n, deleted)
    out["audiences"] = (world.size("audience", account_index), 0)
    return out
