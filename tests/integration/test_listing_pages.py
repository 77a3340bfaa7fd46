"""Every listing of the small features pages by the one rule: a page whose rows run out has no
``next_cursor`` (never an empty last page), and following the cursors visits every row once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from promodesk.audit import service as audit
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.jobs import service as jobs
from promodesk.ledger import service as ledger
from promodesk.notify.service import outbox as notify
from promodesk.operations import service as operations
from tests.api_support import bearer, make_app, new_key, new_workspace

ROWS = 3


def _event(uow: UnitOfWork, workspace_id: int, n: int) -> None:
    audit.record(
        uow, workspace_id=workspace_id, actor="t", action="t.x", object_type="t", object_id=n
    )


def _operation(uow: UnitOfWork, workspace_id: int, n: int) -> None:
    operations.start(uow, workspace_id, "t", title=f"op {n}")


def _job(uow: UnitOfWork, workspace_id: int, n: int) -> None:
    jobs.enqueue(uow, "housekeeping", {"n": n}, workspace_id=workspace_id)


def _account(uow: UnitOfWork, workspace_id: int, n: int) -> None:
    ledger.open_account(uow, workspace_id, f"wallet:{n}", kind="wallet", currency="COIN")


def _email(uow: UnitOfWork, workspace_id: int, n: int) -> None:
    notify.send_email(uow, workspace_id, "a@b.com", f"s {n}", "t", kind="k", ref=f"r{n}")


def _webhook(uow: UnitOfWork, workspace_id: int, n: int) -> None:
    notify.send_webhook(
        uow, workspace_id, "https://example.com/h", "e.x", {"n": n}, secret="s", ref=f"r{n}"
    )


LISTINGS: list[tuple[str, Callable[[UnitOfWork, int, int], None]]] = [
    ("/api/v1/audit", _event),
    ("/api/v1/operations", _operation),
    ("/api/v1/jobs", _job),
    ("/api/v1/ledger/accounts", _account),
    ("/api/v1/notify/emails", _email),
    ("/api/v1/notify/webhooks", _webhook),
]


@pytest.mark.parametrize(("path", "make"), LISTINGS, ids=[path for path, _ in LISTINGS])
def test_pages_follow_the_one_rule(
    path: str, make: Callable[[UnitOfWork, int, int], None], db: Database, tmp_path: Path
) -> None:
    ws = new_workspace(db)
    headers = bearer(new_key(db, ws, "admin"))  # audited itself: the audit log has one more
    with db.transaction() as uow:
        for n in range(ROWS):
            make(uow, ws.id, n)
    client = TestClient(make_app(db, tmp_path))
    rows = len(client.get(f"{path}?limit=500", headers=headers).json()["items"])
    assert rows >= ROWS

    whole = client.get(f"{path}?limit={rows}", headers=headers).json()
    assert len(whole["items"]) == rows
    assert whole["next_cursor"] is None  # exactly full: no empty page after it

    seen: list[int] = []
    cursor = ""
    for _ in range(rows + 1):
        got = client.get(f"{path}?limit=2&cursor={cursor}", headers=headers).json()
        seen += [item["id"] for item in got["items"]]
        assert got["items"], "a page is never empty"
        if got["next_cursor"] is None:
            break
        cursor = got["next_cursor"]
    assert sorted(seen) == sorted(item["id"] for item in whole["items"])
    assert len(seen) == len(set(seen)) == rows


@pytest.mark.slow
def test_a_full_page_of_the_largest_size_still_says_more_follow(
    db: Database, tmp_path: Path
) -> None:
    """The outbox caps what it reads: the cap leaves room for the row that tells a next page
    exists, so 501 messages at ``limit=500`` are two pages."""
    ws = new_workspace(db)
    headers = bearer(new_key(db, ws, "viewer"))
    with db.transaction() as uow:
        for n in range(501):
            _email(uow, ws.id, n)
    client = TestClient(make_app(db, tmp_path))
    first = client.get("/api/v1/notify/emails?limit=500", headers=headers).json()
    assert len(first["items"]) == 500
    assert first["next_cursor"] is not None
    rest = client.get(
        f"/api/v1/notify/emails?limit=500&cursor={first['next_cursor']}", headers=headers
    ).json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
