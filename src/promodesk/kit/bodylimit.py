"""One cap on the size of every request body (an ASGI middleware).

Rules:
- Every HTTP request, authenticated or not, keyed or not, API or console form, is capped at
  ``max_bytes``; a few bulk paths (exact paths, e.g. the delivery batch endpoint) have their
  own cap in ``path_limits``.
- A declared ``Content-Length`` over the cap is refused before any byte of the body is read.
- A body without one (chunked) is counted while it is read: the read that passes the cap
  raises ``BodyTooLarge`` (an HTTP 413 error) to whoever reads it, so nothing past the cap is
  buffered or parsed. Inside the app the error handlers turn it into the usual error body (the
  console into its error page); raised in a middleware that reads the body itself, this
  middleware answers the 413.
- A refused request's answer carries ``Connection: close``: the server stops reading the rest
  of the body and closes the connection instead of draining it for the next request. So does
  any answer given before the app read the body it was sent (a 401 before a large upload): the
  server would otherwise keep reading and discarding it to reuse the connection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLOSE = (b"connection", b"close")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            detail=f"the request body is larger than the limit of {limit} bytes",
            headers={"Connection": "close"},
        )
        self.limit = limit


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, BodyTooLarge(limit))
            return

        state = {"read": 0, "refused": False, "started": False, "complete": not _has_body(scope)}

        async def counted() -> Message:
            if state["refused"]:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["refused"] = True
                    raise BodyTooLarge(limit)
                if not message.get("more_body", False):
                    state["complete"] = True
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
                if state["refused"] or not state["complete"]:
                    headers = [
                        (k, v) for k, v in message.get("headers", []) if k.lower() != CLOSE[0]
                    ]
                    message = {**message, "headers": [*headers, CLOSE]}
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge as exc:
            # Raised outside the app's error handlers (a middleware reading the body itself).
            if not state["started"]:
                await _refuse(send, exc)


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


async def _refuse(send: Send, exc: BodyTooLarge) -> None:
    body = json.dumps({"error": "PayloadTooLarge", "detail": exc.detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        CLOSE,
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
