"""The TikTok error tree, and the map from the API's return codes to it (spec §3).

Rule: messages carry the code, TikTok's message, the request id and the endpoint; never an
access token or app secret (the client redacts them before building an error).
"""

from __future__ import annotations

from typing import ClassVar


class TikTokError(Exception):
    """Any failure talking to TikTok. ``retryable`` says whether trying again may help."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.request_id = request_id
        self.endpoint = endpoint
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


class Throttled(TikTokError):
    """40100: the app met the QPS/QPM/QPD limit of this endpoint."""

    retryable = True


class AuthError(TikTokError):
    """The credentials do not work; someone must authorize again or fix the app settings."""


class AuthRevoked(AuthError):
    """40105 (and 40102): the access token is incorrect, expired or was revoked."""


class AuthInvalid(AuthError):
    """Missing token, bad app id/secret, bad grant: a configuration or flow error."""


class AuthCodeInvalid(AuthInvalid):
    """40110: the auth_code is wrong, used or expired (it lives about 10 minutes)."""


class PermissionDenied(TikTokError):
    """40001 and friends: the token has no right to this advertiser or action."""


class BadParameter(TikTokError):
    """40000/40002/...: TikTok refused the request's parameters."""


class ObjectNotFound(TikTokError):
    """40007/40300/...: the object (or advertiser, or route) does not exist."""


class ServerError(TikTokError):
    """50000-class codes, maintenance and HTTP 5xx: TikTok's side failed; try later."""

    retryable = True


class Transport(TikTokError):
    """The network failed. ``sent`` is False when the request surely never left."""

    retryable = True

    def __init__(self, message: str, *, endpoint: str | None = None, sent: bool = True) -> None:
        self.sent = sent
        super().__init__(message, endpoint=endpoint)


class UnexpectedResponse(TikTokError):
    """The answer was not a TikTok envelope (HTML error page, truncated JSON, ...)."""


class StateRejected(TikTokError):
    """The OAuth ``state`` is forged, altered or too old."""


SUCCESS_CODES = frozenset({0, 20001})  # 20001 = PARTIAL_OK: data carries the per-item errors

_EXACT: dict[int, type[TikTokError]] = {
    40100: Throttled,
    40132: Throttled,  # REQUEST_FREQUENCY_LIMITED
    40133: Throttled,  # advertiser-level throttle (reported by third parties)
    61000: Throttled,  # TOO_MANY_REQUESTS_BL
    40105: AuthRevoked,
    40102: AuthRevoked,  # ACCESS_TOKEN_EXPIRE: advertiser tokens do not expire unless revoked
    40114: AuthRevoked,  # ADVERTISER_LOGOUT
    40110: AuthCodeInvalid,
    40131: AuthCodeInvalid,
    40001: PermissionDenied,
    40003: PermissionDenied,  # FORBIDDEN
    40113: PermissionDenied,  # APP_FORBIDDEN
    40117: PermissionDenied,  # APP_METHOD_FORBIDDEN
    40118: PermissionDenied,  # NOT_IN_WHITELIST
    40130: PermissionDenied,  # SCOPE_NOT_AUTHORIZED
    40301: PermissionDenied,  # ROLE_ERROR
    41000: PermissionDenied,  # BLOCKED
    40007: ObjectNotFound,
    40013: ObjectNotFound,  # SANDBOX_ADV_NOT_EXIST
    40300: ObjectNotFound,  # ADVERTISER_NOT_EXIST
    40302: ObjectNotFound,  # CUSTOMER_ADVERTISER_NOT_EXIST
    40400: ObjectNotFound,  # ROUTE_NOT_FOUND
    60001: ServerError,  # MAINTENANCE
}

# (first, last, class): ranges after the exact codes, first match wins.
_RANGES: tuple[tuple[int, int, type[TikTokError]], ...] = (
    (40000, 40099, BadParameter),
    (40101, 40131, AuthInvalid),  # INVALID_PARTNER, EMPTY_ACCESS_TOKEN, grant and signature errors
    (40500, 40999, BadParameter),  # limits, RPC validation, file and material errors
    (50000, 59999, ServerError),  # SYS_ERROR, SYS_TIMEOUT, internal RPC/DB/storage errors
)


def error_class(code: int) -> type[TikTokError]:
    if code in _EXACT:
        return _EXACT[code]
    for first, last, cls in _RANGES:
        if first <= code <= last:
            return cls
    return TikTokError


def error_for(
    code: int, message: str, *, request_id: str | None = None, endpoint: str | None = None
) -> TikTokError:
    cls = error_class(code)
    return cls(
        message or "TikTok returned an error", code=code, request_id=request_id, endpoint=endpoint
    )
