"""Run the TikTok sandbox as a real HTTP server for tests; shared by every TikTok test.

with running_sandbox(accounts=3, campaigns=20) as sb:
    token = sb.access_token()
    httpx.get(sb.api("campaign/get/"), params={...}, headers={"Access-Token": token})
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from promodesk.sandbox import Sandbox, SandboxConfig, create_sandbox_app
from promodesk.sandbox import generate as gen

REDIRECT_URI = "http://127.0.0.1/callback"


@dataclass
class SandboxHandle:
    base_url: str  # http://127.0.0.1:PORT; the API root is base_url + "/open_api/v1.3/"
    sandbox: Sandbox

    @property
    def app_id(self) -> str:
        return self.sandbox.config.app_id

    @property
    def secret(self) -> str:
        return self.sandbox.config.secret

    @property
    def api_root(self) -> str:
        return f"{self.base_url}/open_api/v1.3/"

    @property
    def advertiser_ids(self) -> list[str]:
        return [gen.advertiser_id(i) for i in self.sandbox.world.account_indices()]

    def api(self, path: str) -> str:
        return self.api_root + path.lstrip("/")

    def auth_code(self, advertiser_ids: list[str] | None = None, state: str = "s") -> str:
        """Approve on the authorization page over HTTP; return the ``auth_code``."""
        form: dict[str, Any] = {"app_id": self.app_id, "redirect_uri": REDIRECT_URI, "state": state}
        if advertiser_ids:
            form["advertiser_ids"] = advertiser_ids
        answer = httpx.post(f"{self.base_url}/portal/auth/approve", data=form)
        assert answer.status_code == 302, answer.text
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        return query["auth_code"][0]

    def access_token(self, advertiser_ids: list[str] | None = None) -> str:
        """Approve and exchange the code: a token for ``advertiser_ids`` (all when None)."""
        body = {"app_id": self.app_id, "secret": self.secret}
        body["auth_code"] = self.auth_code(advertiser_ids)
        answer = httpx.post(self.api("oauth2/access_token/"), json=body).json()
        assert answer["code"] == 0, answer
        return str(answer["data"]["access_token"])

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/sandbox-admin/stats").json()  # type: ignore[no-any-return]

    def update(self, **changes: Any) -> None:
        self.sandbox.update(**changes)


@contextmanager
def running_sandbox(config: SandboxConfig | None = None, **knobs: Any) -> Iterator[SandboxHandle]:
    """A sandbox under uvicorn on a free port in a background thread. ``knobs`` are
    ``SandboxConfig`` fields (accounts, campaigns, adgroups, ads, audiences, qps, qpm, ...)."""
    sandbox = Sandbox(config or SandboxConfig(**knobs))
    server = uvicorn.Server(
        uvicorn.Config(
            create_sandbox_app(sandbox),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the sandbox did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield SandboxHandle(f"http://127.0.0.1:{port}", sandbox)
    finally:
        server.should_exit = True
        thread.join()


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    """A small sandbox (3 ad accounts) without rate limits; import it into a test module."""
    with running_sandbox(accounts=3, campaigns=25, adgroups=50, ads=100, rate_limit=False) as sb:
        yield sb
