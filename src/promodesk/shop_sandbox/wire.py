"""TikTok Shop's wire format: the envelope ``{code, message, request_id, data}``, return codes,
their HTTP statuses, and typed access to a JSON body.

Codes (spec §1.9): 36009004 is the platform's overloaded "invalid parameter" code, told apart by
its message; 106001 is a wrong ``sign`` (HTTP 401); 36009002 is the rate limit (HTTP 429 with
``Retry-After``); 36009003 a server error; 36009009 an unknown path (HTTP 404). The token codes
(105001 invalid, 105002 expired, 105003 revoked), 36004004 (a bad auth code or refresh token)
and the promotion rule codes (170xxxxx) are the sandbox's choice: the platform's per-endpoint
error sections were not captured (spec §1.9, UNCERTAIN).
"""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

OK = 0
INVALID_PARAM = 36009004
RATE_LIMITED = 36009002
SERVER_ERROR = 36009003
PATH_NOT_FOUND = 36009009
INVALID_SIGN = 106001
TOKEN_INVALID = 105001
TOKEN_EXPIRED = 105002
TOKEN_REVOKED = 105003
AUTH_CODE_INVALID = 36004004
NOT_FOUND = 17009001  # activity, product, SKU or coupon not found in this shop
STATUS_RULE = 17009002  # the activity's status (or IMMUTABLE) does not allow the change
PRICE_RULE = 17009003  # activity price or discount out of the allowed range
QUANTITY_RULE = 17009004  # quantity limits out of range or decreased
TIME_RULE = 17009005  # begin/end times break the time rules

HTTP_STATUS = {
    INVALID_SIGN: 401,
    TOKEN_INVALID: 401,
    TOKEN_EXPIRED: 401,
    TOKEN_REVOKED: 401,
    RATE_LIMITED: 429,
    SERVER_ERROR: 500,
    PATH_NOT_FOUND: 404,
}

MESSAGES = {
    INVALID_SIGN: "The 'sign' query parameter is invalid.",
    RATE_LIMITED: "Too many requests: the shop's rate limit is reached. Retry later.",
    SERVER_ERROR: "Internal error. Please retry.",
    TOKEN_INVALID: "The access token is invalid.",
    TOKEN_EXPIRED: "The access token has expired. Refresh it.",
    TOKEN_REVOKED: "The access token has been revoked: the seller deauthorized the app.",
}

MAX_AMOUNT = Decimal(10**9)
_sequence = itertools.count()


class ApiError(Exception):
    """A non-zero return code; the envelope carries ``code`` and ``message``."""

    def __init__(self, code: int, message: str | None = None) -> None:
        text = message or MESSAGES.get(code, "Error.")
        super().__init__(text)
        self.code = code
        self.message = text

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 200)


def invalid(message: str) -> ApiError:
    """36009004 with its distinguishing message."""
    return ApiError(INVALID_PARAM, message)


def request_id() -> str:
    """A unique log id shaped like the platform's: a timestamp, then hex."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    return f"{stamp}{next(_sequence) % 10**6:06d}{secrets.token_hex(5).upper()}"


def envelope(
    data: dict[str, Any] | None, *, code: int = OK, message: str = "Success"
) -> dict[str, Any]:
    return {"code": code, "message": message, "request_id": request_id(), "data": data or {}}


class Body:
    """Typed access to a JSON object (request body), raising 36009004 with the field's name."""

    def __init__(self, values: dict[str, Any], where: str = "body") -> None:
        self.values = values
        self.where = where

    def _name(self, name: str) -> str:
        return f"{self.where}.{name}"

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def string(self, name: str, *, required: bool = False, max_len: int = 255) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise invalid(f"Invalid parameter: {self._name(name)} is missing.")
            return None
        if not isinstance(value, str):
            raise invalid(f"Invalid parameter: {self._name(name)} must be a string.")
        if len(value) > max_len:
            raise invalid(f"Invalid parameter: {self._name(name)} is longer than {max_len}.")
        return value

    def integer(
        self, name: str, *, required: bool = False, low: int = -(2**62), high: int = 2**62
    ) -> int | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise invalid(f"Invalid parameter: {self._name(name)} is missing.")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"Invalid parameter: {self._name(name)} must be an integer.")
        if not low <= value <= high:
            raise invalid(f"Invalid parameter: {self._name(name)} must be in [{low}, {high}].")
        return value

    def choice(self, name: str, allowed: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self.string(name, required=required, max_len=64)
        if value is not None and value not in allowed:
            raise invalid(
                f"Invalid parameter: {self._name(name)} must be one of {', '.join(allowed)}."
            )
        return value

    def ids(self, name: str, *, limit: int) -> list[str]:
        """A list of numeric id strings, at most ``limit`` of them (the platform's per-call cap)."""
        value = self.values.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise invalid(f"Invalid parameter: {self._name(name)} must be a list of ids.")
        if len(value) > limit:
            raise invalid(
                f"Invalid parameter: {self._name(name)} holds {len(value)} ids; "
                f"at most {limit} are allowed per call."
            )
        out: list[str] = []
        for item in value:
            if (
                not isinstance(item, str)
                or not (item.isascii() and item.isdigit())
                or len(item) > 32
            ):
                raise invalid(f"Invalid parameter: {self._name(name)} must hold numeric strings.")
            out.append(item)
        return out

    def objects(self, name: str, *, limit: int) -> list[Body]:
        value = self.values.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise invalid(f"Invalid parameter: {self._name(name)} must be a list of objects.")
        if len(value) > limit:
            raise invalid(
                f"Invalid parameter: {self._name(name)} holds {len(value)} entries; "
                f"at most {limit} are allowed per call."
            )
        return [Body(v, f"{self._name(name)}[{i}]") for i, v in enumerate(value)]

    def object(self, name: str) -> Body | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise invalid(f"Invalid parameter: {self._name(name)} must be an object.")
        return Body(value, self._name(name))

    def amount(self, name: str, *, required: bool = False) -> Decimal | None:
        """A positive decimal string with at most 2 decimals (the product's currency), below
        a billion."""
        text = self.string(name, required=required, max_len=32)
        if text is None:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise invalid(
                f"Invalid parameter: {self._name(name)} must be a decimal string."
            ) from None
        if (
            not value.is_finite() or not 0 < value < MAX_AMOUNT or value.as_tuple().exponent < -2  # type: ignore[operator]
        ):
            raise invalid(
                f"Invalid parameter: {self._name(name)} must be positive with at most 2 decimals."
            )
        return value
