"""One body-size cap for every request, enforced while the body is read: a declared
Content-Length over the cap is refused before any byte of the body is read, and a chunked body
is cut off as soon as it passes the cap. Bulk endpoints (Promote delivery batches, shop
selections) have their own larger cap. Real uvicorn server, raw sockets."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from promodesk.app import create_app
from promodesk.kit.db import Database
from promodesk.settings import Settings
from tests.api_support import bearer, live_server, new_key, new_workspace
from tests.integration.test_console_support import csrf_of

CAP = 64 * 1024
BULK_CAP = 512 * 1024
WEBHOOK = "/api/v1/promote/payments/webhook"
DELIVERY = "/api/v1/promote/delivery/batches"
CHUNK = 16 * 1024


def limited_app(db: Database, data_dir: Path) -> FastAPI:
    settings = Settings(
        database_url=db.url,
        data_dir=data_dir,
        secret_key="test-secret",
        max_body_bytes=CAP,
        max_bulk_body_bytes=BULK_CAP,
    )
    return create_app(settings, db=db)


@dataclass
class Counted:
    """Wraps an app: how many body bytes the server handed to it."""

    app: Any
    received: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                with self.lock:
                    self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counting, send)


@dataclass
class Exchange:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes the client managed to send


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def post_raw(
    base_url: str, path: str, total: int, *, chunked: bool, headers: dict[str, str] | None = None
) -> Exchange:
    """POST ``total`` bytes of JSON-looking filler from a sender thread while this thread
    waits for the answer. The sender stops when the server closes the connection."""
    host, port = base_url.rsplit("//", 1)[1].split(":")
    sock = socket.create_connection((host, int(port)))
    sock.settimeout(120)  # a safety net against a hung test, not a timing assertion
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    sent = {"bytes": 0}

    def send_body() -> None:
        try:
            sock.sendall(head)
            filler = b" " * CHUNK
            while sent["bytes"] < total:
                piece = filler[: min(CHUNK, total - sent["bytes"])]
                sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
                sent["bytes"] += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server closed the connection: exactly what a refusal should do

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    try:
        status, headers, body = _read_response(sock)
    finally:
        sock.close()
        sender.join()
    return Exchange(status, headers, body, sent["bytes"])


@pytest.fixture
def server(db: Database, tmp_path: Path) -> Iterator[tuple[str, Counted]]:
    counted = Counted(limited_app(db, tmp_path))
    with live_server(counted) as base_url:
        yield base_url, counted


def assert_too_large(exchange: Exchange) -> None:
    assert exchange.status == 413, exchange.body
    body = json.loads(exchange.body)
    assert body["error"] == "PayloadTooLarge"
    assert str(CAP) in body["detail"]
    assert exchange.headers.get("connection") == "close"


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_an_unauthenticated_webhook_body_over_the_cap_is_413_and_not_read(
    server: tuple[str, Counted], chunked: bool
) -> None:
    base_url, counted = server
    total = 64 * 1024 * 1024  # 1,000 times the cap
    exchange = post_raw(base_url, WEBHOOK, total, chunked=chunked)
    assert_too_large(exchange)
    if chunked:
        # The server read the cap and at most one more read's worth, then stopped.
        assert counted.received <= CAP + 2 * 65536
    else:
        assert counted.received == 0  # refused on the declared length alone
    assert exchange.sent < total


def test_the_same_cap_covers_authenticated_and_idempotent_requests(
    server: tuple[str, Counted], db: Database
) -> None:
    base_url, _ = server
    key = new_key(db, new_workspace(db), "admin")
    filler = b"[" + b"1," * CAP + b"1]"
    for extra in ({}, {"Idempotency-Key": uuid.uuid4().hex}):

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(filler), CHUNK):
                yield filler[i : i + CHUNK]

        response = httpx.post(
            f"{base_url}/api/v1/keys",
            content=chunks(),
            headers={**bearer(key), **extra, "Content-Type": "application/json"},
        )
        assert response.status_code == 413, response.text
        assert response.json()["error"] == "PayloadTooLarge"


def test_a_body_under_the_cap_still_reaches_the_route(
    server: tuple[str, Counted], db: Database
) -> None:
    base_url, _ = server
    key = new_key(db, new_workspace(db), "admin")
    body = json.dumps({"name": "under the cap", "role": "viewer"}) + " " * (CAP - 100)
    response = httpx.post(
        f"{base_url}/api/v1/keys",
        content=body.encode(),
        headers={**bearer(key), "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


def test_delivery_batches_have_their_own_larger_cap(
    server: tuple[str, Counted], db: Database
) -> None:
    base_url, _ = server
    key = new_key(db, new_workspace(db), "operator")
    # Past the general cap, inside the bulk cap: parsed (an unknown order is a 404 or 422,
    # anything but 413).
    padding = " " * (2 * CAP)
    events = [{"event_id": "e1", "order_id": 1, "spend_coins": 1}]
    body = json.dumps({"events": events}) + padding
    response = httpx.post(
        base_url + DELIVERY,
        content=body.encode(),
        headers={**bearer(key), "Content-Type": "application/json"},
    )
    assert response.status_code != 413, response.text
    assert response.status_code < 500, response.text
    over = post_raw(base_url, DELIVERY, 4 * BULK_CAP, chunked=True, headers=bearer(key))
    assert over.status == 413
    assert str(BULK_CAP) in json.loads(over.body)["detail"]


def test_an_answer_given_before_the_body_was_read_closes_the_connection(
    server: tuple[str, Counted],
) -> None:
    """The delivery endpoint checks the key before it reads the body: the server must not go
    on reading (and discarding) the rest of an unauthenticated upload."""
    base_url, counted = server
    total = 64 * 1024 * 1024
    exchange = post_raw(base_url, DELIVERY, total, chunked=True)
    assert exchange.status == 401
    assert exchange.headers.get("connection") == "close"
    assert counted.received == 0
    assert exchange.sent < total


def test_console_form_over_the_cap_is_refused_without_a_server_error(
    db: Database, tmp_path: Path
) -> None:
    client = TestClient(limited_app(db, tmp_path), raise_server_exceptions=False)
    token = csrf_of(client.get("/login").text)
    big = {"csrf_token": token, "email": "a@example.com", "password": "x" * (2 * CAP)}
    declared = client.post("/login", data=big, follow_redirects=False)
    assert declared.status_code == 413, declared.text
    assert declared.json()["error"] == "PayloadTooLarge"

    form = f"csrf_token={token}&email=a%40example.com&password={'x' * (2 * CAP)}".encode()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(form), CHUNK):
            yield form[i : i + CHUNK]

    streamed = client.post(
        "/login",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert streamed.status_code in (303, 413), streamed.text
    assert streamed.headers.get("connection") == "close"
