"""Advertiser OAuth (spec §5): authorization URL with a signed state, code exchange, revoke.

The ``state`` is signed with promodesk's own secret key (itsdangerous), so the callback can
trust what it carries (workspace, user, a nonce) and reject forged or stale callbacks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from promodesk.integrations.tiktok import endpoints
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.entities import AdvertiserRef, TokenGrant
from promodesk.integrations.tiktok.errors import AuthInvalid, StateRejected

STATE_SALT = "promodesk.tiktok.oauth-state"


class StateSigner:
    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("signing the OAuth state needs a secret key")
        self._serializer = URLSafeTimedSerializer(secret_key, salt=STATE_SALT)

    def sign(self, payload: dict[str, Any]) -> str:
        return self._serializer.dumps(payload)

    def verify(self, state: str, *, max_age: int) -> dict[str, Any]:
        try:
            payload = self._serializer.loads(state, max_age=max_age)
        except SignatureExpired:
            raise StateRejected("the authorization took too long; start again") from None
        except BadSignature:
            raise StateRejected("the authorization state is not ours") from None
        if not isinstance(payload, dict):
            raise StateRejected("the authorization state is not ours")
        return payload


class OAuth:
    """The app-level calls: they use the app id and secret from the client's settings."""

    def __init__(self, client: TikTokClient) -> None:
        self.client = client
        settings = client.settings
        if not settings.app_id or not settings.secret.get_secret_value():
            raise AuthInvalid("PROMODESK_TIKTOK_APP_ID and PROMODESK_TIKTOK_SECRET must be set")
        self.app_id = settings.app_id
        self._secret = settings.secret.get_secret_value()

    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        query = urlencode({"app_id": self.app_id, "state": state, "redirect_uri": redirect_uri})
        return f"{self.client.settings.authorization_page}?{query}"

    def exchange(self, auth_code: str) -> TokenGrant:
        """Trade the callback's ``auth_code`` (single use, ~10 minutes) for a long-term token.

        Not retried after the request may have reached TikTok: a second try would meet 40110.
        """
        data = self.client.request(
            "POST",
            endpoints.OAUTH_EXCHANGE,
            body={"app_id": self.app_id, "secret": self._secret, "auth_code": auth_code},
            idempotent=False,
        )
        return TokenGrant.parse(data)

    def advertisers(self, access_token: str) -> list[AdvertiserRef]:
        """The ad accounts ``access_token`` may act for (no paging on this endpoint)."""
        data = self.client.request(
            "GET",
            endpoints.OAUTH_ADVERTISERS,
            token=access_token,
            params={"app_id": self.app_id, "secret": self._secret},
        )
        return [AdvertiserRef.parse(item) for item in data.get("list") or []]

    def revoke(self, access_token: str) -> None:
        self.client.request(
            "POST",
            endpoints.OAUTH_REVOKE,
            body={"app_id": self.app_id, "secret": self._secret, "access_token": access_token},
        )
