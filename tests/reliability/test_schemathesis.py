"""Schemathesis over the whole OpenAPI spec, against a real server on each database, with an
admin key on every request: no 5xx for any generated input, and every response matches the
spec (status code, content type, headers, body schema). Bounded and deterministic.

Generated ids rarely name an existing object, so a second test reads one real object of every
kind through each GET route that takes an id: success bodies are checked against the spec too.

Single calls cannot see a write that breaks later reads (after a valid PUT of the payment-methods
table, every read of it answered 500), so a third test runs schemathesis' stateful phase: short
sequences of calls within each feature, with the same checks on every step."""

from __future__ import annotations

import copy
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.generation.stateful import run_state_machine_as_test
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

# Schemathesis gives up on a response after 10 s; on a loaded CI machine (this module runs late in
# a 20-minute suite, beside the server's own worker) one request once took longer. A request that
# really hangs still fails, at this bound.
TIMEOUT = 60

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
    db: Database


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
        yield Target(base_url, bearer(issued.plaintext), issued.key.id, ids, db)


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
    case.call_and_validate(
        base_url=target.base_url, headers=target.headers, checks=CHECKS, timeout=TIMEOUT
    )


@pytest.mark.parametrize("path", ID_READS)
def test_reads_of_real_objects_match_the_spec(path: str, target: Target) -> None:
    names = ID_PARAM.findall(path)
    assert set(names) <= target.ids.keys(), f"add a factory for {names} to FACTORIES"
    case = schema[path]["GET"].Case(
        path_parameters={n: target.ids[n] for n in names}, query=QUERIES.get(("GET", path))
    )
    response = case.call_and_validate(
        base_url=target.base_url, headers=target.headers, checks=CHECKS, timeout=TIMEOUT
    )
    assert response.status_code == 200, (path, response.text)


# Sequences ----------------------------------------------------------------------------------------
# Schemathesis chains calls along OpenAPI links: the ones it infers (a POST's new id read back by
# GET /x/{id}) and, added here, a write and the read of the same path linked both ways: the write
# is followed by reading back what it changed, and a read by the write (schemathesis starts
# scenarios only at POSTs and parameterless GETs, so without a link a PUT is never called).
# One state machine per feature (OpenAPI tag) keeps the chance of such pairs high in few steps.
# Each scenario works in a fresh workspace with its own key, so that one scenario's objects do not
# change what the next one's calls answer: Hypothesis replays a scenario's prefix and expects the
# same answers.

WRITES = ("post", "put", "patch", "delete")
PATH_PARAM = re.compile(r"\{(\w+)\}")
SEQUENCE_SETTINGS = settings(
    max_examples=15,  # scenarios per feature
    stateful_step_count=6,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _link(source: dict[str, Any], target: dict[str, Any], path_params: list[str]) -> None:
    """After any success of ``source``, call ``target`` with the same path parameters."""
    for status, response in source["responses"].items():
        if status.startswith("2"):
            response.setdefault("links", {})[f"then {target['operationId']}"] = {
                "operationId": target["operationId"],
                "parameters": {name: f"$request.path.{name}" for name in path_params},
            }


def with_sequence_links(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    for path, item in spec["paths"].items():
        read = item.get("get")
        for method in WRITES:
            if read is not None and method in item:
                _link(item[method], read, PATH_PARAM.findall(path))
                _link(read, item[method], PATH_PARAM.findall(path))
    return spec


SEQUENCE_SCHEMA = schemathesis.openapi.from_dict(with_sequence_links(SPEC))
# Valid inputs only: invalid ones are the single-call test's work, and a call refused for its
# input changes nothing for the calls after it.
SEQUENCE_SCHEMA.config.generation.update(modes=[GenerationMode.POSITIVE])
FEATURES = sorted(
    {
        tag
        for item in PATHS.values()
        for method, operation in item.items()  # type: ignore[attr-defined]
        if method in WRITES
        for tag in operation.get("tags", [])
    }
)


@pytest.mark.parametrize("feature", FEATURES)
def test_sequences_within_a_feature(feature: str, target: Target) -> None:
    db = target.db

    class Sequences(SEQUENCE_SCHEMA.include(tag=feature).as_state_machine()):
        def setup(self) -> None:
            ws = new_workspace(db, "seq")
            with db.transaction() as uow:
                self.caller = tenancy.create_api_key(uow, ws, "admin", name="sequence key")
                self.spare_key_id = tenancy.create_api_key(uow, ws, "viewer", name="spare").key.id

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {
                "base_url": target.base_url,
                "headers": bearer(self.caller.plaintext),
                "timeout": TIMEOUT,
            }

        def before_call(self, case: schemathesis.Case) -> None:
            params = case.path_parameters or {}
            if parse_id(params.get("key_id")) == self.caller.key.id:
                params["key_id"] = self.spare_key_id  # as above: keep the caller's key

        def validate_response(
            self, response: Response, case: schemathesis.Case, *_: Any, **kwargs: Any
        ) -> None:
            case.validate_response(
                response, checks=CHECKS, transport_kwargs=kwargs, recorder=self.recorder
            )

    run_state_machine_as_test(Sequences, settings=SEQUENCE_SETTINGS)
