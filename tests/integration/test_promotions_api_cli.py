"""The promotions index and product links over HTTP and on the command line: the same answers,
the same refusals, exports as files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app
from promodesk.kit.db import Database
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.promotions_support import Seeded, seed


def _cli(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    return CliRunner()


def _run(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_api_and_cli_answer_the_same(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = new_workspace(db)
    s: Seeded = seed(db, ws.id)
    key = new_key(db, ws, "operator")
    runner = _cli(db, monkeypatch, tmp_path)
    with TestClient(make_app(db, tmp_path)) as client:
        h = bearer(key)
        params: dict[str, Any] = {"channel": ["tiktok_ads", "shop"], "status": "live,scheduled"}
        api = client.get("/api/v1/promotions", params={**params, "sort": "name"}, headers=h)
        assert api.status_code == 200, api.text
        cli = _run(
            runner,
            *("promotions", "list", "-w", ws.slug, "--json", "--sort", "name"),
            *("--channel", "tiktok_ads", "--channel", "shop", "--status", "live,scheduled"),
        )
        assert cli == api.json()
        refs = [i["ref"] for i in cli["items"]]
        assert f"campaign:{s.campaigns['Spring sale']}" in refs
        assert f"promote_order:{s.order}" not in refs
        assert cli["totals"]["count"] == len(refs)

        # Pages walked with cursors, on both.
        walked: list[str] = []
        cursor: str | None = None
        while True:
            q: dict[str, Any] = {"sort": "-spend", "limit": 4}
            if cursor:
                q["cursor"] = cursor
            body = client.get("/api/v1/promotions", params=q, headers=h).json()
            walked += [i["ref"] for i in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert len(walked) == len(set(walked)) == 12

        # Unknown values: a 422 naming the field, and a CLI error; never a wider list.
        for bad, field in (
            ({"status": "running"}, "status"),
            ({"channel": "meta"}, "channel"),
            ({"owner": "brand:1"}, "owner"),
            ({"sort": "status"}, "sort"),
            ({"format": "pdf"}, "format"),
            ({"cursor": "nonsense"}, "cursor"),
        ):
            r = client.get("/api/v1/promotions", params=bad, headers=h)
            assert r.status_code == 422, bad
            assert r.json()["field"] == field
        refused = runner.invoke(app, ["promotions", "list", "-w", ws.slug, "--status", "running"])
        assert refused.exit_code != 0
        assert "status" in refused.output

        # Export: every row, then the total rows.
        r = client.get("/api/v1/promotions", params={"format": "csv"}, headers=h)
        assert r.status_code == 200
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0][0] == "Promotion"
        assert (
            len(rows) == 1 + 12 + 2
        )  # header, rows, totals of COIN and USD (the shop has no money)
        target = tmp_path / "promotions.xlsx"
        result = runner.invoke(app, ["promotions", "list", "-w", ws.slug, "--export", str(target)])
        assert result.exit_code == 0, result.output
        assert target.read_bytes()[:2] == b"PK"

        # Links by hand: API and CLI, with the product's page on both.
        product = s.products[2]
        made = client.post(
            "/api/v1/promotions/links",
            json={"product_id": product, "target": f"campaign:{s.campaigns['Other']}"},
            headers=h,
        )
        assert made.status_code == 201, made.text
        assert made.json()["source"] == "manual"
        linked = _run(
            runner,
            "promotions",
            "link",
            str(product),
            f"ad:{s.ads['Plain ad']}",
            "-w",
            ws.slug,
            "--json",
        )
        assert linked["target"] == f"ad:{s.ads['Plain ad']}"
        page = client.get(f"/api/v1/promotions/products/{product}", headers=h)
        assert page.status_code == 200
        assert page.json() == _run(
            runner, "promotions", "product", str(product), "-w", ws.slug, "--json"
        )
        assert {i["ref"] for i in page.json()["items"]} >= {
            f"campaign:{s.campaigns['Other']}",
            f"ad:{s.ads['Plain ad']}",
            f"shop_enrollment:{s.enrollments[2]}",
        }
        unlink = {"product_id": product, "target": f"ad:{s.ads['Plain ad']}"}
        gone = client.delete("/api/v1/promotions/links", params=unlink, headers=h)
        assert gone.status_code == 200
        again = client.delete("/api/v1/promotions/links", params=unlink, headers=h)
        assert again.status_code == 404
        assert client.get("/api/v1/promotions/products/99999999", headers=h).status_code == 404
        bad_target = client.post(
            "/api/v1/promotions/links", json={"product_id": product, "target": "x"}, headers=h
        )
        assert (bad_target.status_code, bad_target.json()["field"]) == (422, "target")

        # The automatic pass, on both.
        auto = client.post("/api/v1/promotions/links/auto", json={}, headers=h)
        assert auto.json() == {"scanned": 2, "added": 1, "removed": 0}
        assert _run(runner, "promotions", "autolink", "-w", ws.slug, "--json") == {
            "scanned": 2,
            "added": 0,
            "removed": 0,
        }

        # A viewer reads but does not link.
        viewer = bearer(new_key(db, ws, "viewer"))
        assert client.get("/api/v1/promotions", headers=viewer).status_code == 200
        denied = client.post(
            "/api/v1/promotions/links",
            json={"product_id": product, "target": f"campaign:{s.campaigns['Old']}"},
            headers=viewer,
        )
        assert denied.status_code == 403
    clikit.reset()
