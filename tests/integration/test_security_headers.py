"""Security headers on every response: a Content-Security-Policy that fits the console (no
inline script, no third-party origin), framing refused, no MIME sniffing, a referrer policy,
and HSTS only over HTTPS (directly, or as told by a trusted proxy)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from promodesk.app import create_app
from promodesk.console.core import HERE
from promodesk.kit.db import Database
from promodesk.settings import Settings
from tests.api_support import bearer, new_key, new_workspace
from tests.integration.test_console_support import csrf_of

HSTS = "strict-transport-security"


def client_for(
    db: Database,
    tmp_path: Path,
    base_url: str = "http://testserver",
    peer: tuple[str, int] = ("127.0.0.1", 40000),
    **extra: Any,
) -> TestClient:
    settings = Settings(database_url=db.url, data_dir=tmp_path, secret_key="x", **extra)
    app = create_app(settings, db=db)
    return TestClient(app, base_url=base_url, raise_server_exceptions=False, client=peer)


def directives(response: Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    parts = (d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def assert_common(response: Response) -> None:
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert directives(response)["frame-ancestors"] == "'none'"


def test_console_pages_get_a_strict_policy(db: Database, tmp_path: Path) -> None:
    client = client_for(db, tmp_path)
    page = client.get("/login")
    assert page.status_code == 200
    assert_common(page)
    csp = directives(page)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    # plotly.js may add an empty <style> element (filled through the CSSOM) and its map
    # library's one fixed style sheet, nothing else.
    assert csp["style-src"] == (
        "'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' "
        "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='"
    )
    assert csp["object-src"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert "unsafe-inline" not in csp["script-src"]
    assert HSTS not in page.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/api/v1/workspaces/current"),  # 401
        ("GET", "/api/v1/nope"),  # 404
        ("GET", "/static/console.css"),
        ("POST", "/login"),  # a console form without a CSRF token: 403 page
    ],
)
def test_every_response_has_the_headers(
    db: Database, tmp_path: Path, method: str, path: str
) -> None:
    response = client_for(db, tmp_path).request(method, path)
    assert_common(response)


def test_refusals_made_by_middleware_have_the_headers_too(db: Database, tmp_path: Path) -> None:
    client = client_for(db, tmp_path, max_body_bytes=1024)
    key = new_key(db, new_workspace(db), "admin")
    too_large = client.post("/api/v1/keys", content=b" " * 4096, headers=bearer(key))
    assert too_large.status_code == 413
    assert_common(too_large)
    bad_key = client.post("/api/v1/keys", json={}, headers={**bearer(key), "Idempotency-Key": ""})
    assert_common(bad_key)


def test_an_unexpected_error_answers_500_with_the_headers(db: Database, tmp_path: Path) -> None:
    """A bug that escapes every handler is answered by the outermost error middleware; the
    answer still carries the headers (and the app's error shape, nothing of the bug)."""
    client = client_for(db, tmp_path)

    @client.app.get("/boom")  # type: ignore[attr-defined, untyped-decorator]
    def boom() -> None:
        raise RuntimeError("secret detail")

    response = client.get("/boom")
    assert response.status_code == 500
    assert_common(response)
    assert response.json()["error"] == "InternalError"
    assert "secret detail" not in response.text


def test_hsts_only_over_https(db: Database, tmp_path: Path) -> None:
    direct = client_for(db, tmp_path, base_url="https://testserver").get("/login")
    assert direct.headers[HSTS].startswith("max-age=")
    # A proxy that terminated TLS says so in X-Forwarded-Proto: believed from a trusted proxy
    proxied = client_for(
        db, tmp_path, trusted_proxies=["10.0.0.0/8"], peer=("10.0.0.5", 40000)
    ).get("/login", headers={"X-Forwarded-Proto": "https"})
    assert HSTS in proxied.headers
    # ... and from nobody else.
    forged = client_for(db, tmp_path).get("/login", headers={"X-Forwarded-Proto": "https"})
    assert HSTS not in forged.headers
    off = client_for(db, tmp_path, base_url="https://testserver", hsts_seconds=0).get("/login")
    assert HSTS not in off.headers


@pytest.mark.parametrize("page", ["/api/docs", "/api/redoc"])
def test_api_docs_load_their_assets_from_the_app(db: Database, tmp_path: Path, page: str) -> None:
    """Swagger UI and ReDoc come from the app itself (no CDN: they work offline), under a
    policy that names no other origin; their inline start-up script is allowed there only."""
    client = client_for(db, tmp_path)
    docs = client.get(page)
    assert docs.status_code == 200
    assert_common(docs)
    csp = directives(docs)
    assert "http" not in docs.headers["content-security-policy"]
    assets = re.findall(r'<script src="([^"]+)"', docs.text)
    assets += re.findall(r'<link[^>]+href="([^"]+)"', docs.text)
    assert assets
    for asset in assets:
        assert asset.startswith("/"), asset  # this site, never a CDN
        assert client.get(asset).status_code == 200, asset
    assert "'unsafe-inline'" in csp["script-src"].split()  # the start-up script is inline
    # The console's strict policy is not loosened by the docs' one.
    assert "'unsafe-inline'" not in directives(client.get("/login"))["script-src"]


def test_console_templates_have_no_inline_script() -> None:
    """Inline scripts would be refused by the policy: behaviour lives in static/console.js
    (JSON data blocks are not scripts and are allowed)."""
    found = []
    for template in (HERE / "templates").rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append(f"{template.name}: {tag}")
        found += [f"{template.name}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
        if "javascript:" in text:
            found.append(f"{template.name}: javascript: URL")
    assert found == []


def test_a_console_form_round_trip_works_under_the_policy(db: Database, tmp_path: Path) -> None:
    client = client_for(db, tmp_path)
    token = csrf_of(client.get("/login").text)
    page = client.post("/login", data={"csrf_token": token, "email": "x@example.com"})
    assert page.status_code == 401
    assert_common(page)
