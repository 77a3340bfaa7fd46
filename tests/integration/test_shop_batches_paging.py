"""``GET /api/v1/shop/batches`` pages newest first and its ``next_cursor`` reaches every batch
once; the console's batch list pages the same way (both databases)."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def _walk(client: TestClient, path: str, limit: int) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor = None
    for _ in range(50):
        params: dict[str, object] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = client.get(path, params=params).json()
        pages.append([row["id"] for row in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
    raise AssertionError(f"{path} did not reach its last page")


@pytest.mark.parametrize("n", [5, 6])
def test_the_batch_list_pages_through_every_batch(db: Database, tmp_path: Path, n: int) -> None:
    """More batches than the limit: every batch exactly once, newest first; the last page
    carries no next_cursor and is never an empty page (also when ``n`` is a multiple of it)."""
    workspace = new_workspace(db, "pages")
    ids = _batches(db, workspace.id, n)
    with TestClient(make_app(db, tmp_path)) as client:
        client.headers.update(bearer(new_key(db, workspace, "viewer")))
        pages = _walk(client, "/api/v1/shop/batches", 2)
    assert [i for page in pages for i in page] == sorted(ids, reverse=True)
    assert len(pages) == -(-n // 2)
    assert all(pages)


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
