"""The client's address and scheme behind trusted reverse proxies (an ASGI middleware).

Rules:
- ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are read only when the connection itself comes
  from a trusted proxy (addresses or networks, e.g. ``10.0.0.0/8``). From anyone else they are
  ignored: a client could write any address into them (and escape the login throttle).
- The client is the right-most address in ``X-Forwarded-For`` that is not a trusted proxy:
  each proxy appends the address it received the request from, so entries left of the first
  untrusted one were written by the client and prove nothing. An entry that is not an IP
  address stops the walk (the last trusted hop stands as the client).
- The scheme is the right-most ``X-Forwarded-Proto`` value when it is ``http`` or ``https``.
- With no trusted proxy (the default) requests pass untouched: the socket's peer is the client.
  The server must not rewrite the client itself (``promodesk serve`` turns uvicorn's own
  proxy-header handling off, which by default trusts any local process).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# How the server must run the app: uvicorn's own proxy-header handling is off (by default it
# believes X-Forwarded-For from any local process); this middleware decides instead.
SERVER_OPTIONS: dict[str, Any] = {"proxy_headers": False}


def parse_networks(values: Iterable[str]) -> list[Network]:
    """Addresses or CIDR networks; ``ValueError`` names the one that is neither."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {value!r}") from None
    return networks


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, trusted: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = parse_networks(trusted)

    def is_trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer: tuple[str, int] | None = scope.get("client")
        if self.trusted and scope["type"] in ("http", "websocket") and peer is not None:
            scope = self._rewrite(scope, peer) if self.is_trusted(peer[0]) else scope
        await self.app(scope, receive, send)

    def _rewrite(self, scope: Scope, client: tuple[str, int]) -> Scope:
        forwarded_for: list[str] = []
        proto = ""
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for += value.decode("latin-1").split(",")
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[-1].strip().lower()
        host, port = client
        for entry in reversed(forwarded_for):
            candidate = entry.strip()
            try:
                ipaddress.ip_address(candidate)
            except ValueError:
                break
            host, port = candidate, 0
            if not self.is_trusted(candidate):
                break
        scope = dict(scope, client=(host, port))
        if proto in ("http", "https"):
            scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
        return scope
