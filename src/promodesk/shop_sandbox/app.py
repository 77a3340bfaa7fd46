"""The shop sandbox ASGI application: the Partner API's routes, the token endpoints, the seller
authorization page and ``/sandbox-admin/*`` (stats, runtime settings, revocation, webhooks).

Every API call is checked in the platform's order: a known path; ``app_key``; ``timestamp``
within the window; ``sign`` (spec §1.8); the ``x-tts-access-token`` header; ``shop_cipher``
(required by shop calls, refused by the others); then the shop's rate limit and injected faults.
Answers are ``{code, message, request_id, data}`` with the HTTP statuses in ``wire``; nothing a
client sends yields an unexpected 500. The signed path is the API path (``/promotion/…``), also
when the sandbox is mounted under a prefix.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
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

from promodesk.kit.sandbox_limits import Limits
from promodesk.shop_sandbox import authorization, portal, products
from promodesk.shop_sandbox.auth import Auth, Grant
from promodesk.shop_sandbox.config import ShopSandboxConfig
from promodesk.shop_sandbox.context import Call
from promodesk.shop_sandbox.promotion import activities, activity_products, coupons
from promodesk.shop_sandbox.signing import same, sign
from promodesk.shop_sandbox.webhooks import (
    ACTIVITY_STATUS_CHANGE,
    SELLER_DEAUTHORIZATION,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    Webhooks,
)
from promodesk.shop_sandbox.wire import (
    INVALID_SIGN,
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
MAX_BODY = 1_000_000
TIMESTAMP = re.compile(r"-?[0-9]{1,12}")
Handler = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    handler: Handler
    shop: bool = True  # takes shop_cipher

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "$")


ENDPOINTS = (
    Endpoint("GET", "/authorization/202309/shops", authorization.authorized_shops, shop=False),
    Endpoint("POST", "/promotion/202309/activities", activities.create_activity),
    Endpoint("POST", "/promotion/202309/activities/search", activities.search_activities),
    Endpoint("GET", "/promotion/202309/activities/{activity_id}", activities.get_activity),
    Endpoint("PUT", "/promotion/202309/activities/{activity_id}", activities.update_activity),
    Endpoint(
        "POST",
        "/promotion/202309/activities/{activity_id}/deactivate",
        activities.deactivate_activity,
    ),
    Endpoint(
        "POST",
        "/promotion/202607/activities/{activity_id}/republish",
        activities.republish_activity,
    ),
    Endpoint(
        "PUT",
        "/promotion/202309/activities/{activity_id}/products",
        activity_products.update_activity_products,
    ),
    Endpoint(
        "DELETE",
        "/promotion/202309/activities/{activity_id}/products",
        activity_products.remove_activity_products,
    ),
    Endpoint("POST", "/promotion/202406/coupons/search", coupons.search_coupons),
    Endpoint("GET", "/promotion/202406/coupons/{coupon_id}", coupons.get_coupon),
    Endpoint("GET", "/product/202309/products/{product_id}", products.get_product),
    Endpoint("POST", "/product/202502/products/search", products.search_products),
    Endpoint("POST", "/product/202309/products/activate", products.activate_products),
    Endpoint("POST", "/product/202309/products/deactivate", products.deactivate_products),
    Endpoint(
        "POST", "/product/202309/products/{product_id}/inventory/update", products.update_inventory
    ),
    Endpoint("POST", "/product/202309/inventory/search", products.search_inventory),
)
_PATTERNS = [(e, e.pattern) for e in ENDPOINTS]


def match(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    for endpoint, pattern in _PATTERNS:
        found = pattern.match(path)
        if found and endpoint.method == method:
            return endpoint, found.groupdict()
    return None


VERSION = re.compile(r"^/(\w+)/(\d{6})(/.*)$")


def other_version(method: str, path: str) -> str | None:
    """The version an API is served at when ``path`` names it at another one."""
    asked = VERSION.match(path)
    if asked is None:
        return None
    for endpoint, pattern in _PATTERNS:
        served = VERSION.match(endpoint.template)
        if served is None or endpoint.method != method or served.group(1) != asked.group(1):
            continue
        if pattern.match(f"/{asked.group(1)}/{served.group(2)}{asked.group(3)}"):
            return served.group(2)
    return None


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
        path = _api_path(request)
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
            raw = await _capped_body(request)
            grant = self._authenticate(request, path, raw)
            shop = self._shop(request, grant, endpoint.shop)
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
                Body(_json_body(raw)),
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

    def _authenticate(self, request: Request, path: str, raw: bytes) -> Grant:
        query = request.query_params
        config = self.config
        app_key = query.get("app_key")
        if not app_key:
            raise invalid("Invalid app_key: the app_key query parameter is missing.")
        if app_key != config.app_key:
            raise invalid("Invalid app_key: no app has this app_key.")
        stamp = query.get("timestamp")
        if not stamp or not TIMESTAMP.fullmatch(stamp):
            raise invalid("Invalid timestamp: the timestamp query parameter must be Unix seconds.")
        moment = int(stamp)
        if moment < 0:
            raise invalid("Invalid timestamp: the timestamp must not be negative.")
        now = self.world.now()
        window = config.timestamp_window_seconds
        if moment < now - window:
            raise invalid(
                f"Invalid timestamp: the timestamp must not be earlier than {window // 60} "
                "minutes before the current time."
            )
        if moment > now + window:
            raise invalid(
                f"Invalid timestamp: the timestamp must not be later than {window // 60} "
                "minutes after the current time."
            )
        given = query.get("sign")
        if not given:
            raise invalid("Missing signature: the sign query parameter is required.")
        try:
            expected = sign(config.app_secret, path, query.multi_items(), raw)
        except UnicodeDecodeError:
            raise invalid("Invalid parameter: the body is not UTF-8 JSON.") from None
        if not same(expected, given[:256]):
            raise ApiError(INVALID_SIGN)
        token = request.headers.get("x-tts-access-token")
        if not token:
            where = " (not in the query)" if query.get("access_token") else ""
            raise invalid(f"Invalid credentials: the x-tts-access-token header is missing{where}.")
        return self.auth.verify(token.strip())

    def _shop(self, request: Request, grant: Grant, needed: bool) -> int:
        cipher = request.query_params.get("shop_cipher")
        if not needed:
            if cipher:
                raise invalid("Unexpected shop_cipher: this API takes no shop_cipher.")
            return -1
        if not cipher:
            raise invalid("Invalid shop_cipher: the shop_cipher query parameter is missing.")
        index = self.world.by_cipher.get(cipher)
        if index is None:
            raise invalid("Invalid shop_cipher: no shop has this cipher.")
        if index not in grant.shops:
            raise invalid("Invalid shop_cipher: the access token is not authorized for this shop.")
        return index

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


async def _capped_body(request: Request) -> bytes:
    """The body, read no further than ``MAX_BODY`` (a larger one is refused, not buffered)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise invalid("Invalid parameter: the body is larger than 1 MB.")
        chunks.append(chunk)
    return b"".join(chunks)


