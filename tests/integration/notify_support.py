"""Helpers for the notification tests (no tests here): a real SMTP server, a real HTTP
receiver, settings from the environment, and running only this workspace's jobs.

The generators are wrapped as fixtures by each test module (``yield from run_receiver()``)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.jobs.worker import Worker
from promodesk.models import Job, Workspace
from promodesk.notify import jobs as _handlers  # noqa: F401  (registers the job handlers)
from promodesk.notify import settings as notify_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _SmtpHandler:
    def __init__(self) -> None:
        self.messages: list[Received] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def run_smtp_server() -> Iterator[tuple[int, list[Received]]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; yields (port, received messages)."""
    handler = _SmtpHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler.messages
    finally:
        controller.stop()


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny HTTP server answering POSTs with scripted status codes (then the last one)."""

    codes: list[int] = field(default_factory=lambda: [200])
    hits: list[Hit] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/promodesk"

    def next_code(self) -> int:
        return self.codes.pop(0) if len(self.codes) > 1 else self.codes[0]


def run_receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.hits.append(Hit(self.path, dict(self.headers.items()), body))
            code = state.next_code()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if code < 300 else b"receiver says no")

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def notify_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Process settings for delivery: a fixed secret key, retries due at once; tests add
    variables with ``notify_env.setenv`` and call ``notify_settings.reload()``."""
    monkeypatch.setenv("PROMODESK_SECRET_KEY", "notify-test-secret-key")
    monkeypatch.setenv("PROMODESK_NOTIFY_RETRY_BASE_SECONDS", "0")
    monkeypatch.delenv("PROMODESK_DEMO", raising=False)
    monkeypatch.delenv("PROMODESK_NOTIFY_CAPTURE", raising=False)
    notify_settings.reload()
    yield monkeypatch
    monkeypatch.undo()
    notify_settings.reload()


def configure(env: pytest.MonkeyPatch, **values: str) -> None:
    for key, value in values.items():
        env.setenv(key, value)
    notify_settings.reload()


def drain(db: Database, workspace_id: int, rounds: int = 100) -> None:
    """Run the worker until no due job of this workspace is left."""
    worker = Worker(db, backoff_base=0.0, workspace_id=workspace_id)
    for _ in range(rounds):
        with db.transaction() as uow:
            due = uow.session.scalars(
                select(Job.id).where(
                    Job.workspace_id == workspace_id,
                    Job.status.in_(["queued", "running"]),
                    Job.run_at <= clock.now(),
                )
            ).first()
        if due is None:
            return
        worker.run_once()
    raise AssertionError("the workspace's jobs did not drain")


# Factories for the cross-tenant test (tests/reliability/test_cross_tenant.py) ------------------
def _email(uow: UnitOfWork, ws: Workspace) -> int:
    from promodesk.notify.service import outbox as service

    row = service.send_email(
        uow, ws.id, "am@agency.example", "Cross-tenant", "body", kind="test", ref=f"ct:{ws.id}"
    )
    return row.id


def _webhook(uow: UnitOfWork, ws: Workspace) -> int:
    from promodesk.notify.service import outbox as service

    row = service.send_webhook(
        uow, ws.id, "https://ops.example/hook", "test", {}, secret="s", ref=f"ct:{ws.id}"
    )
    return row.id


NOTIFY_FACTORIES = {"email_id": _email, "webhook_id": _webhook}
