"""The sandbox ASGI application: TikTok's routes under ``/open_api/v1.3/``, the authorization
page, and ``/sandbox-admin/*`` (stats and runtime settings for tests and benchmarks).

Every API answer is HTTP 200 with the envelope; nothing a client sends yields a 500 — an
unexpected failure is answered like TikTok's own: code 50000 "System error.".
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from promodesk.integrations.tiktok import endpoints
from promodesk.kit.sandbox_limits import Limits
from promodesk.sandbox import advertisers, creates, entities, money, portal, report, updates
from promodesk.sandbox.auth import Auth
from promodesk.sandbox.config import SandboxConfig
from promodesk.sandbox.context import Call
from promodesk.sandbox.wire import (
    REQUEST_TOO_FREQUENT,
    ROUTE_NOT_FOUND,
    SYS_ERROR,
    ApiError,
    Params,
    envelope,
    param_error,
)
from promodesk.sandbox.world.objects import World

log = logging.getLogger("promodesk.sandbox")
API_PREFIX = "/open_api/v1.3/"
MAX_BODY = 1_000_000


@dataclass(frozen=True)
class Endpoint:
    method: str
    handler: Callable[[Call], dict[str, Any]]
    token: bool = True  # needs the Access-Token header


ENDPOINTS: dict[str, Endpoint] = {
    endpoints.OAUTH_EXCHANGE: Endpoint("POST", advertisers.access_token, token=False),
    endpoints.OAUTH_ADVERTISERS: Endpoint("GET", advertisers.advertiser_get),
    endpoints.OAUTH_REVOKE: Endpoint("POST", advertisers.revoke_token, token=False),
    endpoints.ADVERTISER_INFO: Endpoint("GET", advertisers.advertiser_info),
    endpoints.CAMPAIGN_GET: Endpoint("GET", entities.campaign_get),
    endpoints.CAMPAIGN_UPDATE: Endpoint("POST", updates.campaign_update),
    endpoints.CAMPAIGN_STATUS_UPDATE: Endpoint("POST", updates.campaign_status_update),
    endpoints.ADGROUP_GET: Endpoint("GET", entities.adgroup_get),
    endpoints.ADGROUP_STATUS_UPDATE: Endpoint("POST", updates.adgroup_status_update),
    endpoints.AD_GET: Endpoint("GET", entities.ad_get),
    endpoints.AD_STATUS_UPDATE: Endpoint("POST", updates.ad_status_update),
    endpoints.AUDIENCE_LIST: Endpoint("GET", entities.audience_list),
    endpoints.REPORT: Endpoint("GET", report.report_get),
    endpoints.BC_ADVERTISER_CREATE: Endpoint("POST", advertisers.bc_advertiser_create),
    endpoints.ADVERTISER_BALANCE: Endpoint("GET", money.advertiser_balance_get),
    endpoints.BC_BALANCE: Endpoint("GET", money.bc_balance_get),
    endpoints.BC_TRANSFER: Endpoint("POST", money.bc_transfer),
    endpoints.CAMPAIGN_CREATE: Endpoint("POST", creates.campaign_create),
    endpoints.ADGROUP_CREATE: Endpoint("POST", creates.adgroup_create),
    endpoints.AD_CREATE: Endpoint("POST", creates.ad_create),
}


class Sandbox:
    """One sandbox: its settings, generated world, OAuth store and limits."""

    def __init__(self, config: SandboxConfig | None = None, *, inline: bool = False) -> None:
        self.config = config or SandboxConfig()
        self.world = World(self.config)
        self.auth = Auth(self.config)
        self.limits = Limits(self.config)
        # Standalone (``inline``), answers are built on the event loop, one after another: the
        # quickest answers, with no thread hand-over and no GIL ping-pong with the loop. Mounted
        # in the product's server, they are built in one worker thread at a time, so the
        # product's own requests are not held up behind a page of 1,000 ads.
        self.inline = inline
        self._builders = anyio.CapacityLimiter(1)

    def stats(self) -> dict[str, Any]:
        return self.limits.stats()

    def update(self, **changes: Any) -> None:
        self.config.update(changes)

    def reset_stats(self) -> None:
        self.limits.reset()

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        cut = path.find(API_PREFIX)
        name = path[cut + len(API_PREFIX) :] if cut >= 0 else ""
        endpoint = ENDPOINTS.get(name) or ENDPOINTS.get(name + "/")
        if endpoint is None or endpoint.method != request.method:
            return self._answer(ApiError(ROUTE_NOT_FOUND, f"{request.method} {path}: no such API"))
        try:
            call = Call(self.world, self.auth, await _params(request))
            if endpoint.token:
                call.grant = self.auth.verify(request.headers.get("Access-Token"))
            app = call.grant.app_id if call.grant else str(call.params.raw("app_id") or "-")
            late = self.limits.lateness()
            if late:
                await asyncio.sleep(late)
            if not self.limits.admit(app[:64], name):
                raise ApiError(REQUEST_TOO_FREQUENT)
            pause = self.limits.delay()
            if pause:
                await asyncio.sleep(pause)
            if self.limits.fault():
                raise ApiError(SYS_ERROR)
            if self.inline:
                body = _answer_bytes(endpoint.handler, call)
            else:
                body = await anyio.to_thread.run_sync(
                    _answer_bytes, endpoint.handler, call, limiter=self._builders
                )
        except ApiError as exc:
            return self._answer(exc)
        except Exception:
            log.exception("sandbox endpoint %s failed", name)
            return self._answer(ApiError(SYS_ERROR))
        self.limits.answered(0)
        return Response(body, media_type="application/json", headers=call.headers or None)

    def _answer(self, error: ApiError) -> Response:
        self.limits.answered(error.code)
        return JSONResponse(envelope({}, code=error.code, message=error.message))


_ENCODER = msgspec.json.Encoder(decimal_format="number")


def _answer_bytes(handler: Callable[[Call], dict[str, Any]], call: Call) -> bytes:
    # Built and encoded off the event loop; msgspec encodes a 1,000-item page ~5x faster
    # than the json module, and list pages are most of what the sandbox serves.
    return _ENCODER.encode(envelope(handler(call)))


async def _params(request: Request) -> Params:
    query = request.query_params
    values: dict[str, Any] = dict(query)
    repeated = {k: query.getlist(k) for k in query}
    if request.method == "POST":
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise param_error("request body too large")
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise param_error("request body must be JSON") from None
            if not isinstance(body, dict):
                raise param_error("request body must be a JSON object")
            values.update(body)
    return Params(values, repeated)


def create_sandbox_app(config: SandboxConfig | Sandbox | None = None) -> Starlette:
    """The sandbox as an ASGI app (standalone, or mounted at ``/sandbox`` in demo mode)."""
    sandbox = config if isinstance(config, Sandbox) else Sandbox(config)

    async def api(request: Request) -> Response:
        return await sandbox.handle(request)

    async def auth_page(request: Request) -> Response:
        return await portal.auth_page(request, sandbox.world, sandbox.auth)

    async def approve(request: Request) -> Response:
        return await portal.approve(request, sandbox.world, sandbox.auth)

    async def index(request: Request) -> Response:
        return JSONResponse(
            {
                "name": "promodesk TikTok Marketing API sandbox",
                "api": API_PREFIX,
                "authorize": "portal/auth?app_id=…&state=…&redirect_uri=…",
                "app_id": sandbox.config.app_id,
                "advertisers": len(sandbox.world.account_indices()),
            }
        )

    async def stats(request: Request) -> Response:
        return JSONResponse(sandbox.stats())

    async def reset(request: Request) -> Response:
        sandbox.reset_stats()
        return JSONResponse(sandbox.stats())

    async def settings(request: Request) -> Response:
        try:
            changes = json.loads(await request.body() or b"{}")
            if not isinstance(changes, dict):
                raise TypeError("expected a JSON object")
            sandbox.update(**changes)
        except (ValueError, TypeError) as exc:
            body = {"error": "ValidationFailed", "detail": str(exc)}
            return JSONResponse(body, status_code=422)
        return JSONResponse(sandbox.config.public())

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/open_api/v1.3/{path:path}", api, methods=["GET", "POST", "PUT", "DELETE"]),
        Route("/portal/auth", auth_page, methods=["GET"]),
        Route("/portal/auth/approve", approve, methods=["POST"]),
        Route("/sandbox-admin/stats", stats, methods=["GET"]),
        Route("/sandbox-admin/reset", reset, methods=["POST"]),
        Route("/sandbox-admin/settings", settings, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox
    return app
