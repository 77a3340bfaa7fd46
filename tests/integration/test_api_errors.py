"""The HTTP contract on both databases: error bodies, no 500 for any client input, health,
metrics, OpenAPI and docs."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from promodesk.app import create_app
from promodesk.kit.db import Database
from promodesk.settings import Settings
from tests.api_support import (
    BODIES,
    QUERIES,
    api_operations,
    bearer,
    make_app,
    new_key,
    new_workspace,
)

BAD_IDS = ["0", "-1", "abc", "1e3", "1.5", str(2**63), str(2**63 - 1), str(2**70), "9" * 40, "%20"]


@pytest.fixture
def app(db: Database, tmp_path: Path) -> FastAPI:
    return make_app(db, tmp_path)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def key(db: Database) -> str:
    return new_key(db, new_workspace(db), "owner")


def cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def assert_error(response: object, status: int, error: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) >= {"error", "detail"}
    assert isinstance(body["detail"], str)
    if error:
        assert body["error"] == error
    return body  # type: ignore[no-any-return]


def test_ids_outside_the_bigint_range_are_404_on_every_route(
    app: FastAPI, client: TestClient, key: str
) -> None:
    routes = [(m, p) for m, p, _ in api_operations(app) if re.search(r"\{\w*id\}", p)]
    assert len(routes) >= 6
    for method, template in routes:
        for bad in BAD_IDS:
            path = re.sub(r"\{\w+\}", bad, template)
            response = client.request(
                method,
                path,
                json=BODIES.get((method, template), {}),
                params=QUERIES.get((method, template)),
                headers=bearer(key),
            )
            assert_error(response, 404, "NotFound")


def test_invalid_cursors_are_422_on_every_paginated_route(
    app: FastAPI, client: TestClient, key: str
) -> None:
    paginated = [
        p
        for m, p, op in api_operations(app)
        if m == "GET" and any(q["name"] == "cursor" for q in op.get("parameters", []))
    ]
    assert "/api/v1/audit" in paginated
    bad_cursors = [
        "%%%",
        "not base64 at all!",
        cursor([1, 2]),
        cursor("x"),
        cursor({"before": "x", "after": "x"}),
        cursor({"before": 2**64, "after": 2**64}),
        cursor({"before": -1, "after": -1}),
        cursor({"before": True, "after": True}),
        cursor({"before": 1.5, "after": 1.5}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "x" * 501,
    ]
    for path in paginated:
        if "{" in path:
            continue
        for bad in bad_cursors:
            response = client.get(path, params={"cursor": bad}, headers=bearer(key))
            body = assert_error(response, 422, "ValidationFailed")
            assert body["field"] == "cursor"


@pytest.mark.parametrize(
    ("content", "ctype"),
    [
        (b"{not json", "application/json"),
        (b'{"name": "x"', "application/json"),
        (b"[1,2,3]", "application/json"),
        (b"null", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b'{"name": "x"}', "text/plain"),
        (b"name=x", "application/x-www-form-urlencoded"),
        (b"--b\r\n\r\n--b--", "multipart/form-data; boundary=b"),
        (b"", "application/json"),
        (b'{"name": 1e999999}', "application/json"),
        (b'{"name": "\\ud800"}', "application/json"),
        (b'{"name": "a\\u0000b"}', "application/json"),
        (b'{"role": "owner", "name": "' + b"x" * 300 + b'"}', "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
    ],
)
def test_bad_payloads_are_client_errors(
    client: TestClient, key: str, content: bytes, ctype: str
) -> None:
    response = client.post(
        "/api/v1/keys", content=content, headers={**bearer(key), "Content-Type": ctype}
    )
    assert 400 <= response.status_code < 500, response.text
    assert_error(response, response.status_code)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": b"Bearer pdk_\xff\xfe"},
        {"Authorization": "Bearer " + "pdk_" + "a" * 10000},
        {"Authorization": "Bearer pdk_a b c"},
        {"Idempotency-Key": "x" * 256},
        {"Idempotency-Key": b"\xe9t\xe9"},
        {"Content-Type": "application/json; boundary=\x7f"},
        {"Accept": "application/xml"},
        {"Accept-Language": "xx-" + "y" * 500},
        {"X-Forwarded-For": "not an address"},
        {"Cookie": "a=" + "b" * 4000},
    ],
)
def test_weird_headers_never_cause_a_server_error(
    client: TestClient, key: str, headers: dict[str, str | bytes]
) -> None:
    merged = {**bearer(key), **headers}
    for method, path in [("GET", "/api/v1/workspaces/current"), ("POST", "/api/v1/keys")]:
        response = client.request(method, path, json={}, headers=merged)
        assert response.status_code < 500, (method, path, response.text)


@pytest.mark.parametrize(
    "params",
    [
        {"since": "9999-12-31T23:59:59-05:00"},
        {"until": "0001-01-01T00:00:00+05:00"},
        {"since": "not a date"},
        {"since": "99999999999999999999"},
        {"actor": "a\x00b"},
        {"action": "x" * 101},
        {"limit": "0"},
        {"limit": "501"},
        {"limit": str(2**70)},
    ],
)
def test_bad_query_parameters_are_422(client: TestClient, key: str, params: dict[str, str]) -> None:
    response = client.get("/api/v1/audit", params=params, headers=bearer(key))
    assert_error(response, 422, "ValidationFailed")


def test_unknown_paths_and_methods_use_the_error_body(client: TestClient, key: str) -> None:
    assert_error(client.get("/api/v1/nope", headers=bearer(key)), 404, "NotFound")
    assert_error(client.delete("/api/v1/keys", headers=bearer(key)), 405, "MethodNotAllowed")


def test_healthz_reports_database_and_worker(client: TestClient, db: Database) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] is True
    assert "worker_heartbeat_age_seconds" in body
    assert isinstance(body["jobs"], dict)


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/unreachable"
    dead = Database(url)
    settings = Settings(database_url=url, data_dir=tmp_path, secret_key="x", metrics_token="m")
    app = create_app(settings, db=dead)
    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/healthz")
        metrics = c.get("/metrics", headers=bearer("m"))
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] is False
    assert metrics.status_code == 200


def test_metrics_expose_requests_latency_and_jobs(db: Database, tmp_path: Path, key: str) -> None:
    app = create_app(metrics_settings(db, tmp_path, "scrape-token"), db=db)
    client = TestClient(app, raise_server_exceptions=False)
    client.get("/api/v1/jobs/12345", headers=bearer(key))
    response = client.get("/metrics", headers=bearer("scrape-token"))
    assert response.status_code == 200
    text = response.text
    for name in (
        "promodesk_http_requests_total",
        "promodesk_http_request_seconds_bucket",
        "promodesk_job_queue_depth",
        "promodesk_job_failures_total",
        "promodesk_worker_heartbeat_age_seconds",
    ):
        assert name in text
    # Routes are labelled by template, so ids cannot blow up the label set.
    assert 'route="/api/v1/jobs/{job_id}"' in text
    assert "/api/v1/jobs/12345" not in text


def metrics_settings(db: Database, tmp_path: Path, token: str = "") -> Settings:
    return Settings(database_url=db.url, data_dir=tmp_path, secret_key="x", metrics_token=token)


def test_metrics_need_the_token_when_one_is_set(db: Database, tmp_path: Path, key: str) -> None:
    app = create_app(metrics_settings(db, tmp_path, "scrape-token"), db=db)
    # Even from the machine itself: the token is the rule once it is set.
    client = TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 40000))
    for headers in ({}, bearer("wrong"), bearer(key), {"Authorization": "Basic c2NyYXBl"}):
        assert_error(client.get("/metrics", headers=headers), 401, "Unauthorized")
    assert client.get("/metrics", headers=bearer("scrape-token")).status_code == 200


def test_metrics_without_a_token_answer_only_the_machine_itself(
    db: Database, tmp_path: Path
) -> None:
    app = create_app(metrics_settings(db, tmp_path), db=db)
    remote = TestClient(app, raise_server_exceptions=False, client=("203.0.113.8", 40000))
    body = assert_error(remote.get("/metrics"), 403, "Forbidden")
    assert "PROMODESK_METRICS_TOKEN" in body["detail"]
    local = TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 40000))
    assert local.get("/metrics").status_code == 200
    ipv6 = TestClient(app, raise_server_exceptions=False, client=("::1", 40000))
    assert ipv6.get("/metrics").status_code == 200
    # A reverse proxy on the same machine connects from 127.0.0.1 too: forwarded requests are
    # the proxy's clients, not the machine itself.
    proxied = local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.8"})
    assert_error(proxied, 403, "Forbidden")


# Written out by hand for a sample of routes: each lists exactly the errors it can answer.
EXPECTED_ERRORS = {
    ("get", "/healthz"): {"413", "422", "503"},
    ("get", "/metrics"): {"401", "403", "413", "422", "503"},
    ("get", "/api/v1/jobs"): {"401", "413", "422", "503"},
    ("get", "/api/v1/jobs/{job_id}"): {"401", "404", "413", "422", "503"},
    ("post", "/api/v1/jobs/{job_id}/retry"): {"401", "403", "404", "409", "413", "422", "503"},
    ("get", "/api/v1/workspaces/current"): {"401", "404", "413", "422", "503"},
    ("get", "/api/v1/keys"): {"401", "403", "413", "422", "503"},
    ("post", "/api/v1/keys"): {"400", "401", "403", "404", "409", "413", "422", "503"},
    ("get", "/api/v1/promote/orders"): {"401", "404", "413", "422", "503"},  # ?creator_id=
    ("post", "/api/v1/promote/payments/webhook"): {
        *("400", "401", "404", "409", "413", "422", "503")  # signed, not keyed: no 403
    },
}


def test_openapi_declares_each_routes_own_errors(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "ErrorBody" in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            errors = {code for code in op["responses"] if code >= "400"}
            if (method, path) in EXPECTED_ERRORS:
                assert errors == EXPECTED_ERRORS[(method, path)], (method, path)
            assert {"413", "422", "503"} <= errors, (method, path)
            assert "429" not in errors, (method, path)  # no API route is rate-limited
            for code in errors - {"503"} if path == "/healthz" else errors:
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (method, path, code)
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "/api/v1/openapi.json" in docs.text


def test_validation_messages_use_words_and_real_limits(client: TestClient, key: str) -> None:
    """``field`` keeps the machine name; ``detail`` names the field in words, shows limits with
    thousands separators and never a storage limit like 2^63 − 1."""
    too_big = client.get(
        "/api/v1/campaigns", params={"ad_account_id": str(2**63)}, headers=bearer(key)
    )
    body = assert_error(too_big, 422, "ValidationFailed")
    assert body["field"] == "ad_account_id"
    assert body["detail"] == "Ad account id is too large"
    order = {
        "creator_id": 1,
        "content_id": 1,
        "goal": "video_views",
        "budget_coins": 10**13,
        "duration_hours": 24,
    }
    placed = client.post("/api/v1/promote/orders", json=order, headers=bearer(key))
    body = assert_error(placed, 422, "ValidationFailed")
    assert body["field"] == "budget_coins"
    assert body["detail"] == "Budget (coins) must be at most 1,000,000,000,000"
    placed = client.post(
        "/api/v1/promote/orders", json={**order, "budget_coins": 0}, headers=bearer(key)
    )
    assert assert_error(placed, 422)["detail"] == "Budget (coins) must be at least 1"
    placed = client.post(
        "/api/v1/promote/orders", json={**order, "creator_id": 2**63}, headers=bearer(key)
    )
    assert assert_error(placed, 422)["detail"] == "Creator id is too large"
    missing = {k: v for k, v in order.items() if k != "duration_hours"} | {"budget_coins": 100}
    placed = client.post("/api/v1/promote/orders", json=missing, headers=bearer(key))
    assert assert_error(placed, 422)["detail"] == "Duration (hours) is required"
    for response in (too_big, placed):
        text = response.text
        assert "9223372036854775807" not in text
        assert "9,223,372,036,854,775,807" not in text
