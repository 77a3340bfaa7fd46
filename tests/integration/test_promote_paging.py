"""Promote listings page by the one rule (``kit.pagination``), on SQLite and PostgreSQL: a page
has a ``next_cursor`` only when more rows exist (never an empty last page), and following the
cursors reaches every row once, oldest first for creators, newest first for orders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from promodesk.kit.db import Database
from promodesk.models import Workspace
from tests.api_support import HANG_GUARD, bearer, live_server, make_app, new_key, new_workspace
from tests.integration.promote_factories import fund, make_creator, make_video, place


@pytest.fixture
def workspace(db: Database) -> Workspace:
    return new_workspace(db)


@pytest.fixture
def http(db: Database, tmp_path: Path, workspace: Workspace) -> Iterator[httpx.Client]:
    with (
        live_server(make_app(db, tmp_path)) as base,
        httpx.Client(base_url=base, timeout=HANG_GUARD) as client,
    ):
        client.headers.update(bearer(new_key(db, workspace, "viewer")))
        yield client


def pages(http: httpx.Client, path: str, limit: int) -> list[list[int]]:
    """The ids of every page, following ``next_cursor`` until it is null."""
    out: list[list[int]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        response = http.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        out.append([item["id"] for item in body["items"]])
        if body["next_cursor"] is None:
            return out
        params["cursor"] = body["next_cursor"]


def test_creators_page_oldest_first(http: httpx.Client, db: Database, workspace: Workspace) -> None:
    with db.transaction() as uow:
        ids = [make_creator(uow, workspace.id) for _ in range(4)]
    assert pages(http, "/api/v1/promote/creators", 3) == [ids[:3], ids[3:]]
    assert pages(http, "/api/v1/promote/creators", 2) == [ids[:2], ids[2:]]  # no empty page
    assert pages(http, "/api/v1/promote/creators", 4) == [ids]


def test_orders_page_newest_first(http: httpx.Client, db: Database, workspace: Workspace) -> None:
    with db.transaction() as uow:
        creator = make_creator(uow, workspace.id)
        video = make_video(uow, workspace.id, creator)
        fund(uow, workspace.id, creator, 5000)
        ids = [place(uow, workspace.id, creator, video, budget_coins=1000) for _ in range(3)]
    newest = ids[::-1]
    assert pages(http, "/api/v1/promote/orders", 2) == [newest[:2], newest[2:]]
    assert pages(http, "/api/v1/promote/orders", 3) == [newest]
    assert pages(http, "/api/v1/promote/review-queue", 1) == [[i] for i in newest]
