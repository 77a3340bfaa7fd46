"""No blocking call on the event loop: the database refuses to run on a loop's thread (so an
``async def`` route that reaches it fails at once in every test instead of stalling every
request in production), and no ``async def`` route or dependency of the app reaches the
request's unit of work."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.settings import TikTokSettings
from promodesk.kit.db import Database
from promodesk.kit.loopguard import BlockingOnEventLoop, forbid_on_event_loop, guard_this_loop
from promodesk.kit.migrate import upgrade
from promodesk.notify.transport import Mail, send_mail
from promodesk.web import ApiRoute, _uow, state
from tests.api_support import api_routes, make_app


def _calls(route: Any) -> list[Any]:
    found: list[Any] = []

    def walk(dependant: Any) -> None:
        for sub in dependant.dependencies:
            found.append(sub.call)
            walk(sub)

    walk(route.dependant)
    return found


def _app(tmp_path: Path) -> FastAPI:
    url = f"sqlite:///{tmp_path / 'guard.db'}"
    upgrade(url)
    return make_app(Database(url), tmp_path)


def test_no_async_route_reaches_the_unit_of_work(tmp_path: Path) -> None:
    routes = api_routes(_app(tmp_path))
    assert len(routes) > 100
    offenders = [
        route.path
        for route in routes
        if inspect.iscoroutinefunction(route.endpoint) and _uow in _calls(route)
    ]
    assert offenders == []
    # Async dependencies only read the request (bodies), never the database.
    for route in routes:
        for call in _calls(route):
            if inspect.iscoroutinefunction(call):
                assert "uow" not in inspect.signature(call).parameters, (route.path, call)


def test_every_api_route_hands_its_response_to_the_idempotency_claim(tmp_path: Path) -> None:
    routes = [r for r in api_routes(_app(tmp_path)) if r.path.startswith("/api/v1/")]
    assert routes
    assert [r.path for r in routes if not isinstance(r, ApiRoute)] == []


def test_the_payment_webhook_runs_in_the_thread_pool(tmp_path: Path) -> None:
    (webhook,) = [r for r in api_routes(_app(tmp_path)) if r.path.endswith("/payments/webhook")]
    assert not inspect.iscoroutinefunction(webhook.endpoint)


def test_a_database_call_on_the_event_loop_fails_instead_of_blocking(tmp_path: Path) -> None:
    app = _app(tmp_path)

    @app.get("/test/blocking", include_in_schema=False)
    async def blocking(request: Request) -> dict[str, str]:  # the mistake the guard catches
        with state(request).db.transaction() as uow:
            uow.session.connection()
        return {"ok": "never"}

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/test/blocking")
        assert answer.status_code == 500
        assert client.get("/healthz").status_code == 200


def test_the_guard_allows_threads_and_refuses_the_loop() -> None:
    forbid_on_event_loop("outside any loop")  # no loop here: allowed

    async def on_loop() -> None:
        forbid_on_event_loop("an unguarded loop")  # not a request-serving loop: allowed
        guard_this_loop()
        forbid_on_event_loop("a test call")

    with pytest.raises(BlockingOnEventLoop, match="a test call was about to block"):
        asyncio.run(on_loop())

    async def in_thread() -> None:
        await asyncio.to_thread(forbid_on_event_loop, "a call in a worker thread")

    asyncio.run(in_thread())


def test_an_http_call_on_the_event_loop_fails_instead_of_blocking() -> None:
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(200, json={"code": 0, "message": "OK", "data": {}})

    settings = TikTokSettings(base_url="http://tiktok.invalid", app_id="a", secret="s")
    with TikTokClient(settings, limiter=None, transport=httpx.MockTransport(answer)) as client:
        assert client.request("GET", "advertiser/info/", token="t") == {}  # from a thread

        async def on_loop() -> None:
            guard_this_loop()
            client.request("GET", "advertiser/info/", token="t")

        with pytest.raises(BlockingOnEventLoop, match=r"an HTTP call to tiktok\.invalid"):
            asyncio.run(on_loop())
    assert len(sent) == 1


def test_mail_on_the_event_loop_fails_instead_of_blocking() -> None:
    async def on_loop() -> None:
        guard_this_loop()
        mail = Mail("m-1", ["a@example.com"], [], "subject", "text", None, {})
        send_mail(mail, cast(Any, None))  # refused before the settings are read

    with pytest.raises(BlockingOnEventLoop, match="mail delivery"):
        asyncio.run(on_loop())
