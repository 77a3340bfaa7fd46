"""The accounts and campaigns listings page by ``kit.pagination``'s one rule: every row once, in
id order, and a page that ends the listing has no ``next_cursor`` (no empty last page)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.accounts_factories import (
    make_ad_account,
    make_campaign,
    make_client,
    make_grant,
)


def _walk(client: TestClient, path: str, limit: int) -> tuple[list[int], int]:
    """The ids of every page, and how many pages it took."""
    seen: list[int] = []
    cursor, pages = None, 0
    while True:
        params: dict[str, object] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        answer = client.get(path, params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages += 1
        assert body["items"], f"{path}: an empty page after {seen}"
        seen += [row["id"] for row in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


def test_listings_page_every_row_once_without_an_empty_last_page(
    db: Database, tmp_path: Path
) -> None:
    workspace = new_workspace(db, "paging")
    with db.transaction() as uow:
        grant = make_grant(uow, workspace.id)
        accounts = [make_ad_account(uow, workspace.id, grant) for _ in range(4)]
        campaigns = [make_campaign(uow, workspace.id, accounts[0]) for _ in range(4)]
        clients = [make_client(uow, workspace.id) for _ in range(4)]
    with TestClient(make_app(db, tmp_path)) as client:
        client.headers.update(bearer(new_key(db, workspace, "viewer")))
        for path, ids in (
            ("/api/v1/ad-accounts", accounts),
            ("/api/v1/campaigns", campaigns),
            ("/api/v1/client-accounts", clients),
        ):
            # 4 rows in pages of 2: two pages, the second one last
            assert _walk(client, path, 2) == (sorted(ids), 2), path
            assert _walk(client, path, 4) == (sorted(ids), 1), path
            assert _walk(client, path, 3) == (sorted(ids), 2), path
        bad = client.get("/api/v1/campaigns", params={"cursor": "not-ours"})
        assert bad.status_code == 422
