"""``promodesk shop platform …`` against the shop sandbox (both databases): the authorization
URL, link (a choice between two shops printed with a pending authorization), pick by cipher,
status without tokens, a sync followed to the end, and refusals as one line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import promodesk.shop.jobs  # noqa: F401  (registers the shop handlers)
from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit.db import Database
from tests.conftest import make_workspace
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain
from tests.shop_platform_support import CALLBACK, approve, sandbox_platform

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["shop", "platform", *args])
    return result.exit_code, result.stdout, result.stderr


def test_connect_and_sync_from_the_shell(db: Database) -> None:
    ws = make_workspace(db)
    with db.transaction() as uow:
        shop_id = str(f.shop(uow, ws.id).id)
    with sandbox_platform(shops=2, products=6, activities=2, enrollments=3, coupons=1) as sb:
        code, out, err = run("authorize-url", shop_id, "--redirect-uri", CALLBACK, "-w", ws.slug)
        assert code == 0, err
        url = out.replace("\n", "").strip()
        auth_code, state = approve(url)
        code, out, err = run("link", shop_id, "--state", state, "--code", auth_code, "-w", ws.slug)
        assert code == 2, err + out
        pending = re.search(r"PENDING=(\S+)", out.replace("\n", ""))
        assert pending is not None
        assert sb.cipher(1) in out.replace("\n", "")
        code, out, err = run(
            "pick", shop_id, "--cipher", sb.cipher(1), "--pending", pending.group(1),
            "-w", ws.slug, "--json",
        )  # fmt: skip
        assert code == 0, err + out
        assert json.loads(out)["status"] == "active"
        code, out, err = run("sync", shop_id, "-w", ws.slug, "--json")
        assert code == 0, err
        drain(db, ws.id)
        code, out, err = run("status", "-w", ws.slug, "--json")
        rows = json.loads(out)
        assert rows[0]["platform_shop_id"] == sb.sandbox.world.shops[1].id
        assert rows[0]["synced_at"]
        assert rows[0]["sync_state"]["status"] == "done"
        assert "token" not in out.replace("access_expires_at", "").replace("refresh_expires", "")
        code, out, err = run("sync", "999999", "-w", ws.slug)
        assert code == 1
        assert "NotFound" in err
