"""The TikTok Shop Partner API's failures as exceptions (spec §1.9).

Rules:
- Each platform code maps to one class; ``36009004`` is overloaded ("invalid parameter") and is
  classified by its message (missing signature, old timestamp, bad token, bad app key,
  unexpected shop cipher, unsupported version, a bad body parameter).
- Every error keeps the platform's ``code``, ``message`` and ``request_id``, so a per-item
  result and the audit log can name the exact call.
- Messages never carry an access token or the app secret (the client scrubs them first).
"""

from __future__ import annotations

import re
from typing import ClassVar


class ShopApiError(Exception):
    """Any failure talking to the Partner API. ``retryable``: trying again may help."""

    retryable: ClassVar[bool] = False
    # Whether the seller must authorize the app again (or the token be refreshed) first.
    needs_authorization: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str | None = None,
        endpoint: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.request_id = request_id
        self.endpoint = endpoint
        self.http_status = http_status
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.endpoint:
            parts.append(f"endpoint={self.endpoint}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)


class Throttled(ShopApiError):
    """36009002 / HTTP 429: the shop's rate limit; refused before anything was done."""

    retryable = True


class ServerError(ShopApiError):
    """36009003, 36009007, 12001000, HTTP 5xx: the platform failed; try later."""

    retryable = True


class Transport(ShopApiError):
    """The network failed. ``sent`` is False when the request surely never left."""

    retryable = True

    def __init__(self, message: str, *, endpoint: str | None = None, sent: bool = True) -> None:
        self.sent = sent
        super().__init__(message, endpoint=endpoint)


class UnexpectedResponse(ShopApiError):
    """The answer was not a Partner API envelope (HTML page, truncated JSON, …)."""


class AuthError(ShopApiError):
    """The credentials do not work."""


class AccessTokenInvalid(AuthError):
    """105001–105004, 36004004, 101000, or 36009004 about the access token: the token is
    expired or revoked; refresh it, and if that fails the seller authorizes again."""

    needs_authorization = True


class RefreshTokenInvalid(AuthError):
    """The refresh token (or the authorization code) was refused: authorize again."""

    needs_authorization = True


class AppCredentialsInvalid(AuthError):
    """36009004 about ``app_key``: the app key or secret in the settings is wrong."""


class SignatureInvalid(AuthError):
    """106001, or 36009004 about a missing signature: our signing is wrong."""


class TimestampRejected(AuthError):
    """36009004 about the timestamp (older than 5 minutes): this machine's clock is off."""


class ScopeMissing(AuthError):
    """105005: the app lacks the scope the call needs (e.g. ``seller.promotion.write``)."""


class ShopCipherInvalid(ShopApiError):
    """36009004 about ``shop_cipher`` or ``shop_id``: the shop is not (or no longer) ours."""


class PermissionDenied(ShopApiError):
    """36009033, 12052700: the token has no right to this shop or action."""


class NotFound(ShopApiError):
    """36009009 (unknown path) or 36009004 about the version: no such route."""


class BadParameter(ShopApiError):
    """36009004 about a body parameter, or another refusal of what we sent."""


class StateRejected(ShopApiError):
    """The authorization callback's ``state`` is forged, altered or too old."""


SUCCESS = 0

_EXACT: dict[int, type[ShopApiError]] = {
    36009002: Throttled,
    36009003: ServerError,
    36009007: ServerError,
    12001000: ServerError,
    105001: AccessTokenInvalid,
    105002: AccessTokenInvalid,
    105003: AccessTokenInvalid,
    105004: AccessTokenInvalid,
    105005: ScopeMissing,
    36004004: AccessTokenInvalid,
    101000: AccessTokenInvalid,
    106001: SignatureInvalid,
    36009009: NotFound,
    36009033: PermissionDenied,
    12052700: PermissionDenied,
}

OVERLOADED_PARAMETER_CODE = 36009004

# 36009004's cases, by what its message names; the first match wins, so the specific
# credential names come before the generic words.
_BY_MESSAGE: tuple[tuple[re.Pattern[str], type[ShopApiError]], ...] = (
    (re.compile(r"access[_ -]?token|x-tts-access-token"), AccessTokenInvalid),
    (re.compile(r"app[_ ]?key|app[_ ]?secret"), AppCredentialsInvalid),
    (re.compile(r"timestamp"), TimestampRejected),
    (re.compile(r"shop[_ ]?cipher|shop[_ ]?id"), ShopCipherInvalid),
    (re.compile(r"\bsign\b|signature"), SignatureInvalid),
    (re.compile(r"\bversion\b"), NotFound),
)


def classify_parameter_error(message: str) -> type[ShopApiError]:
    """The class of a ``36009004`` answer, read from its message."""
    text = message.lower()
    for pattern, cls in _BY_MESSAGE:
        if pattern.search(text):
            return cls
    return BadParameter


def error_class(code: int, message: str = "", http_status: int | None = None) -> type[ShopApiError]:
    if code == OVERLOADED_PARAMETER_CODE:
        return classify_parameter_error(message)
    if code in _EXACT:
        return _EXACT[code]
    if http_status == 429:
        return Throttled
    if http_status is not None and http_status >= 500:
        return ServerError
    # Promotion-specific codes (price above the 30-day low, a conflicting activity, an
    # IMMUTABLE activity, …) are not published: a refusal of what we sent.
    return BadParameter


def error_for(
    code: int,
    message: str,
    *,
    request_id: str | None = None,
    endpoint: str | None = None,
    http_status: int | None = None,
) -> ShopApiError:
    cls = error_class(code, message, http_status)
    return cls(
        message or "the TikTok Shop API returned an error",
        code=code,
        request_id=request_id,
        endpoint=endpoint,
        http_status=http_status,
    )