def _api_path(request: Request) -> str:
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path or "/"


def _json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid("Invalid parameter: the body must be JSON.") from None
    if not isinstance(body, dict):
        raise invalid("Invalid parameter: the body must be a JSON object.")
    return body


_ENCODER = msgspec.json.Encoder()


def _answer_bytes(handler: Handler, call: Call) -> bytes:
    return _ENCODER.encode(envelope(handler(call)))


def create_shop_sandbox_app(config: ShopSandboxConfig | ShopSandbox | None = None) -> Starlette:
    """The shop sandbox as an ASGI app (standalone, or mounted at ``/shop-sandbox`` in demo
    mode)."""
    sandbox = config if isinstance(config, ShopSandbox) else ShopSandbox(config)

    async def api(request: Request) -> Response:
        return await sandbox.handle(request)

    async def token_get(request: Request) -> Response:
        return await sandbox.token(request, refresh=False)

    async def token_refresh(request: Request) -> Response:
        return await sandbox.token(request, refresh=True)

    async def authorize(request: Request) -> Response:
        return await portal.authorize_page(request, sandbox.world, sandbox.auth)

    async def approve(request: Request) -> Response:
        return await portal.approve(request, sandbox.world, sandbox.auth)

    async def index(request: Request) -> Response:
        return JSONResponse(
            {
                "name": "promodesk TikTok Shop Partner API sandbox",
                "authorize": "shop-portal/authorize?app_key=…&state=…&redirect_uri=…",
                "tokens": "api/v2/token/get, api/v2/token/refresh",
                "app_key": sandbox.config.app_key,
                "shops": len(sandbox.world.shops),
            }
        )

    async def stats(request: Request) -> Response:
        return JSONResponse(sandbox.stats())

    async def reset(request: Request) -> Response:
        sandbox.reset_stats()
        return JSONResponse(sandbox.stats())

    async def settings(request: Request) -> Response:
        try:
            sandbox.update(**_admin_body(await request.body()))
        except (ValueError, TypeError) as exc:
            return _admin_error(exc)
        return JSONResponse(sandbox.config.public())

    async def revoke(request: Request) -> Response:
        try:
            body = _admin_body(await request.body())
            shops = sandbox.revoke(
                access_token=_text(body, "access_token"), shop_id=_text(body, "shop_id")
            )
        except (ValueError, TypeError) as exc:
            return _admin_error(exc)
        except ApiError as exc:
            return _admin_error(ValueError(exc.message))
        return JSONResponse({"revoked_shop_ids": shops})

    async def expiring(request: Request) -> Response:
        try:
            body = _admin_body(await request.body())
            days = body.get("days", 7)
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
                raise ValueError("days must be an integer from 0 to 365")
            sandbox.authorization_expiring(_text(body, "shop_id") or "", days)
        except (ValueError, TypeError) as exc:
            return _admin_error(exc)
        return JSONResponse({"sent": True})

    async def webhooks(request: Request) -> Response:
        return JSONResponse({"deliveries": sandbox.webhooks.deliveries()})

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/v2/token/get", token_get, methods=["GET"]),
        Route("/api/v2/token/refresh", token_refresh, methods=["GET"]),
        Route("/shop-portal/authorize", authorize, methods=["GET"]),
        Route("/shop-portal/authorize/approve", approve, methods=["POST"]),
        Route("/sandbox-admin/stats", stats, methods=["GET"]),
        Route("/sandbox-admin/reset", reset, methods=["POST"]),
        Route("/sandbox-admin/settings", settings, methods=["POST"]),
        Route("/sandbox-admin/revoke", revoke, methods=["POST"]),
        Route("/sandbox-admin/authorization-expiring", expiring, methods=["POST"]),
        Route("/sandbox-admin/webhooks", webhooks, methods=["GET"]),
        Route("/{path:path}", api, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    ]
    app = Starlette(routes=routes)
    app.state.shop_sandbox = sandbox
    return app


def _admin_body(raw: bytes) -> dict[str, Any]:
    changes = json.loads(raw or b"{}")
    if not isinstance(changes, dict):
        raise TypeError("expected a JSON object")
    return changes


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string")
    return value


def _admin_error(exc: Exception) -> Response:
    return JSONResponse({"error": "ValidationFailed", "detail": str(exc)}, status_code=422)
