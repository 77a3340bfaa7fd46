"""Helpers for API tests: an app on a test database, workspaces and API keys."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

from promodesk.app import create_app
from promodesk.audit import service as audit
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.jobs import service as jobs
from promodesk.kit.proxy import SERVER_OPTIONS
from promodesk.ledger import service as ledger
from promodesk.models import Workspace
from promodesk.operations import service as operations
from promodesk.promote.service import invoices as invoices_service
from promodesk.promote.service import recharge as recharge_service
from promodesk.promote.service import withdrawals as withdrawals_service
from promodesk.settings import Settings
from promodesk.tenancy import service as tenancy
from tests.integration import promote_factories as promote
from tests.integration.promote_money_helpers import config

ID_PARAM = re.compile(r"\{(\w*id)\}")


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


# Raw JSON: a string value that starts with RAW is written into the JSON text as is, so that a
# test can send tokens Python would rewrite (1e3 would become 1000.0).
RAW = "@@raw:"
# Numbers a lax parser would take for an integer; a count or an amount must refuse them all.
NOT_JSON_INTEGERS = [f"{RAW}{t}" for t in ("true", '"100"', "100.0", "1e3", '"１００"', '"١٠٠"')]


def json_text(body: Any) -> str:
    """``body`` as JSON, with RAW values written as is."""
    return re.sub(
        rf'"{re.escape(RAW)}((?:[^"\\]|\\.)*)"',
        lambda m: json.loads(f'"{m.group(1)}"'),
        json.dumps(body, ensure_ascii=False),
    )


JSON = {"Content-Type": "application/json"}


#: How long a test client waits for an answer from a live server. A guard against a hang, not a
#: speed limit: httpx's default of 5 s failed on a loaded machine (argon2 and SQLite beside
#: other test processes).
HANG_GUARD = 120.0


@contextmanager
def live_server(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` under a real uvicorn server on a free port, configured as ``promodesk
    serve`` configures it; yield its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", access_log=False, **SERVER_OPTIONS
        )
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


# One object per kind of id a route can name -----------------------------------------------------
# Each factory creates the object in ``ws`` and returns its id; states are chosen so that the
# owner's own call on every route succeeds or meets a state conflict (never a 404): the
# positive control of tests/reliability/test_cross_tenant.py.


def _account(uow: UnitOfWork, ws: Workspace) -> int:
    return ledger.open_account(uow, ws.id, "wallet:a", kind="wallet", currency="COIN").id


def _entry(uow: UnitOfWork, ws: Workspace) -> int:
    wallet = _account(uow, ws)
    funding = ledger.open_account(uow, ws.id, "funding:a", kind="system", currency="COIN").id
    return ledger.move(uow, ws.id, "fund", "cross-1", funding, wallet, 100).entry_id


def _job(uow: UnitOfWork, ws: Workspace) -> int:
    job = jobs.enqueue(uow, "housekeeping", workspace_id=ws.id)
    job.status = "dead"  # so that the owner's own retry succeeds (the positive control)
    uow.flush()
    return job.id


def _operation(uow: UnitOfWork, ws: Workspace) -> int:
    return operations.start(uow, ws.id, "cross", title="cross", total=1).id


def _key(uow: UnitOfWork, ws: Workspace) -> int:
    return tenancy.create_api_key(uow, ws, "viewer", name="target").key.id


def _event(uow: UnitOfWork, ws: Workspace) -> int:
    event = audit.record(
        uow, workspace_id=ws.id, actor="system", action="cross.test", object_type="x", object_id=1
    )
    uow.flush()
    return event.id


# promote ---------------------------------------------------------------------------------------

MONEY = config()


def _creator(uow: UnitOfWork, ws: Workspace) -> int:
    return promote.make_creator(uow, ws.id, region="ID", device_os="android")


def _content(uow: UnitOfWork, ws: Workspace) -> int:
    # A LIVE, so that the owner's own live-state change succeeds (the positive control).
    return promote.make_live(uow, ws.id, _creator(uow, ws))


def _coupon(uow: UnitOfWork, ws: Workspace) -> int:
    return promote.make_coupon(uow, ws.id, _creator(uow, ws), 100)


def _order(uow: UnitOfWork, ws: Workspace) -> int:
    creator = _creator(uow, ws)
    promote.fund(uow, ws.id, creator, 1000)
    return promote.place(uow, ws.id, creator, promote.make_video(uow, ws.id, creator))


def _recharge(uow: UnitOfWork, ws: Workspace, mode: str = "succeed") -> tuple[int, int]:
    creator = _creator(uow, ws)
    recharge = recharge_service.create_recharge(
        uow, MONEY, ws.id, creator_id=creator, coins=500, method="card", mode=mode
    )
    return creator, recharge.id


def _pending_recharge(uow: UnitOfWork, ws: Workspace) -> int:
    # Pending, so that the owner's own simulated payment confirms it (the positive control).
    return _recharge(uow, ws, "pending")[1]


def _invoice(uow: UnitOfWork, ws: Workspace) -> int:
    _, recharge = _recharge(uow, ws)
    return invoices_service.invoice_for_recharge(uow, ws.id, recharge).id


def _withdrawal(uow: UnitOfWork, ws: Workspace) -> int:
    creator, _ = _recharge(uow, ws)
    withdrawal, _message = withdrawals_service.request_withdrawal(
        uow, MONEY, ws.id, creator_id=creator
    )
    return withdrawal.id


FACTORIES: dict[str, Callable[[UnitOfWork, Workspace], int]] = {
    "account_id": _account,
    "entry_id": _entry,
    "job_id": _job,
    "op_id": _operation,
    "key_id": _key,
    "event_id": _event,
    "creator_id": _creator,
    "content_id": _content,
    "coupon_id": _coupon,
    "order_id": _order,
    "recharge_id": _pending_recharge,
    "invoice_id": _invoice,
    "withdrawal_id": _withdrawal,
}
P = "/api/v1/promote"
# Valid example bodies of id routes that require one (so that a call reaches the lookup).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", f"{P}/creators/{{creator_id}}"): {"display_name": "Renamed"},
    ("POST", f"{P}/contents/{{content_id}}/live-state"): {"on_air": False},
    ("POST", f"{P}/orders/{{order_id}}/reject"): {"reason": "not allowed"},
    ("POST", f"{P}/recharges/{{recharge_id}}/simulate-payment"): {"succeeded": True},
    ("POST", f"{P}/withdrawals/{{withdrawal_id}}/advance"): {"status": "processing"},
}
# Required query parameters of id routes (so that a call gets past validation to the lookup).
QUERIES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", f"{P}/creators/{{creator_id}}/recharge-quote"): {"coins": 100},
}


from tests.integration.notify_support import NOTIFY_FACTORIES  # noqa: E402

FACTORIES.update(NOTIFY_FACTORIES)
from tests.integration.shop_factories import SHOP_BODIES, SHOP_FACTORIES  # noqa: E402

FACTORIES.update(SHOP_FACTORIES)
BODIES.update(SHOP_BODIES)
from tests.integration.accounts_factories import (  # noqa: E402
    ACCOUNTS_BODIES,
    ACCOUNTS_FACTORIES,
)

FACTORIES.update(ACCOUNTS_FACTORIES)
BODIES.update(ACCOUNTS_BODIES)
# Changing a campaign on TikTok (campaign_id: a mirrored campaign, see ACCOUNTS_FACTORIES).
BODIES.update(
    {
        ("POST", "/api/v1/campaigns/{campaign_id}/status"): {"status": "DISABLE"},
        ("POST", "/api/v1/campaigns/{campaign_id}/budget"): {"budget": "120.50"},
    }
)


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every ``APIRoute`` of the app, API and console, through included routers."""
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            original = getattr(route, "original_router", None)
            if original is not None:
                walk(list(original.routes))

    walk(list(app.routes))
    return found


from tests.integration.rules_support import RULES_BODIES, RULES_FACTORIES  # noqa: E402

FACTORIES.update(RULES_FACTORIES)
BODIES.update(RULES_BODIES)


def _promotion_stop(uow: UnitOfWork, ws: Workspace) -> int:
    """A stop everywhere with no steps left to run (retry and restart answer 409)."""
    from promodesk.models import PromotionStop

    stop = PromotionStop(
        workspace_id=ws.id, reason="other", reason_text="fuzz", fingerprint="0" * 64, refs=[]
    )
    uow.session.add(stop)
    uow.flush()
    return stop.id


FACTORIES["stop_id"] = _promotion_stop
BODIES[("POST", "/api/v1/promotions/stops/{stop_id}/action-items")] = {"text": "Restock alert"}
