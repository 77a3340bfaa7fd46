"""Seller authorization (spec §1.11): the authorization page's URL, token get and refresh on
the auth host, and the shops a token may act for (each with its ``cipher``).

Rules: the two ``*_expire_in`` fields are Unix timestamps in seconds, not durations; an
authorization code is single use, so exchanging it is not retried once it may have arrived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from promodesk.integrations.tiktok_shop.client import TikTokShopClient
from promodesk.integrations.tiktok_shop.errors import (
    AccessTokenInvalid,
    BadParameter,
    RefreshTokenInvalid,
    UnexpectedResponse,
)

TOKEN_GET = "/api/v2/token/get"  # noqa: S105 (a path)
TOKEN_REFRESH = "/api/v2/token/refresh"  # noqa: S105 (a path)
AUTHORIZED_SHOPS = "/authorization/202309/shops"


@dataclass(frozen=True)
class TokenGrant:
    access_token: str = field(repr=False)
    access_token_expires_at: datetime
    refresh_token: str = field(repr=False)
    refresh_token_expires_at: datetime
    open_id: str = ""
    seller_name: str = ""
    seller_base_region: str = ""
    granted_scopes: tuple[str, ...] = ()
    request_id: str | None = None

    @classmethod
    def parse(cls, data: dict[str, Any], request_id: str | None = None) -> TokenGrant:
        access = str(data.get("access_token") or "")
        refresh = str(data.get("refresh_token") or "")
        if not access or not refresh:
            raise UnexpectedResponse("the token answer has no tokens", request_id=request_id)
        scopes = data.get("granted_scopes") or []
        return cls(
            access_token=access,
            access_token_expires_at=_instant(data.get("access_token_expire_in")),
            refresh_token=refresh,
            refresh_token_expires_at=_instant(data.get("refresh_token_expire_in")),
            open_id=str(data.get("open_id") or ""),
            seller_name=str(data.get("seller_name") or ""),
            seller_base_region=str(data.get("seller_base_region") or ""),
            granted_scopes=tuple(str(s) for s in scopes) if isinstance(scopes, list) else (),
            request_id=request_id,
        )


@dataclass(frozen=True)
class AuthorizedShop:
    shop_id: str
    cipher: str = field(repr=False)
    name: str = ""
    region: str = ""
    seller_type: str = ""
    code: str = ""

    @classmethod
    def parse(cls, item: dict[str, Any]) -> AuthorizedShop:
        return cls(
            shop_id=str(item.get("id") or ""),
            cipher=str(item.get("cipher") or ""),
            name=str(item.get("name") or ""),
            region=str(item.get("region") or ""),
            seller_type=str(item.get("seller_type") or ""),
            code=str(item.get("code") or ""),
        )


def _instant(value: Any) -> datetime:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = 0
    return datetime.fromtimestamp(max(seconds, 0), tz=UTC)


class ShopAuth:
    """The app-level calls; they use the app key and secret of the client's settings."""

    def __init__(self, client: TikTokShopClient) -> None:
        client.require_app()
        self.client = client

    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {"app_key": self.client.app_key, "state": state, "redirect_uri": redirect_uri}
        )
        return f"{self.client.settings.authorization_page}?{query}"

    def exchange(self, auth_code: str) -> TokenGrant:
        """The callback's ``code`` for a token pair; a refused code is ``RefreshTokenInvalid``
        (the seller authorizes again)."""
        try:
            reply = self.client.auth_request(
                TOKEN_GET,
                {"auth_code": auth_code, "grant_type": "authorized_code"},
                idempotent=False,
            )
        except (BadParameter, AccessTokenInvalid) as exc:
            raise RefreshTokenInvalid(
                exc.message, code=exc.code, request_id=exc.request_id, endpoint=exc.endpoint
            ) from None
        return TokenGrant.parse(reply.data, reply.request_id)

    def refresh(self, refresh_token: str) -> TokenGrant:
        try:
            reply = self.client.auth_request(
                TOKEN_REFRESH,
                {"refresh_token": refresh_token, "grant_type": "refresh_token"},
                idempotent=True,
            )
        except (BadParameter, AccessTokenInvalid) as exc:
            raise RefreshTokenInvalid(
                exc.message, code=exc.code, request_id=exc.request_id, endpoint=exc.endpoint
            ) from None
        return TokenGrant.parse(reply.data, reply.request_id)

    def shops(self, access_token: str) -> list[AuthorizedShop]:
        reply = self.client.request("GET", AUTHORIZED_SHOPS, token=access_token)
        items = reply.data.get("shops") or []
        return [AuthorizedShop.parse(i) for i in items if isinstance(i, dict)]
