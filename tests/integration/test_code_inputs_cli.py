"""``promodesk promote`` takes country and currency codes (any case), and refuses a name with
one line naming it and the code meant, never storing a wrong code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit.db import Database
from tests.conftest import make_workspace

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


def create(ws: str, handle: str, region: str) -> tuple[int, str, str]:
    args = ["promote", "creators", "create", handle, "--birth-date", "1992-03-14"]
    result = runner.invoke(cli, [*args, "--region", region, "-w", ws, "--json"])
    return result.exit_code, result.stdout, result.stderr


def test_a_region_name_is_refused_and_a_code_in_any_case_is_taken(db: Database) -> None:
    ws = make_workspace(db).slug
    code, _out, err = create(ws, "ayu", "Indonesia")
    assert code == 1
    assert '"Indonesia" is not a country code; did you mean ID?' in " ".join(err.split())
    code, out, err = create(ws, "ayu", "id")
    assert code == 0, err
    assert json.loads(out)["region"] == "ID"


def test_a_recharge_currency_name_is_refused(db: Database) -> None:
    ws = make_workspace(db).slug
    _code, out, _err = create(ws, "ayu", "ID")
    creator = str(json.loads(out)["id"])
    args = ["promote", "recharge", "create", creator, "--coins", "500", "--method", "dana"]
    result = runner.invoke(cli, [*args, "--currency", "Rupiah", "-w", ws])
    assert result.exit_code == 1
    assert '"Rupiah" is not a currency code; did you mean IDR?' in " ".join(result.stderr.split())
