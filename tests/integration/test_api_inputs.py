"""Request bodies are strict on every route, on both databases: an unknown field is refused and a
number is a JSON integer. Both tests walk every request body the OpenAPI spec publishes, nested
objects included, so a new schema is covered without editing this file.

Each request carries a body built from the spec with the required fields only (placeholders, not
necessarily valid ones) plus the field under test; the answer must be a 422 that names that
field, whatever else it refuses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from promodesk.kit.db import Database
from tests.api_support import (
    JSON,
    NOT_JSON_INTEGERS,
    api_operations,
    bearer,
    json_text,
    make_app,
    new_key,
    new_workspace,
)

UNKNOWN = "zz_not_a_field"
Schema = dict[str, Any]
Loc = tuple[str, ...]


@pytest.fixture
def app(db: Database, tmp_path: Path) -> FastAPI:
    return make_app(db, tmp_path)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def owner(db: Database) -> dict[str, str]:
    return bearer(new_key(db, new_workspace(db), "owner"))


def _bodies(app: FastAPI) -> Iterator[tuple[str, str, Schema, Schema]]:
    """(METHOD, path with ids, the spec, the body's schema) of every route with a JSON body."""
    spec = app.openapi()
    found = 0
    for method, path, operation in api_operations(app):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            found += 1
            yield method, re.sub(r"\{\w+\}", "1", path), spec, content["application/json"]["schema"]
    assert found >= 40


def _resolve(spec: Schema, schema: Schema) -> Schema:
    """Follow ``$ref`` and take the non-null branch of an optional (``anyOf [X, null]``)."""
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        else:
            return schema


def _walk(spec: Schema, schema: Schema, at: Loc = ()) -> Iterator[tuple[Loc, Schema]]:
    """Every node of the body: (its path, its resolved schema)."""
    schema = _resolve(spec, schema)
    yield at, schema
    for name, prop in schema.get("properties", {}).items():
        yield from _walk(spec, prop, (*at, name))
    if schema.get("type") == "array" and "items" in schema:
        yield from _walk(spec, schema["items"], (*at, "0"))


def _value(spec: Schema, schema: Schema, along: Loc, leaf: Any) -> Any:
    """A placeholder for ``schema`` with its required fields, and ``leaf`` at ``along``."""
    schema = _resolve(spec, schema)
    if not along and leaf is not _NOTHING:
        return leaf
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        out = {
            name: _value(spec, props[name], (), _NOTHING)
            for name in schema.get("required", [])
            if not along or name != along[0]
        }
        if along:
            out[along[0]] = (
                _value(spec, props[along[0]], along[1:], leaf) if along[0] in props else leaf
            )
        return out
    if kind == "array":
        if along:
            return [_value(spec, schema.get("items", {}), along[1:], leaf)]
        return []
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    return {
        "integer": int(schema.get("minimum", 1)),
        "boolean": False,
        "string": {"date-time": "2030-01-01T00:00:00Z", "date": "2000-01-01"}.get(
            schema.get("format", ""), "x"
        ),
    }.get(kind or "")


_NOTHING = object()


def _send(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.request(method, path, content=json_text(body), headers={**headers, **JSON})


def _names(response: Any, field: str) -> bool:
    body = response.json()
    locs = [".".join(p for p in e["loc"] if p != "body") for e in body.get("errors", [])]
    return body.get("field") == field or field in locs


def test_every_request_body_refuses_unknown_fields(
    app: FastAPI, client: TestClient, owner: dict[str, str]
) -> None:
    checked, accepted = 0, []
    for method, path, spec, schema in _bodies(app):
        for at, node in _walk(spec, schema):
            if "properties" not in node:
                continue
            body = _value(spec, schema, (*at, UNKNOWN), 1)
            response = _send(client, method, path, body, owner)
            field = ".".join((*at, UNKNOWN))
            if response.status_code != 422 or not _names(response, field):
                accepted.append(f"{method} {path} {field}: {response.status_code}")
            checked += 1
    assert checked >= 50
    assert not accepted, "\n".join(accepted)


def test_every_integer_in_a_request_body_is_a_json_integer(
    app: FastAPI, client: TestClient, owner: dict[str, str]
) -> None:
    checked, accepted = 0, []
    for method, path, spec, schema in _bodies(app):
        for at, node in _walk(spec, schema):
            if node.get("type") != "integer":
                continue
            field = ".".join(at)
            for bad in NOT_JSON_INTEGERS:
                response = _send(client, method, path, _value(spec, schema, at, bad), owner)
                if response.status_code != 422 or not _names(response, field):
                    accepted.append(f"{method} {path} {field}={bad!r}: {response.status_code}")
            checked += 1
    assert checked >= 40
    assert not accepted, "\n".join(accepted)
