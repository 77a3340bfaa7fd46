"""One shop sandbox: its settings, generated world, authorization store, limits and webhooks;
the clock's status changes announced; the admin controls (seller deauthorization, expiring
authorization); the API calls and token endpoints answered.

Every API call is checked in the platform's order: a known path; ``app_key``; ``timestamp``
within the window; ``sign`` (spec §1.8); the ``x-tts-access-token`` header; ``shop_cipher``
(required by shop calls, refused by the others); then the shop's rate limit and injected faults.
Answers are ``{code, message, request_id, data}`` with the HTTP statuses in ``wire``; nothing a
client sends yields an unexpected 500. The signed path is the API path (``/promotion/…``), also
when the sandbox is mounted under a prefix.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import anyio
import anyio.to_thread
import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from promodesk.kit.sandbox_limits import Limits
from promodesk.shop_sandbox import authorization
from promodesk.shop_sandbox.app.checks import (
    api_path,
    authenticate,
    capped_body,
    json_body,
    shop_index,
)
from promodesk.shop_sandbox.app.endpoints import Handler, match, other_version
from promodesk.shop_sandbox.auth import Auth
from promodesk.shop_sandbox.config import ShopSandboxConfig
from promodesk.shop_sandbox.context import Call
from promodesk.shop_sandbox.webhooks import (
    ACTIVITY_STATUS_CHANGE,
    SELLER_DEAUTHORIZATION,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    Webhooks,
)
from promodesk.shop_sandbox.wire import (
    PATH_NOT_FOUND,
    RATE_LIMITED,
    SERVER_ERROR,
    ApiError,
    Body,
    envelope,
    invalid,
)
from promodesk.shop_sandbox.world import World

log = logging.getLogger("promodesk.shop_sandbox")


class ShopSandbox:
    """One shop sandbox: its settings, generated world, authorization store, limits, webhooks."""

    def __init__(self, config: ShopSandboxConfig | None = None, *, inline: bool = False) -> None:
        self.config = config or ShopSandboxConfig()
        self.world = World(self.config)
        self.auth = Auth(self.config)
        self.limits = Limits(self.config, per_endpoint=False)
        self.webhooks = Webhooks(self.config)
        # Standalone (``inline``), answers are built on the event loop one after another;
        # mounted in the product's server, in one worker thread at a time, so the product's
        # own requests are not held up behind a page of 100 products.
        self.inline = inline
        self._builders = anyio.CapacityLimiter(1)
        self._closed = threading.Event()
        self._watcher: threading.Thread | None = None
        self._watch_lock = threading.Lock()
        self._start_watch()

    def _start_watch(self) -> None:
        # Only a sandbox that sends webhooks needs the watcher (a demo server keeps none idle).
        if not self.config.webhook_url or self._closed.is_set():
            return
        with self._watch_lock:
            if self._watcher is None:
                self._watcher = threading.Thread(
                    target=self._watch, name="shop-sandbox-status-watch", daemon=True
                )
                self._watcher.start()

    def _watch(self) -> None:
        """Announce the clock's status changes (ACTIVITY_STATUS_CHANGE), as the platform does
        when an activity starts or ends; only while webhooks are configured."""
        while not self._closed.wait(self.config.status_watch_seconds):
            if not self.config.webhook_url:
                continue
            try:
                for activity in self.world.clock_moves():
                    data = {
                        "activity_id": activity.id,
                        "update_time": self.world.now(),
                        "activity_type": activity.activity_type,
                        "product_level": activity.product_level,
                        "status": activity.status(self.world.now()),
                    }
                    shop = self.world.shops[activity.shop].id
                    self.webhooks.emit(ACTIVITY_STATUS_CHANGE, shop, data)
            except Exception:  # the watcher must outlive a bad tick
                log.exception("shop sandbox status watch failed")

    def stats(self) -> dict[str, Any]:
        out = self.limits.stats()
        out.update(self.webhooks.stats())
        out["remove_noops_total"] = self.world.noops
        return out

    def update(self, **changes: Any) -> None:
        self.config.update(changes)
        self._start_watch()

    def reset_stats(self) -> None:
        self.limits.reset()

    def close(self) -> None:
        self._closed.set()
        self.webhooks.close()

    # admin controls -------------------------------------------------------------------------

    def revoke(self, *, access_token: str | None = None, shop_id: str | None = None) -> list[str]:
        """The seller deauthorizes the app (for a token's shops, or one shop): tokens issued so
        far are refused with 105003 and SELLER_DEAUTHORIZATION is sent per shop."""
        if access_token:
            grant = self.auth.revoke_token(access_token)
            shops = sorted(grant.shops)
        elif shop_id:
            found = [s.index for s in self.world.shops if s.id == shop_id]
            if not found:
                raise ValueError(f"no shop {shop_id[:40]}")
            shops = found
            self.auth.revoke_shop(found[0])
        else:
            raise ValueError("give access_token or shop_id")
        ids = [self.world.shops[i].id for i in shops]
        for shop in ids:
            message = "The seller deauthorized the app."
            self.webhooks.emit(SELLER_DEAUTHORIZATION, shop, {"message": message})
        return ids

    def authorization_expiring(self, shop_id: str, days: int) -> None:
        if not any(s.id == shop_id for s in self.world.shops):
            raise ValueError(f"no shop {shop_id[:40]}")
        when = self.world.now() + days * 86_400
        data = {
            "message": f"The authorization expires in {days} days.",
            "expiration_time": str(when),
        }
        self.webhooks.emit(UPCOMING_AUTHORIZATION_EXPIRATION, shop_id, data)

    # the API --------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        path = api_path(request)
        found = match(request.method, path)
        if found is None:
            served = other_version(request.method, path)
            if served is not None:
                message = f"Unsupported version: this API is served at version {served}."
                return self._answer(invalid(message))
            message = f"{request.method} {path[:200]}: no such path in the Partner API."
            return self._answer(ApiError(PATH_NOT_FOUND, message))
        endpoint, ids = found
        try:
            raw = await capped_body(request)
            grant = authenticate(request, path, raw, self.config, self.world, self.auth)
            shop = shop_index(request, grant, endpoint.shop, self.world)
            who = self.world.shops[shop].id if shop >= 0 else f"app:{self.config.app_key}"
            late = self.limits.lateness()
            if late:
                await asyncio.sleep(late)
            if not self.limits.admit(who, endpoint.template):
                raise ApiError(RATE_LIMITED)
            pause = self.limits.delay()
            if pause:
                await asyncio.sleep(pause)
            if self.limits.fault():
                raise ApiError(SERVER_ERROR)
            call = Call(
                self.world,
                self.webhooks,
                grant,
                shop,
                request.query_params,
                ids,
                Body(json_body(raw)),
            )
            if self.inline:
                body = _answer_bytes(endpoint.handler, call)
            else:
                body = await anyio.to_thread.run_sync(
                    _answer_bytes, endpoint.handler, call, limiter=self._builders
                )
        except ApiError as exc:
            return self._answer(exc)
        except Exception:
            log.exception("shop sandbox endpoint %s failed", endpoint.template)
            return self._answer(ApiError(SERVER_ERROR))
        self.limits.answered(0)
        return Response(body, media_type="application/json")

    def _answer(self, error: ApiError) -> Response:
        self.limits.answered(error.code)
        headers = {"Retry-After": "1"} if error.code == RATE_LIMITED else None
        body = envelope(None, code=error.code, message=error.message)
        return JSONResponse(body, status_code=error.http_status, headers=headers)

    async def token(self, request: Request, refresh: bool) -> Response:
        try:
            query = request.query_params
            handler = authorization.token_refresh if refresh else authorization.token_get
            data = handler(query, self.world, self.auth)
        except ApiError as exc:
            return self._answer(exc)
        return JSONResponse(envelope(data))


_ENCODER = msgspec.json.Encoder()


def _answer_bytes(handler: Handler, call: Call) -> bytes:
    return _ENCODER.encode(envelope(handler(call)))
