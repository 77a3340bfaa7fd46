"""The app starts, migrates and answers health on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from promodesk.app import create_app
from promodesk.kit.db import Database
from promodesk.settings import Settings


def test_healthz(db: Database, tmp_path: object) -> None:
    settings = Settings(database_url=db.url, data_dir=str(tmp_path))
    with TestClient(create_app(settings, db=db)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] is True
