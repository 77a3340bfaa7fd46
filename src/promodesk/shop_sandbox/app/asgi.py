"""The shop sandbox as an ASGI app: the token endpoints, the seller authorization page, the
admin routes and every other path to the Partner API."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from promodesk.shop_sandbox import portal
from promodesk.shop_sandbox.app import admin
from promodesk.shop_sandbox.app.sandbox import ShopSandbox
from promodesk.shop_sandbox.config import ShopSandboxConfig


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

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/v2/token/get", token_get, methods=["GET"]),
        Route("/api/v2/token/refresh", token_refresh, methods=["GET"]),
        Route("/shop-portal/authorize", authorize, methods=["GET"]),
        Route("/shop-portal/authorize/approve", approve, methods=["POST"]),
        *admin.routes(sandbox),
        Route("/{path:path}", api, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    ]
    app = Starlette(routes=routes)
    app.state.shop_sandbox = sandbox
    return app
