"""Seller authorization of the shop sandbox: auth codes, signed access and refresh tokens,
refresh, and revocation (a sandbox control, so a client's "revoked token" path can be tested).

Tokens are signed (an HMAC with a key derived from the app secret over the grant, its shops,
its issue and expiry times), so tokens a connector stored stay valid across sandbox restarts,
as the platform's do. Auth codes are single use and short-lived. Revoking a shop refuses every
token issued for it before the revocation (105003); a new authorization works again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from promodesk.shop_sandbox.config import ShopSandboxConfig
from promodesk.shop_sandbox.wire import (
    AUTH_CODE_INVALID,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    TOKEN_REVOKED,
    ApiError,
    invalid,
)

SCOPES = [
    "seller.authorization.info",
    "seller.product.basic",
    "seller.product.write",
    "seller.promotion.info",
    "seller.promotion.write",
]
MAX_TOKEN = 4096


@dataclass(frozen=True)
class Grant:
    """What a token allows: the shops (by sandbox index) one authorization granted."""

    grant_id: str
    shops: frozenset[int]
    stamp: int  # a strictly increasing issue stamp (µs of the real clock), for revocations
    expires: int  # Unix seconds of the sandbox clock


@dataclass
class IssuedCode:
    shops: frozenset[int]
    issued: int
    used: bool = False


@dataclass
class Auth:
    config: ShopSandboxConfig
    codes: dict[str, IssuedCode] = field(default_factory=dict)
    revoked_grants: set[str] = field(default_factory=set)
    revoked_shops: dict[int, int] = field(default_factory=dict)  # shop -> stamp of revocation
    lock: threading.Lock = field(default_factory=threading.Lock)
    _last: int = 0

    def _stamp(self) -> int:
        # Real time, not the sandbox clock (which tests freeze), so a token issued after a
        # revocation always has a later stamp, across restarts too.
        with self.lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            return self._last

    def now(self) -> int:
        return int(self.config.now().timestamp())

    def check_app(self, app_key: str | None, app_secret: str | None) -> None:
        if not hmac.compare_digest(str(app_key or ""), self.config.app_key):
            raise invalid("Invalid app_key: no app has this app_key.")
        if not hmac.compare_digest(str(app_secret or ""), self.config.app_secret):
            raise invalid("Invalid app_secret: it does not match the app_key.")

    def issue_code(self, shops: frozenset[int]) -> str:
        code = "TTP_" + secrets.token_urlsafe(24)
        with self.lock:
            now = self.now()
            ttl = self.config.auth_code_ttl_seconds
            for stale in [c for c, i in self.codes.items() if i.issued + 2 * ttl < now]:
                del self.codes[stale]  # a long-running sandbox does not grow
            self.codes[code] = IssuedCode(shops, now)
        return code

    def exchange(self, code: str) -> tuple[str, str, Grant]:
        """Access token, refresh token and grant for an auth code (single use)."""
        with self.lock:
            issued = self.codes.get(code)
            now = self.now()
            if (
                issued is None
                or issued.used
                or issued.issued + self.config.auth_code_ttl_seconds < now
            ):
                raise ApiError(AUTH_CODE_INVALID, "The auth_code is invalid, used or expired.")
            issued.used = True
        return self._pair(secrets.token_hex(8), issued.shops)

    def refresh(self, refresh_token: str) -> tuple[str, str, Grant]:
        try:
            grant = self._read(refresh_token, "r")
        except ApiError as exc:
            raise ApiError(
                AUTH_CODE_INVALID, f"The refresh_token is not usable: {exc.message}"
            ) from None
        return self._pair(grant.grant_id, grant.shops)

    def _pair(self, grant_id: str, shops: frozenset[int]) -> tuple[str, str, Grant]:
        now, stamp = self.now(), self._stamp()
        access = Grant(grant_id, shops, stamp, now + self.config.access_token_ttl_seconds)
        refresh = Grant(grant_id, shops, stamp, now + self.config.refresh_token_ttl_seconds)
        return self._token("a", access), self._token("r", refresh), access

    def _key(self) -> bytes:
        material = f"promodesk-shop-sandbox:{self.config.app_key}:{self.config.app_secret}"
        return hashlib.sha256(material.encode()).digest()

    def _token(self, kind: str, grant: Grant) -> str:
        mask = sum(1 << s for s in grant.shops)
        payload = f"{kind}|{grant.grant_id}|{mask:x}|{grant.stamp}|{grant.expires}|"
        payload += secrets.token_hex(4)
        body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        mac = hmac.new(self._key(), body.encode(), hashlib.sha256).hexdigest()[:32]
        return f"TTP_{body}.{mac}"

    def _read(self, token: str, kind: str) -> Grant:
        if len(token) > MAX_TOKEN or not token.startswith("TTP_") or "." not in token:
            raise ApiError(TOKEN_INVALID)
        body, mac = token[4:].rsplit(".", 1)
        expected = hmac.new(self._key(), body.encode(), hashlib.sha256).hexdigest()[:32]
        if not hmac.compare_digest(mac, expected):
            raise ApiError(TOKEN_INVALID)
        try:
            padded = body + "=" * (-len(body) % 4)
            parts = base64.urlsafe_b64decode(padded).decode().split("|")
            found, grant_id, mask_hex, stamp, expires, _ = parts
            mask = int(mask_hex, 16)
            grant = Grant(
                grant_id,
                frozenset(i for i in range(mask.bit_length()) if mask >> i & 1),
                int(stamp),
                int(expires),
            )
        except (ValueError, UnicodeDecodeError):
            raise ApiError(TOKEN_INVALID) from None
        if found != kind:
            raise ApiError(TOKEN_INVALID)
        with self.lock:
            revoked = grant.grant_id in self.revoked_grants or any(
                self.revoked_shops.get(s, -1) >= grant.stamp for s in grant.shops
            )
        if revoked:
            raise ApiError(TOKEN_REVOKED)
        if grant.expires <= self.now():
            raise ApiError(TOKEN_EXPIRED)
        return grant

    def verify(self, token: str) -> Grant:
        """The grant of an access token (105001 invalid, 105002 expired, 105003 revoked)."""
        return self._read(token, "a")

    def revoke_token(self, token: str) -> Grant:
        """Revoke the authorization a token (access or refresh) belongs to; its grant."""
        for kind in ("a", "r"):
            try:
                grant = self._read(token, kind)
            except ApiError as exc:
                if exc.code == TOKEN_INVALID:
                    continue
                raise
            with self.lock:
                self.revoked_grants.add(grant.grant_id)
            return grant
        raise ApiError(TOKEN_INVALID)

    def revoke_shop(self, shop: int) -> None:
        """The seller deauthorizes the app for ``shop``: every token issued so far is refused."""
        stamp = self._stamp()
        with self.lock:
            self.revoked_shops[shop] = stamp
