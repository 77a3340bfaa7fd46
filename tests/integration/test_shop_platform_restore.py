"""Restore from a snapshot for a linked shop, from the API and from ``promodesk shop restore``
(both databases, the shop sandbox over real HTTP): the answer names the platform write that
puts the cancelled product back in its activity, and that write is verified there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import promodesk.shop.jobs  # noqa: F401  (registers the shop handlers)
from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit.db import Database
from promodesk.shop.service.platform_sync import steps
from tests.api_support import HANG_GUARD, bearer, live_server, make_app, new_key, new_workspace
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain
from tests.integration.test_shop_platform_actions import (
    cancel_now,
    enrollments,
    ongoing,
    snapshot_of,
)
from tests.shop_platform_support import link_shop, sandbox_platform

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


def test_restore_from_the_api_and_the_cli_reaches_the_platform(
    db: Database, tmp_path: Path
) -> None:
    with sandbox_platform(shops=1, products=30, activities=6, enrollments=8) as sb:
        workspace = new_workspace(db, "restore")
        ws = workspace.id
        with db.transaction() as uow:
            shop_id = f.shop(uow, ws).id
        link_shop(db, ws, shop_id, sb)
        with db.transaction() as uow:
            steps.start_sync(uow, ws, shop_id, actor="test")
        drain(db, ws)
        target = ongoing(sb, kind="FIXED_PRICE")
        rows = enrollments(db, shop_id, target.id)
        batch_id = cancel_now(db, ws, [rows[0][1], rows[1][1]])
        drain(db, ws)
        by_api, by_cli = (snapshot_of(db, ws, batch_id, r[1]) for r in rows[:2])
        key = new_key(db, workspace, "operator")
        with live_server(make_app(db, tmp_path)) as base:
            answer = httpx.post(
                f"{base}/api/v1/shop/snapshots/{by_api}/restore",
                headers=bearer(key),
                timeout=HANG_GUARD,
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["state"] == "live"
            assert body["platform_write"] == f"restore:snapshot:{by_api}"
            drain(db, ws)
            progress = httpx.get(
                f"{base}/api/v1/shop/platform/writes",
                params={"key": body["platform_write"]},
                headers=bearer(key),
                timeout=HANG_GUARD,
            ).json()
        assert progress["done"]
        assert progress["counts"]["verified"] == 1
        assert rows[0][3] in target.products
        result = runner.invoke(
            cli, ["shop", "restore", str(by_cli), "-w", workspace.slug, "--json"]
        )
        assert result.exit_code == 0, result.stderr + result.stdout
        data = json.loads(result.stdout)
        assert data["platform_write"] == f"restore:snapshot:{by_cli}"
        drain(db, ws)
        shown = runner.invoke(
            cli,
            ["shop", "platform", "writes", data["platform_write"], "-w", workspace.slug, "--json"],
        )
        assert shown.exit_code == 0, shown.stderr + shown.stdout
        assert json.loads(shown.stdout)["counts"]["verified"] == 1
        assert rows[1][3] in target.products
        text = runner.invoke(cli, ["shop", "restore", str(by_cli), "-w", workspace.slug])
        assert text.exit_code == 1  # restored once only
