"""Token endpoints (``GET /api/v2/token/get``, ``GET /api/v2/token/refresh``, spec §1.11) and
Get Authorized Shops (``GET /authorization/202309/shops``, each shop with its ``cipher``).

The token answers carry ``access_token_expire_in`` and ``refresh_token_expire_in`` as Unix
timestamps in seconds (not durations), as the platform's do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promodesk.shop_sandbox.auth import SCOPES, Auth, Grant
from promodesk.shop_sandbox.context import Call
from promodesk.shop_sandbox.wire import invalid
from promodesk.shop_sandbox.world import World


def _tokens(world: World, access: str, refresh: str, grant: Grant) -> dict[str, Any]:
    config = world.config
    now = world.now()
    first = world.shops[min(grant.shops)] if grant.shops else None
    return {
        "access_token": access,
        "access_token_expire_in": now + config.access_token_ttl_seconds,
        "refresh_token": refresh,
        "refresh_token_expire_in": now + config.refresh_token_ttl_seconds,
        "open_id": f"sandbox-seller-{config.seed}",
        "seller_name": "promodesk sandbox seller",
        "seller_base_region": first.region if first else "GB",
        "user_type": 0,
        "granted_scopes": SCOPES,
    }


def token_get(query: Mapping[str, str], world: World, auth: Auth) -> dict[str, Any]:
    auth.check_app(query.get("app_key"), query.get("app_secret"))
    if query.get("grant_type") != "authorized_code":
        raise invalid("Invalid parameter: grant_type must be authorized_code.")
    code = query.get("auth_code") or ""
    if not code:
        raise invalid("Invalid parameter: auth_code is missing.")
    access, refresh, grant = auth.exchange(code[:512])
    return _tokens(world, access, refresh, grant)


def token_refresh(query: Mapping[str, str], world: World, auth: Auth) -> dict[str, Any]:
    auth.check_app(query.get("app_key"), query.get("app_secret"))
    if query.get("grant_type") != "refresh_token":
        raise invalid("Invalid parameter: grant_type must be refresh_token.")
    token = query.get("refresh_token") or ""
    if not token:
        raise invalid("Invalid parameter: refresh_token is missing.")
    access, refresh, grant = auth.refresh(token)
    return _tokens(world, access, refresh, grant)


def authorized_shops(call: Call) -> dict[str, Any]:
    return {
        "shops": [
            {
                "id": shop.id,
                "name": shop.name,
                "region": shop.region,
                "seller_type": "LOCAL",
                "cipher": shop.cipher,
                "code": shop.code,
            }
            for shop in call.world.shops
            if shop.index in call.grant.shops
        ]
    }
