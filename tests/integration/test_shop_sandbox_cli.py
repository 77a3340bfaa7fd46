"""``promodesk shop-sandbox`` prints its test app and serves the sandbox it describes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from promodesk.cli import app as cli
from promodesk.shop_sandbox import DEFAULT_APP_KEY, DEFAULT_APP_SECRET
from tests.api_support import live_server

runner = CliRunner()


def test_defaults_are_printed_and_options_reach_the_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served: dict[str, Any] = {}

    def run(app: Any, **options: Any) -> None:
        served.update(options, app=app)

    monkeypatch.setattr(uvicorn, "run", run)
    shown = runner.invoke(cli, ["shop-sandbox", "--port", "8911"])
    assert shown.exit_code == 0, shown.output
    assert DEFAULT_APP_KEY in shown.output
    assert DEFAULT_APP_SECRET in shown.output
    assert "http://127.0.0.1:8911/shop-portal/authorize" in shown.output
    assert served["port"] == 8911

    result = runner.invoke(
        cli,
        ["shop-sandbox", "--app-key", "k1", "--app-secret", "s1", "--shops", "3", "--qps", "4"],
    )
    assert result.exit_code == 0, result.output
    with live_server(served["app"]) as base:
        info = httpx.get(f"{base}/").json()
        assert (info["app_key"], info["shops"]) == ("k1", 3)
        stats = httpx.get(f"{base}/sandbox-admin/stats").json()
        assert stats["settings"]["qps"] == 4
        query = {"app_key": "k1", "app_secret": "wrong", "auth_code": "x"}
        query["grant_type"] = "authorized_code"
        bad = httpx.get(f"{base}/api/v2/token/get", params=query).json()
        assert bad["code"] == 36009004
        assert bad["message"].startswith("Invalid app_secret")


def test_bad_options_answer_in_one_line() -> None:
    result = runner.invoke(cli, ["shop-sandbox", "--products", "5", "--enrollments", "9"])
    assert result.exit_code == 2
    assert "enrollments must be between 0 and products" in result.output
    assert "Traceback" not in result.output
