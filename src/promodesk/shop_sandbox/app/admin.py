"""The ``/sandbox-admin/*`` routes: stats and their reset, runtime settings, revocation, an
expiring authorization announced, and the webhook deliveries."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from promodesk.shop_sandbox.app.sandbox import ShopSandbox
from promodesk.shop_sandbox.wire import ApiError


def routes(sandbox: ShopSandbox) -> list[Route]:
    """The admin routes of ``sandbox``."""

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

    return [
        Route("/sandbox-admin/stats", stats, methods=["GET"]),
        Route("/sandbox-admin/reset", reset, methods=["POST"]),
        Route("/sandbox-admin/settings", settings, methods=["POST"]),
        Route("/sandbox-admin/revoke", revoke, methods=["POST"]),
        Route("/sandbox-admin/authorization-expiring", expiring, methods=["POST"]),
        Route("/sandbox-admin/webhooks", webhooks, methods=["GET"]),
    ]


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
