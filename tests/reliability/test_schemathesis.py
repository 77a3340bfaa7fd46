"""Schemathesis over the whole OpenAPI spec, against a real server on each database, with an
admin key on every request: no 5xx for any generated input, and every response matches the
spec (status code, content type, headers, body schema). Bounded and deterministic.

Generated ids rarely name an existing object, so a second test reads one real object of every
kind through each GET route that takes an id: success bodies are checked against the spec too."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from promodesk.kit.db import Database
from promodesk.kit.jobs import service as jobs
from promodesk.ledger import service as ledger
from promodesk.operations import service as operations
from promodesk.tenancy import service as tenancy
from promodesk.web import parse_id
from tests.api_support import (
    FACTORIES,
    ID_PARAM,
    QUERIES,
    bearer,
    live_server,
    make_app,
    new_workspace,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _spec() -> dict[str, object]:
    # The spec does not depend on the database; the app is never started here.
    with tempfile.TemporaryDirectory() as tmp:
        return make_app(Database(f"sqlite:///{tmp}/spec.db"), Path(tmp)).openapi()


SPEC = _spec()
schema = schemathesis.openapi.from_dict(SPEC)
PATHS: dict[str, dict[str, object]] = SPEC["paths"]  # type: ignore[assignment]
ID_READS = sorted(p for p, item in PATHS.items() if "get" in item and ID_PARAM.search(p))


@dataclass
class Target:
    base_url: str
    headers: dict[str, str]
    key_id: int  # the key the requests carry
    ids: dict[str, int]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """A live server and a workspace that owns some objects, so reads find real rows too."""
    db: Database = request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")
    ws = new_workspace(db, "fuzz")
    with db.transaction() as uow:
        issued = tenancy.create_api_key(uow, ws, "admin", name="fuzz key")
        wallet = ledger.open_account(uow, ws.id, "wallet:fuzz", kind="wallet", currency="COIN")
        funding = ledger.open_account(uow, ws.id, "funding:fuzz", kind="system", currency="COIN")
        ledger.move(uow, ws.id, "fund", "fuzz-1", funding.id, wallet.id, 500)
        jobs.enqueue(uow, "housekeeping", workspace_id=ws.id)
        operations.start(uow, ws.id, "fuzz", title="fuzz", total=3)
        ids = {name: make(uow, ws) for name, make in FACTORIES.items()}
    with live_server(make_app(db, tmp_path_factory.mktemp("fuzz"))) as base_url:
        yield Target(base_url, bearer(issued.plaintext), issued.key.id, ids)


@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_responses_match_the_spec(
    case: schemathesis.Case, target: Target
) -> None:
    params = case.path_parameters or {}
    if parse_id(params.get("key_id")) == target.key_id:
        # Revoking the key the requests carry would turn every later case into a 401.
        params["key_id"] = target.ids["key_id"]
    case.call_and_validate(base_url=target.base_url, headers=target.headers, checks=CHECKS)


@pytest.mark.parametrize("path", ID_READS)
def test_reads_of_real_objects_match_the_spec(path: str, target: Target) -> None:
    names = ID_PARAM.findall(path)
    assert set(names) <= target.ids.keys(), f"add a factory for {names} to FACTORIES"
    case = schema[path]["GET"].Case(
        path_parameters={n: target.ids[n] for n in names}, query=QUERIES.get(("GET", path))
    )
    response = case.call_and_validate(
        base_url=target.base_url, headers=target.headers, checks=CHECKS
    )
    assert response.status_code == 200, (path, response.text)
