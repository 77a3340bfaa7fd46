"""Authorize promodesk at the platform for one shop.

1. ``authorization_url`` signs a ``state`` naming the workspace, the shop, the user and the
   provider (itsdangerous with promodesk's secret key; it expires after
   ``PROMODESK_SHOP_PLATFORM_STATE_MAX_AGE_SECONDS``).
2. The platform sends the seller back with ``code`` and ``state``; ``authorize`` checks the
   state, exchanges the code and lists the platform shops the token covers.

Rules:
- A platform call is never made inside a database transaction that waits on it where it can
  be avoided: the exchange happens before the link is written.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.vault import vault
from promodesk.settings import get_settings
from promodesk.shop.errors import InvalidPlatformState, PlatformUnavailable
from promodesk.shop.platform import port
from promodesk.shop.platform.providers import PROVIDERS, platform
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.settings import shop_settings

STATE_SALT = "promodesk.shop.platform-state"
PENDING_SALT = "promodesk.shop.platform-pending"
DEFAULT_PROVIDER = PROVIDERS[0]


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().ensure_secret_key(), salt=salt)


def _max_age() -> int:
    return shop_settings().platform_state_max_age_seconds


@dataclass(frozen=True)
class Authorized:
    """A completed authorization, before a shop is picked: safe to keep for one request."""

    workspace_id: int
    shop_id: int
    provider: str
    tokens: port.Tokens = field(repr=False)
    shops: list[port.PlatformShop] = field(repr=False)


def platform_error(exc: port.PlatformError, what: str) -> PlatformUnavailable:
    return PlatformUnavailable(
        f"{what}: {exc.message}",
        code=exc.code,
        request_id=exc.request_id,
    )


def authorization_url(
    uow: UnitOfWork,
    workspace_id: int,
    shop_id: int,
    *,
    actor: str,
    redirect_uri: str,
    provider: str = DEFAULT_PROVIDER,
) -> str:
    if ShopRepository(uow).shop(workspace_id, shop_id) is None:
        raise NotFound(f"shop {shop_id} not found")
    if provider not in PROVIDERS:
        raise ValidationFailed(f"unknown platform {provider!r}", field="provider")
    state = _serializer(STATE_SALT).dumps(
        {
            "w": workspace_id,
            "s": shop_id,
            "p": provider,
            "u": actor[:200],
            "n": secrets.token_hex(6),
        }
    )
    try:
        return platform(provider).authorization_url(redirect_uri=redirect_uri, state=state)
    except port.PlatformError as exc:
        raise platform_error(exc, "the platform cannot be reached") from None


def check_state(workspace_id: int, state: str) -> dict[str, Any]:
    if not state or len(state) > 2000:
        raise InvalidPlatformState("the authorization state is missing", field="state")
    try:
        payload = _serializer(STATE_SALT).loads(state, max_age=_max_age())
    except SignatureExpired:
        raise InvalidPlatformState(
            "the authorization took too long; start again", field="state"
        ) from None
    except BadSignature:
        raise InvalidPlatformState("the authorization state is not ours", field="state") from None
    if not isinstance(payload, dict) or payload.get("w") != workspace_id:
        raise InvalidPlatformState(
            "the authorization was started in another workspace", field="state"
        )
    if payload.get("p") not in PROVIDERS or not isinstance(payload.get("s"), int):
        raise InvalidPlatformState("the authorization state is not ours", field="state")
    return payload


def authorize(workspace_id: int, *, state: str, code: str) -> Authorized:
    """The callback: check the state, exchange the code, list the authorized shops. Makes
    platform calls and touches no database."""
    payload = check_state(workspace_id, state)
    code = (code or "").strip()
    if not code or len(code) > 1000:
        raise ValidationFailed("the callback carries no authorization code", field="code")
    provider = str(payload["p"])
    shop_platform = platform(provider)
    try:
        tokens = shop_platform.exchange_code(code)
    except port.AuthorizationLost:
        raise ValidationFailed(
            "the platform refused the authorization code (used or expired): connect again",
            field="code",
        ) from None
    except port.PlatformError as exc:
        raise platform_error(exc, "the platform did not complete the authorization") from None
    try:
        shops = shop_platform.shops(tokens.access_token)
    except port.PlatformError as exc:
        raise platform_error(exc, "the platform did not list the authorized shops") from None
    if not shops:
        raise ValidationFailed("the authorization covers no shop", field="code")
    return Authorized(workspace_id, int(payload["s"]), provider, tokens, shops)


def pending_token(authorized: Authorized) -> str:
    """The authorization, signed and with its tokens encrypted, for the pick-a-shop form."""
    tokens = authorized.tokens
    secret = vault().encrypt(
        json.dumps(
            {
                "a": tokens.access_token,
                "ae": tokens.access_expires_at.timestamp(),
                "r": tokens.refresh_token,
                "re": tokens.refresh_expires_at.timestamp(),
                "n": tokens.seller_name,
                "g": tokens.region,
                "sc": list(tokens.scopes),
                "shops": [
                    {"id": s.shop_id, "c": s.cipher, "n": s.name, "r": s.region}
                    for s in authorized.shops
                ],
            }
        )
    )
    return _serializer(PENDING_SALT).dumps(
        {
            "w": authorized.workspace_id,
            "s": authorized.shop_id,
            "p": authorized.provider,
            "t": secret,
        }
    )


def from_pending(workspace_id: int, pending: str) -> Authorized:
    if not pending or len(pending) > 20_000:
        raise InvalidPlatformState("the authorization is missing", field="pending")
    try:
        payload = _serializer(PENDING_SALT).loads(pending, max_age=_max_age())
        data = json.loads(vault().decrypt(str(payload["t"])))
    except SignatureExpired:
        raise InvalidPlatformState(
            "the authorization took too long; start again", field="pending"
        ) from None
    except (BadSignature, ValueError, KeyError, TypeError):
        raise InvalidPlatformState("the authorization is not ours", field="pending") from None
    if payload.get("w") != workspace_id:
        raise InvalidPlatformState("the authorization is not ours", field="pending")
    tokens = port.Tokens(
        access_token=data["a"],
        access_expires_at=datetime.fromtimestamp(data["ae"], tz=UTC),
        refresh_token=data["r"],
        refresh_expires_at=datetime.fromtimestamp(data["re"], tz=UTC),
        seller_name=data.get("n", ""),
        region=data.get("g", ""),
        scopes=tuple(data.get("sc") or ()),
    )
    shops = [
        port.PlatformShop(
            shop_id=s["id"], cipher=s["c"], name=s.get("n", ""), region=s.get("r", "")
        )
        for s in data.get("shops") or []
    ]
    return Authorized(workspace_id, int(payload["s"]), str(payload["p"]), tokens, shops)
