"""Cross-workspace isolation: every route that takes an id answers 404 to another workspace.

Routes are enumerated from the app's OpenAPI spec, so a new endpoint is covered as soon as it
exists. In ``tests/api_support.py``: a new kind of id needs a factory in ``FACTORIES`` (the test
fails and says so), a route that requires a body an example in ``BODIES``, and one with a required
query parameter an entry in ``QUERIES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from tests.api_support import (
    BODIES,
    FACTORIES,
    ID_PARAM,
    QUERIES,
    api_operations,
    bearer,
    make_app,
    new_key,
    new_workspace,
)


@dataclass
class Tenants:
    client: TestClient
    a_key: str
    b_key: str
    a_ids: dict[str, int]


@pytest.fixture
def app(db: Database, tmp_path: Path) -> FastAPI:
    return make_app(db, tmp_path)


@pytest.fixture
def tenants(db: Database, app: FastAPI) -> Iterator[Tenants]:
    a, b = new_workspace(db, "a"), new_workspace(db, "b")
    with db.transaction() as uow:
        a_ids = {name: make(uow, a) for name, make in FACTORIES.items()}
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Tenants(client, new_key(db, a, "owner"), new_key(db, b, "owner"), a_ids)


def id_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [(m, p) for m, p, _ in api_operations(app) if ID_PARAM.search(p)]


def test_every_id_route_hides_other_workspaces_objects(app: FastAPI, tenants: Tenants) -> None:
    routes = id_routes(app)
    assert len(routes) >= 8
    for method, template in routes:
        names = ID_PARAM.findall(template)
        missing = [n for n in names if n not in tenants.a_ids]
        assert not missing, f"add a factory for {missing} ({method} {template}) to FACTORIES"
        path = ID_PARAM.sub(lambda m: str(tenants.a_ids[m.group(1)]), template)
        body = BODIES.get((method, template), {})
        params = QUERIES.get((method, template), {})

        other = tenants.client.request(
            method, path, json=body, params=params, headers=bearer(tenants.b_key)
        )
        assert other.status_code == 404, (method, template, other.text)
        assert other.json()["error"] == "NotFound"

        # Positive control: the object exists, and its own workspace reaches it.
        own = tenants.client.request(
            method, path, json=body, params=params, headers=bearer(tenants.a_key)
        )
        assert own.status_code in (200, 201, 409), (method, template, own.text)


def _ids(response: Any) -> set[str]:
    data = response.json()
    items = data.get("items", []) if isinstance(data, dict) else data
    return {str(i.get("id")) for i in items if isinstance(i, dict) and "id" in i}


def test_lists_never_show_other_workspaces_objects(app: FastAPI, tenants: Tenants) -> None:
    """On every list route, what workspace B sees and what workspace A sees are disjoint."""
    lists = [
        p
        for m, p, _ in api_operations(app)
        if m == "GET" and p.startswith("/api/v1") and not ID_PARAM.search(p)
    ]
    non_empty = 0
    for path in lists:
        seen_by_a = tenants.client.get(path, headers=bearer(tenants.a_key))
        seen_by_b = tenants.client.get(path, headers=bearer(tenants.b_key))
        assert seen_by_a.status_code == seen_by_b.status_code == 200, path
        a_ids, b_ids = _ids(seen_by_a), _ids(seen_by_b)
        assert not a_ids & b_ids, (path, a_ids & b_ids)
        non_empty += bool(a_ids)
    assert non_empty >= 4  # the check saw real rows: accounts, jobs, operations, keys, audit


from tests.integration.accounts_factories import ACCOUNTS_BODIES, ACCOUNTS_FACTORIES  # noqa: E402

FACTORIES.update(ACCOUNTS_FACTORIES)
BODIES.update(ACCOUNTS_BODIES)
