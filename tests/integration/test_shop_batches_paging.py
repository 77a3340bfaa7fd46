"""``GET /api/v1/shop/batches`` pages newest first and its ``next_cursor`` reaches every batch
once; the console's batch list pages the same way (both databases)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from promodesk.models import ShopBatch
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.test_console_support import console_client, log_in, new_member


def _batches(db: Database, workspace_id: int, n: int) -> list[int]:
    with db.transaction() as uow:
        rows = [
            ShopBatch(workspace_id=workspace_id, mode="batch", reason_code="other", status="done")
            for _ in range(n)
        ]
        uow.session.add_all(rows)
        uow.flush()
        return [r.id for r in rows]


def test_the_batch_list_pages_through_every_batch(db: Database, tmp_path: Path) -> None:
    ws = new_workspace(db, "pages")
    ids = _batches(db, ws.id, 5)
    with TestClient(make_app(db, tmp_path)) as client:
        client.headers.update(bearer(new_key(db, ws, "viewer")))
        seen: list[int] = []
        cursor = None
        for _ in range(10):
            params: dict[str, object] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/shop/batches", params=params).json()
            seen += [b["id"] for b in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert seen == sorted(ids, reverse=True)


def test_the_console_batch_list_links_to_older_batches(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    ids = _batches(db, member.workspace.id, 27)
    with console_client(db, tmp_path) as client:
        log_in(client, member)
        first = client.get("/shop/batches")
        assert first.status_code == 200
        assert f"/shop/batches?before={ids[2]}" in first.text
        older = client.get(f"/shop/batches?before={ids[2]}")
        assert f"/shop/batches/{ids[0]}" in older.text
        assert f'/shop/batches/{ids[2]}"' not in older.text
