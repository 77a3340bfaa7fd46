"""Advertiser OAuth of the sandbox: auth codes, signed access tokens, revocation.

Access tokens are signed (HMAC of the app, the granted ad accounts and a nonce with a key
derived from the app secret), so tokens a connector stored stay valid across sandbox restarts,
as TikTok's long-term advertiser tokens do. Auth codes are single use and short-lived (40110).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from promodesk.sandbox.config import SandboxConfig
from promodesk.sandbox.wire import (
    AUTH_CODE_ERROR,
    EMPTY_ACCESS_TOKEN,
    INVALID_ACCESS_TOKEN,
    INVALID_PARTNER,
    ApiError,
)

# The permission ids TikTok lists in ``scope`` (ad account management, ads management, reporting,
# audience management, ...). They are informational.
SCOPES = [1, 2, 3, 4, 6, 7, 8, 10, 12]


@dataclass(frozen=True)
class Grant:
    """What an access token allows: one app, a set of ad accounts (by sandbox index)."""

    app_id: str
    accounts: frozenset[int]
    token: str


@dataclass
class IssuedCode:
    app_id: str
    accounts: frozenset[int]
    issued: datetime
    used: bool = False


@dataclass
class Auth:
    config: SandboxConfig
    codes: dict[str, IssuedCode] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check_app(self, app_id: str | None, secret: str | None) -> None:
        good_app = hmac.compare_digest(str(app_id or ""), self.config.app_id)
        good_secret = hmac.compare_digest(str(secret or ""), self.config.secret)
        if not (good_app and good_secret):
            raise ApiError(INVALID_PARTNER)

    def issue_code(self, app_id: str, accounts: frozenset[int]) -> str:
        code = secrets.token_hex(20)
        with self.lock:
            now = self.config.now()
            ttl = timedelta(seconds=self.config.auth_code_ttl_seconds)
            # Forget stale codes so a long-running sandbox does not grow.
            for stale in [c for c, i in self.codes.items() if i.issued + 2 * ttl < now]:
                del self.codes[stale]
            self.codes[code] = IssuedCode(app_id, accounts, now)
        return code

    def exchange(self, app_id: str, secret: str, code: str) -> Grant:
        self.check_app(app_id, secret)
        with self.lock:
            issued = self.codes.get(code)
            now = self.config.now()
            ttl = timedelta(seconds=self.config.auth_code_ttl_seconds)
            stale = issued is None or issued.used or issued.issued + ttl < now
            if issued is None or stale or issued.app_id != app_id:
                raise ApiError(AUTH_CODE_ERROR)
            issued.used = True
        return Grant(app_id, issued.accounts, self._sign(app_id, issued.accounts))

    def _key(self) -> bytes:
        material = f"promodesk-sandbox:{self.config.app_id}:{self.config.secret}"
        return hashlib.sha256(material.encode()).digest()

    def _sign(self, app_id: str, accounts: frozenset[int]) -> str:
        mask = sum(1 << a for a in accounts)
        payload = f"{app_id}.{mask:x}.{secrets.token_hex(6)}"
        mac = hmac.new(self._key(), payload.encode(), hashlib.sha256).hexdigest()[:24]
        return f"{payload}.{mac}"

    def verify(self, token: str | None) -> Grant:
        """The grant of a token from the ``Access-Token`` header (40104 empty, 40105 invalid)."""
        if token is None or not token.strip():
            raise ApiError(EMPTY_ACCESS_TOKEN)
        if len(token) > 4096 or token in self.revoked:
            raise ApiError(INVALID_ACCESS_TOKEN)
        parts = token.split(".")
        if len(parts) != 4:
            raise ApiError(INVALID_ACCESS_TOKEN)
        payload, mac = ".".join(parts[:3]), parts[3]
        expected = hmac.new(self._key(), payload.encode(), hashlib.sha256).hexdigest()[:24]
        if not hmac.compare_digest(mac, expected) or parts[0] != self.config.app_id:
            raise ApiError(INVALID_ACCESS_TOKEN)
        try:
            mask = int(parts[1], 16)
        except ValueError:
            raise ApiError(INVALID_ACCESS_TOKEN) from None
        accounts = frozenset(i for i in range(mask.bit_length()) if mask >> i & 1)
        return Grant(parts[0], accounts, token)

    def revoke(self, token: str) -> None:
        with self.lock:
            self.revoked.add(token)
