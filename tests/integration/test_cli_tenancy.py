"""``promodesk workspaces|users|keys`` and ``audit tail`` through Typer's runner, on both
databases (the CLI finds its database through PROMODESK_DATABASE_URL, like in production)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit import auth
from promodesk.kit.db import Database
from promodesk.models import User
from promodesk.tenancy.repository import TenancyRepository
from tests.api_support import bearer, make_app

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PROMODESK_USER_PASSWORD", raising=False)
    clikit.reset()
    yield
    clikit.reset()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def slug() -> str:
    return f"cli-{uuid.uuid4().hex[:10]}"


def test_workspaces_create_and_list(db: Database) -> None:
    name = slug()
    code, out, _ = run("workspaces", "create", name, "--name", "CLI Co", "--json")
    assert code == 0
    created = json.loads(out)
    assert created["slug"] == name
    code, out, _ = run("workspaces", "list", "--json")
    assert code == 0
    assert name in [w["slug"] for w in json.loads(out)]
    code, _, err = run("workspaces", "create", name)
    assert code == 1
    assert "Conflict" in err
    code, _, err = run("workspaces", "create", "Not A Slug")
    assert code == 1
    assert "slug" in err


def test_users_create_prompts_for_the_password(db: Database) -> None:
    ws = slug()
    run("workspaces", "create", ws)
    code, out, err = run(
        "users", "create", f"{ws}@example.com", "-w", ws, "--role", "admin",
        input="correct-horse\ncorrect-horse\n",
    )  # fmt: skip
    assert code == 0, err
    assert "correct-horse" not in out  # the prompt hides the input
    with db.transaction() as uow:
        repo = TenancyRepository(uow)
        user = repo.user_by_email(f"{ws}@example.com")
        assert isinstance(user, User)
        assert auth.verify_password(user.password_hash, "correct-horse")
        workspace = repo.workspace_by_slug(ws)
        assert workspace is not None
        membership = repo.membership(workspace.id, user.id)
        assert membership is not None
        assert membership.role == "admin"


def test_users_create_takes_the_password_from_an_option_or_the_environment(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = slug()
    run("workspaces", "create", ws)
    code, _, err = run(
        "users", "create", f"a-{ws}@example.com", "-w", ws, "--password", "pw-123456"
    )
    assert code == 0, err
    monkeypatch.setenv("PROMODESK_USER_PASSWORD", "from-the-env")
    code, _, err = run("users", "create", f"b-{ws}@example.com", "-w", ws, "--role", "viewer")
    assert code == 0, err
    with db.transaction() as uow:
        repo = TenancyRepository(uow)
        a = repo.user_by_email(f"a-{ws}@example.com")
        b = repo.user_by_email(f"b-{ws}@example.com")
        assert a is not None
        assert b is not None
        assert auth.verify_password(a.password_hash, "pw-123456")
        assert auth.verify_password(b.password_hash, "from-the-env")
    code, _, err = run("users", "create", f"c-{ws}@example.com", "-w", ws, "--password", "short")
    assert code == 1
    assert "8 characters" in err
    code, _, err = run(
        "users",
        "create",
        f"d-{ws}@example.com",
        "-w",
        ws,
        "--role",
        "emperor",
        "--password",
        "x" * 9,
    )
    assert code == 1
    assert "unknown role" in err


def test_keys_create_prints_only_a_working_key(db: Database, tmp_path: Path) -> None:
    ws = slug()
    run("workspaces", "create", ws)
    code, out, err = run("keys", "create", "--workspace", ws, "--role", "viewer", "--name", "ci")
    assert code == 0, err
    assert re.fullmatch(r"pdk_[A-Za-z0-9_-]{43}\n", out)
    key = out.strip()
    with TestClient(make_app(db, tmp_path)) as client:
        current = client.get("/api/v1/workspaces/current", headers=bearer(key)).json()
        assert current["slug"] == ws
        assert current["role"] == "viewer"
        code, out, _ = run("keys", "list", "-w", ws, "--json")
        assert code == 0
        (listed,) = json.loads(out)
        assert listed["prefix"] == key[:10]
        assert key not in out
        code, out, err = run("keys", "revoke", str(listed["id"]), "-w", ws)
        assert code == 0, err
        assert client.get("/api/v1/workspaces/current", headers=bearer(key)).status_code == 401


def test_keys_create_refuses_unknown_workspaces_and_roles() -> None:
    code, out, err = run("keys", "create", "--workspace", "no-such-ws", "--role", "admin")
    assert code == 1
    assert out == ""
    assert "not found" in err
    ws = slug()
    run("workspaces", "create", ws)
    code, out, err = run("keys", "create", "--workspace", ws, "--role", "root")
    assert code == 1
    assert out == ""
    code, _, err = run("keys", "revoke", str(2**70), "-w", ws)
    assert code != 0
    code, _, err = run("keys", "revoke", "999999999", "-w", ws)
    assert code == 1
    assert "not found" in err


def test_audit_tail_shows_the_changes_without_secrets() -> None:
    ws = slug()
    run("workspaces", "create", ws)
    run("users", "create", f"{ws}@example.com", "-w", ws, "--password", "tail-password")
    _, key, _ = run("keys", "create", "-w", ws, "--role", "admin")
    code, out, err = run("audit", "tail", "-w", ws, "--json")
    assert code == 0, err
    assert "workspace.created" in out
    assert "member.added" in out
    assert "api_key.created" in out
    assert key.strip() not in out
    assert "tail-password" not in out
    code, out, _ = run("audit", "tail", "-w", ws, "--limit", "1")
    assert code == 0
    assert "api_key.created" in out
    assert "workspace.created" not in out
