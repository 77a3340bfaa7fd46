"""Helpers for the console tests (no tests here): an app per test, members, logging in."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from promodesk.app import create_app
from promodesk.kit.db import Database
from promodesk.kit.jobs import service as jobs
from promodesk.models import Job, Workspace
from promodesk.settings import Settings
from promodesk.tenancy import service as tenancy

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_client(db: Database, data_dir: Path, **settings: Any) -> TestClient:
    s = Settings(
        database_url=db.url, data_dir=data_dir, secret_key="console-test-secret", **settings
    )
    return TestClient(create_app(s, db=db))


def new_workspace(db: Database, prefix: str = "con") -> Workspace:
    with db.transaction() as uow:
        return tenancy.create_workspace(uow, f"{prefix}-{uuid.uuid4().hex[:10]}", "Console test")


@dataclass(frozen=True)
class Member:
    workspace: Workspace
    email: str
    role: str


def new_member(db: Database, role: str = "owner", workspace: Workspace | None = None) -> Member:
    ws = workspace or new_workspace(db)
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    with db.transaction() as uow:
        tenancy.create_user(uow, email, PASSWORD, workspace=ws, role=role, actor="test")
    return Member(ws, email, role)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(client: TestClient, member: Member, password: str = PASSWORD) -> str:
    """Log in through the form; return the session's CSRF token (from the dashboard)."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": member.email, "password": password, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    return csrf_of(dashboard.text)


def post_form(client: TestClient, url: str, data: dict[str, str], csrf: str) -> str:
    """POST a console form with its CSRF token; it must redirect (303): return where to."""
    response = client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def refused_form(client: TestClient, url: str, data: dict[str, str], csrf: str) -> str:
    """POST a console form that is refused: the answer is the form's page again (400, 409 or
    422, never a redirect); return the text of its messages (summary and beside the fields)."""
    response = client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)
    assert response.status_code in (400, 409, 422), (response.status_code, response.text)
    assert "location" not in response.headers
    parts = re.findall(r'<div class="form-errors"[^>]*>(.*?)</div>', response.text, re.S)
    parts += re.findall(r'<span class="field-error"[^>]*>([^<]*)</span>', response.text)
    parts += re.findall(r'<section class="panel error-panel">(.*?)</section>', response.text, re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", p) for p in parts))


def flashes_at(client: TestClient, location: str) -> str:
    """The flash messages the page at `location` shows, joined by spaces."""
    page = client.get(location)
    assert page.status_code == 200, page.text
    return " ".join(re.findall(r'class="flash flash-\w+">([^<]*)<', page.text))


def dead_job(db: Database, workspace: Workspace, error: str = "RuntimeError: boom") -> int:
    """A job that failed on every attempt (as the worker leaves it)."""
    with db.transaction() as uow:
        job = jobs.enqueue(uow, "console.test", {"n": 1}, workspace_id=workspace.id)
        row = uow.session.get(Job, job.id)
        assert row is not None
        row.status = "dead"
        row.attempts = row.max_attempts
        row.last_error = error
        return job.id


def job_status(db: Database, job_id: int) -> str:
    with db.transaction() as uow:
        row = uow.session.get(Job, job_id)
        assert row is not None
        return row.status
