"""Helpers for API tests: an app on a test database, workspaces and API keys."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from promodesk.app import create_app
from promodesk.kit.db import Database
from promodesk.models import Workspace
from promodesk.settings import Settings
from promodesk.tenancy import service as tenancy


def make_app(db: Database, data_dir: Path) -> FastAPI:
    settings = Settings(database_url=db.url, data_dir=data_dir, secret_key="test-secret")
    return create_app(settings, db=db)


def new_workspace(db: Database, prefix: str = "ws") -> Workspace:
    with db.transaction() as uow:
        return tenancy.create_workspace(uow, f"{prefix}-{uuid.uuid4().hex[:10]}", "Test")


def new_key(db: Database, workspace: Workspace, role: str = "admin") -> str:
    with db.transaction() as uow:
        return tenancy.create_api_key(uow, workspace, role, name=f"{role} key").plaintext


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under a real uvicorn server on a free port; yield its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


@dataclass
class Probe:
    """Test-only routes: ``/test/slow`` blocks until released, ``/test/boom`` fails once."""

    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    calls: int = 0
    booms: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def add_probe_routes(app: FastAPI) -> Probe:
    probe = Probe()

    @app.post("/test/slow", status_code=201, include_in_schema=False)
    def slow(body: dict[str, Any]) -> dict[str, Any]:
        with probe.lock:
            probe.calls += 1
            n = probe.calls
        probe.entered.set()
        probe.release.wait(60)  # a safety net against a hung test, not a timing assertion
        return {"call": n, "echo": body}

    @app.post("/test/boom", include_in_schema=False)
    def boom(body: dict[str, Any]) -> dict[str, Any]:
        probe.booms += 1
        if probe.booms == 1:
            raise RuntimeError("the first call fails")
        return {"call": probe.booms}

    return probe


def api_operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (METHOD, path template, operation) the app publishes in its OpenAPI spec, so that
    tests enumerating routes cover new endpoints without being edited."""
    found = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                found.append((method.upper(), path, operation))
    return found
