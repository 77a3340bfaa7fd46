"""One error tree for the whole product.

Rule: every error a client can cause is a ``PromodeskError`` carrying its HTTP status; the API
renders it as ``{"error": ClassName, "detail": ..., "field"?: ...}``. Anything else is a bug.

``detail`` is English (API clients, logs). An error a person may see in the console can also
carry ``message`` (an English msgid with ``%(name)s`` placeholders) and ``params``: the console
shows the message translated into the reader's language, never an English detail after a
translated prefix.
"""

from __future__ import annotations

from typing import Any, ClassVar


def N_(message: str) -> str:
    """Mark an error's ``message`` for extraction into the console's catalogs."""
    return message


class PromodeskError(Exception):
    status_code: ClassVar[int] = 400

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        message: str | None = None,
        params: dict[str, object] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.message = message
        self.params = params or {}
        self.extra = extra

    def headers(self) -> dict[str, str] | None:
        """Response headers the error adds (e.g. ``Retry-After``)."""
        return None

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": type(self).__name__, "detail": self.detail}
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body


class Unauthorized(PromodeskError):
    status_code = 401


class Forbidden(PromodeskError):
    status_code = 403


class NotFound(PromodeskError):
    """Missing, or belonging to another workspace: the two are indistinguishable on purpose."""

    status_code = 404


class Conflict(PromodeskError):
    status_code = 409


class InvalidTransition(Conflict):
    """A state machine refused an edge."""


class InsufficientFunds(Conflict):
    """A posting would take an account below its floor; nothing was written."""


class IdempotencyConflict(Conflict):
    """The same Idempotency-Key was used with another request, or is still being processed."""


class ValidationFailed(PromodeskError):
    status_code = 422


class FormInvalid(ValidationFailed):
    """Several fields of one input are wrong at once: ``fields`` maps each field's name to its
    message (the console shows each beside its field, the API lists them in ``fields``)."""

    def __init__(self, fields: dict[str, str], detail: str = "", **extra: Any) -> None:
        first = next(iter(fields), None)
        super().__init__(detail or "; ".join(fields.values()), field=first, **extra)
        self.fields = dict(fields)

    def to_body(self) -> dict[str, Any]:
        return {**super().to_body(), "fields": self.fields}


class RateLimited(PromodeskError):
    status_code = 429


class ServiceUnavailable(PromodeskError):
    """Nothing was done and the same request may simply be sent again after ``retry_after``
    seconds (a lock or statement wait ran out, the database is unreachable)."""

    status_code = 503

    def __init__(self, detail: str, *, retry_after: int = 1, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}
