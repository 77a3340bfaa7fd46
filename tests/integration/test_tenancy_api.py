"""Tenancy over HTTP on both databases: API keys, roles, revocation, workspace scoping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from promodesk.kit import auth
from promodesk.kit.db import Database
from promodesk.models import ApiKey, Workspace
from promodesk.tenancy import service as tenancy
from tests.api_support import api_operations, bearer, make_app, new_key, new_workspace

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def app(db: Database, tmp_path: Path) -> FastAPI:
    return make_app(db, tmp_path)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def ws(db: Database) -> Workspace:
    return new_workspace(db)


def test_current_workspace_is_the_callers(client: TestClient, db: Database, ws: Workspace) -> None:
    key = new_key(db, ws, "viewer")
    body = client.get("/api/v1/workspaces/current", headers=bearer(key)).json()
    assert body["id"] == ws.id
    assert body["slug"] == ws.slug
    assert body["role"] == "viewer"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer pdk_not-a-real-key",
        "Bearer not-even-prefixed",
        "Bearer " + "x" * 5000,
        "bearer\tpdk_x",
    ],
)
def test_no_valid_key_is_401(client: TestClient, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/api/v1/workspaces/current", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


def test_a_revoked_key_is_401_from_the_next_request(
    client: TestClient, db: Database, ws: Workspace
) -> None:
    admin = new_key(db, ws, "admin")
    victim = client.post(
        "/api/v1/keys", json={"name": "ci", "role": "operator"}, headers=bearer(admin)
    )
    assert victim.status_code == 201
    secret, key_id = victim.json()["key"], victim.json()["id"]
    assert client.get("/api/v1/workspaces/current", headers=bearer(secret)).status_code == 200
    revoked = client.post(f"/api/v1/keys/{key_id}/revoke", headers=bearer(admin))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/workspaces/current", headers=bearer(secret)).status_code == 401
    again = client.post(f"/api/v1/keys/{key_id}/revoke", headers=bearer(admin))
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_a_key_is_shown_once_and_stored_hashed(
    client: TestClient, db: Database, ws: Workspace
) -> None:
    admin = new_key(db, ws, "admin")
    created = client.post("/api/v1/keys", json={"name": "deploy"}, headers=bearer(admin)).json()
    secret = created["key"]
    assert secret.startswith(auth.KEY_PREFIX)
    assert created["prefix"] == secret[:10]
    listed = client.get("/api/v1/keys", headers=bearer(admin))
    one = client.get(f"/api/v1/keys/{created['id']}", headers=bearer(admin))
    assert secret not in listed.text
    assert secret not in one.text
    assert "key" not in one.json()
    with db.transaction() as uow:
        row = uow.session.get_one(ApiKey, created["id"])
        assert row.key_hash == auth.sha256(secret)
        stored = [str(getattr(row, c.key)) for c in ApiKey.__table__.columns]
    assert all(secret not in value for value in stored)


def test_roles_gate_key_management(client: TestClient, db: Database, ws: Workspace) -> None:
    operator = new_key(db, ws, "operator")
    admin = new_key(db, ws, "admin")
    owner = new_key(db, ws, "owner")
    assert client.get("/api/v1/keys", headers=bearer(operator)).status_code == 403
    assert client.post("/api/v1/keys", json={}, headers=bearer(operator)).status_code == 403
    refused = client.post("/api/v1/keys", json={"role": "owner"}, headers=bearer(admin))
    assert refused.status_code == 403
    assert refused.json()["error"] == "Forbidden"
    made = client.post("/api/v1/keys", json={"role": "owner"}, headers=bearer(owner))
    assert made.status_code == 201
    assert made.json()["role"] == "owner"


def test_nobody_revokes_a_key_of_a_higher_role(
    client: TestClient, db: Database, ws: Workspace
) -> None:
    admin = new_key(db, ws, "admin")
    owner = new_key(db, ws, "owner")
    keys = {k["role"]: k["id"] for k in client.get("/api/v1/keys", headers=bearer(owner)).json()}
    refused = client.post(f"/api/v1/keys/{keys['owner']}/revoke", headers=bearer(admin))
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "Forbidden"
    assert client.get("/api/v1/workspaces/current", headers=bearer(owner)).status_code == 200
    # Equal and lower roles: allowed (an admin may revoke another admin's key, or its own).
    other_admin = client.post("/api/v1/keys", json={"role": "admin"}, headers=bearer(admin))
    viewer = client.post("/api/v1/keys", json={"role": "viewer"}, headers=bearer(admin))
    for made in (other_admin, viewer):
        done = client.post(f"/api/v1/keys/{made.json()['id']}/revoke", headers=bearer(admin))
        assert done.status_code == 200, done.text
    # An owner may revoke anything in the workspace, an admin's key included.
    done = client.post(f"/api/v1/keys/{keys['admin']}/revoke", headers=bearer(owner))
    assert done.status_code == 200


def test_unknown_role_is_a_payload_error(client: TestClient, db: Database, ws: Workspace) -> None:
    admin = new_key(db, ws, "admin")
    response = client.post("/api/v1/keys", json={"role": "god"}, headers=bearer(admin))
    assert response.status_code == 422
    assert response.json()["field"] == "role"


def test_key_bodies_refuse_unknown_fields(client: TestClient, db: Database, ws: Workspace) -> None:
    """Issue 11: an unknown field (a misspelt role, say) was ignored and a key made anyway."""
    admin = bearer(new_key(db, ws, "admin"))
    for body, field in (
        ({"name": "ci", "rol": "viewer"}, "rol"),
        ({"name": "ci", "expires_at": "2030-01-01T00:00:00Z"}, "expires_at"),
        ({"name": 5}, "name"),
    ):
        refused = client.post("/api/v1/keys", json=body, headers=admin)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["field"] == field
    made = client.post("/api/v1/keys", json={"name": "ci", "role": "viewer"}, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "viewer"


def api_writes(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method, re.sub(r"\{[^}]+\}", "1", path))
        for method, path, _ in api_operations(app)
        if method in WRITE_METHODS and path.startswith("/api/v1")
    ]


def test_a_viewer_cannot_change_anything(client: TestClient, app: FastAPI, db: Database) -> None:
    """Every state-changing API route, present and future, answers 403 to a viewer."""
    viewer = new_key(db, new_workspace(db), "viewer")
    # Routes without API-key security (a payment provider's signed webhook) answer 401, and
    # dry runs (a shop cancel preview) change nothing, so viewers may call them.
    secured = {
        (m, re.sub(r"\{[^}]+\}", "1", p))
        for m, p, op in api_operations(app)
        if op.get("security") and not op.get("x-promodesk-dry-run")
    }
    writes = [w for w in api_writes(app) if w in secured]
    assert ("POST", "/api/v1/keys") in writes
    for method, path in writes:
        response = client.request(method, path, json={}, headers=bearer(viewer))
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"] == "Forbidden"


def test_keys_and_members_are_scoped_to_the_workspace(
    client: TestClient, db: Database, ws: Workspace
) -> None:
    other = new_workspace(db)
    mine, theirs = new_key(db, ws, "admin"), new_key(db, other, "admin")
    their_key_id = client.get("/api/v1/keys", headers=bearer(theirs)).json()[0]["id"]
    listed = client.get("/api/v1/keys", headers=bearer(mine)).json()
    assert their_key_id not in [k["id"] for k in listed]
    assert client.get(f"/api/v1/keys/{their_key_id}", headers=bearer(mine)).status_code == 404
    revoke = client.post(f"/api/v1/keys/{their_key_id}/revoke", headers=bearer(mine))
    assert revoke.status_code == 404
    assert client.get("/api/v1/workspaces/current", headers=bearer(theirs)).status_code == 200
    with db.transaction() as uow:
        tenancy.create_user(uow, "scoped@example.com", "long-password", workspace=other)
    members = client.get("/api/v1/members", headers=bearer(mine)).json()
    assert "scoped@example.com" not in [m["email"] for m in members]
    members = client.get("/api/v1/members", headers=bearer(theirs)).json()
    assert [m["email"] for m in members] == ["scoped@example.com"]


def test_passwords_are_argon2(db: Database, ws: Workspace) -> None:
    from promodesk.models import User

    with db.transaction() as uow:
        user = tenancy.create_user(uow, f"{ws.slug}@example.com", "s3cret-pass", workspace=ws)
        uid = user.id
    with db.transaction() as uow:
        stored = uow.session.execute(select(User).where(User.id == uid)).scalar_one()
        assert stored.password_hash.startswith("$argon2")
        assert auth.verify_password(stored.password_hash, "s3cret-pass")
        assert not auth.verify_password(stored.password_hash, "wrong-pass")
