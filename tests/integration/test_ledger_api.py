"""Ledger read routes on both databases: own accounts and entries; 404 for others' and unknown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from promodesk.app import create_app
from promodesk.kit.db import Database
from promodesk.ledger import service as ledger
from promodesk.models import Workspace
from promodesk.settings import Settings
from promodesk.tenancy import service as tenancy
from tests.integration.test_ledger_posting import Book, open_book


def key_for(db: Database, ws_id: int) -> dict[str, str]:
    with db.transaction() as uow:
        ws = uow.session.get(Workspace, ws_id)
        assert ws is not None
        key = tenancy.create_api_key(uow, ws, "viewer", name="ledger test").plaintext
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(db: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=db.url, data_dir=tmp_path, secret_key="test-secret")
    with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as c:
        yield c


def funded(db: Database) -> tuple[Book, int]:
    b = open_book(db)
    with db.transaction() as uow:
        ledger.move(uow, b.ws, "fund", "f", b.source, b.wallet, 1000)
        hold = ledger.hold(uow, b.ws, "o", b.escrow, [(b.wallet, 300)])
    return b, hold.entry_id


def test_own_accounts_lines_and_entries(db: Database, client: TestClient) -> None:
    b, hold_id = funded(db)
    auth = key_for(db, b.ws)
    page = client.get("/api/v1/ledger/accounts", headers=auth, params={"limit": 2})
    assert page.status_code == 200
    body = page.json()
    assert [a["id"] for a in body["items"]] == [b.source, b.wallet]
    rest = client.get(
        "/api/v1/ledger/accounts", headers=auth, params={"cursor": body["next_cursor"]}
    ).json()
    assert [a["id"] for a in rest["items"]] == [b.escrow, b.revenue]
    wallet = client.get(f"/api/v1/ledger/accounts/{b.wallet}", headers=auth).json()
    assert (wallet["balance"], wallet["floor"], wallet["balance_display"]) == (700, 0, "700 coins")
    lines = client.get(f"/api/v1/ledger/accounts/{b.wallet}/lines", headers=auth).json()
    assert [(ln["kind"], ln["amount"]) for ln in lines["items"]] == [("fund", 1000), ("hold", -300)]
    entry = client.get(f"/api/v1/ledger/entries/{hold_id}", headers=auth).json()
    assert entry["lines"] == [
        {"account_id": b.wallet, "currency": "COIN", "amount": -300},
        {"account_id": b.escrow, "currency": "COIN", "amount": 300},
    ]


def test_unknown_and_other_workspaces_objects_are_404(db: Database, client: TestClient) -> None:
    mine, _ = funded(db)
    theirs, their_hold = funded(db)
    auth = key_for(db, mine.ws)
    for path in (
        f"/api/v1/ledger/accounts/{theirs.wallet}",
        f"/api/v1/ledger/accounts/{theirs.wallet}/lines",
        f"/api/v1/ledger/entries/{their_hold}",
        "/api/v1/ledger/accounts/999999999",
        "/api/v1/ledger/entries/999999999",
        "/api/v1/ledger/accounts/99999999999999999999999",
        "/api/v1/ledger/accounts/abc",
    ):
        response = client.get(path, headers=auth)
        assert response.status_code == 404, path
        assert response.json()["error"] == "NotFound"
    listed = client.get("/api/v1/ledger/accounts", headers=auth).json()["items"]
    assert {a["id"] for a in listed} == {mine.source, mine.wallet, mine.escrow, mine.revenue}


def test_without_a_key_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/ledger/accounts").status_code == 401
