"""Security headers on every response (an ASGI middleware).

Rules:
- Every response gets ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: strict-origin-when-cross-origin`` and a ``Content-Security-Policy`` that
  refuses framing (``frame-ancestors 'none'``).
- The default policy fits the server-rendered console: scripts and style sheets only from this
  origin (no inline script: behaviour lives in ``static/console.js``; ``<script
  type="application/json">`` data blocks are not scripts), inline ``style`` attributes allowed
  (progress bars are drawn with a width), an empty ``<style>`` element (plotly.js fills it
  through the CSSOM, which the policy does not govern), images from this origin or
  ``data:``, forms posted only here, no plugins, no ``<base>``.
- A few paths get their own policy (``path_policies``, longest matching prefix wins): the API
  docs (Swagger UI, ReDoc) run an inline start-up script with their local assets, and the
  demo's TikTok sandbox pages stand in for a third-party site with inline styles.
- A header the route set itself is kept.
- An error that escapes the app before its answer started is answered here, ``500`` with the
  headers and ``error_body`` (no detail of the bug), then raised on: the outermost error
  middleware logs it and, seeing the answer started, sends nothing more.
- ``Strict-Transport-Security`` only on requests that arrived over HTTPS (the scope's scheme,
  which ``TrustedProxyMiddleware`` sets from a trusted proxy's ``X-Forwarded-Proto``); over
  plain HTTP browsers ignore it, and a development server must not pin HTTPS on localhost.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BASE = "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
# plotly.js adds its rules to an empty <style> element through the CSSOM; the hash is that of
# the empty text, so no inline style sheet with content can run.
_EMPTY_STYLE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
# The bundle also appends one fixed style sheet of its map library (``.maplibregl-…`` rules) as
# it loads; this is the hash of exactly that text in the plotly release pinned by pyproject
# (tests/unit/test_plotly_style_hash.py recomputes it from the installed bundle).
PLOTLY_MAP_STYLE = "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='"
CONSOLE_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {_EMPTY_STYLE} {PLOTLY_MAP_STYLE}; "
    "style-src-attr 'unsafe-inline'; "
    f"img-src 'self' data:; connect-src 'self'; form-action 'self'; {_BASE}"
)
# Swagger UI and ReDoc, served from this app's own assets: an inline start-up script and
# inline styles; ReDoc renders in a worker made from a blob.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; form-action 'self'; "
    f"{_BASE}"
)
# A stand-in for a third-party authorization page: inline styles, a form that redirects away.
SANDBOX_POLICY = (
    f"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; {_BASE}"
)

COMMON = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


class SecurityHeadersMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        policy: str = CONSOLE_POLICY,
        path_policies: Mapping[str, str] | None = None,
        hsts_seconds: int = 365 * 24 * 3600,
        error_body: bytes = (
            b'{"error":"InternalError","detail":"an unexpected error; it has been logged"}'
        ),
    ) -> None:
        self.error_body = error_body
        self.app = app
        self.policy = policy.encode()
        # Longest prefix first, so that the most specific path wins.
        self.path_policies = sorted(
            ((prefix, value.encode()) for prefix, value in (path_policies or {}).items()),
            key=lambda item: -len(item[0]),
        )
        self.hsts = f"max-age={hsts_seconds}".encode() if hsts_seconds > 0 else None

    def policy_for(self, path: str) -> bytes:
        for prefix, policy in self.path_policies:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return policy
        return self.policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*COMMON, (b"content-security-policy", self.policy_for(scope["path"]))]
        if self.hsts is not None and scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", self.hsts))

        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if not started:
                head = [(b"content-type", b"application/json"),
                        (b"content-length", str(len(self.error_body)).encode())]  # fmt: skip
                await sending({"type": "http.response.start", "status": 500, "headers": head})
                await send({"type": "http.response.body", "body": self.error_body})
            raise
