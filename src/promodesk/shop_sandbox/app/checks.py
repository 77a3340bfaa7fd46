"""The checks of a Partner API request before its handler runs: the API path (also under a
mount prefix), the body (capped, a JSON object), the credentials (``app_key``; ``timestamp``
within the window; ``sign``, spec §1.8; the ``x-tts-access-token`` header) and ``shop_cipher``
(required by shop calls, refused by the others)."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request

from promodesk.shop_sandbox.auth import Auth, Grant
from promodesk.shop_sandbox.config import ShopSandboxConfig
from promodesk.shop_sandbox.signing import same, sign
from promodesk.shop_sandbox.wire import INVALID_SIGN, ApiError, invalid
from promodesk.shop_sandbox.world import World

MAX_BODY = 1_000_000
TIMESTAMP = re.compile(r"-?[0-9]{1,12}")


def authenticate(
    request: Request, path: str, raw: bytes, config: ShopSandboxConfig, world: World, auth: Auth
) -> Grant:
    query = request.query_params
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
    now = world.now()
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
    return auth.verify(token.strip())


def shop_index(request: Request, grant: Grant, needed: bool, world: World) -> int:
    cipher = request.query_params.get("shop_cipher")
    if not needed:
        if cipher:
            raise invalid("Unexpected shop_cipher: this API takes no shop_cipher.")
        return -1
    if not cipher:
        raise invalid("Invalid shop_cipher: the shop_cipher query parameter is missing.")
    index = world.by_cipher.get(cipher)
    if index is None:
        raise invalid("Invalid shop_cipher: no shop has this cipher.")
    if index not in grant.shops:
        raise invalid("Invalid shop_cipher: the access token is not authorized for this shop.")
    return index


async def capped_body(request: Request) -> bytes:
    """The body, read no further than ``MAX_BODY`` (a larger one is refused, not buffered)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise invalid("Invalid parameter: the body is larger than 1 MB.")
        chunks.append(chunk)
    return b"".join(chunks)


def api_path(request: Request) -> str:
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path or "/"


def json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid("Invalid parameter: the body must be JSON.") from None
    if not isinstance(body, dict):
        raise invalid("Invalid parameter: the body must be a JSON object.")
    return body
