"""``promodesk promote …`` through Typer's runner on both databases: the whole journey of a
creator (recharge, coupon, order, review, simulated delivery, stop, refund, withdrawal,
invoice), ``--json`` output, and errors as one line with exit code 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit.db import Database
from promodesk.ledger.check import check_ledger
from tests.conftest import make_workspace
from tests.integration.promote_factories import drain

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["promote", *args])
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> Any:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_a_creator_journey_from_the_cli(db: Database, tmp_path: Path) -> None:
    workspace = make_workspace(db)
    w = ("-w", workspace.slug)
    creator = ok("creators", "create", "ayu", "--birth-date", "1992-03-14", "--region", "ID",
                 "--os", "android", "--account-type", "business", *w)  # fmt: skip
    cid = str(creator["id"])
    assert creator["region"] == "ID"
    video = ok("contents", "add", cid, "--title", "Batik", *w)
    assert video["commercial_music"] is True
    recharge = ok("recharge", "create", cid, "--coins", "2000", "--method", "dana", *w)
    assert recharge["status"] == "confirmed"
    pending = ok("recharge", "create", cid, "--coins", "500", "--method", "card",
                 "--mode", "pending", *w)  # fmt: skip
    assert pending["status"] == "pending"
    confirmed = ok("recharge", "confirm", str(pending["id"]), *w)
    assert (confirmed["status"], confirmed["changed"]) == ("confirmed", True)
    assert ok("recharge", "confirm", str(pending["id"]), *w)["changed"] is False
    assert len(ok("recharge", "list", "--creator", cid, *w)) == 2
    coupon = ok("coupons", "issue", cid, "--value", "300", *w)
    order = ok("orders", "place", "--creator", cid, "--content", str(video["id"]),
               "--goal", "video_views", "--budget", "1000", "--coupon", str(coupon["id"]),
               *w)  # fmt: skip
    oid = str(order["id"])
    assert (order["status"], order["paid_coins"], order["coupon_coins"]) == ("in_review", 700, 300)
    assert [o["id"] for o in ok("review-queue", *w)] == [order["id"]]
    wallet = ok("creators", "show", cid, *w)["wallet"]
    assert (wallet["balance"], wallet["held"], wallet["withdrawable"]) == (1800, 1000, 0)

    code, _, err = run("orders", "pause", oid, *w)
    assert code == 1
    assert "PauseNotSupported" in err
    assert "stop" in err

    assert ok("orders", "approve", oid, *w)["status"] == "delivering"
    sim = ok("simulate", "--seconds", "0", "--interval", "0", "--seed", "1", *w)
    assert sim["events"] > 0
    assert sim["charged_coins"] > 0
    shown = ok("orders", "show", oid, *w)
    spent = shown["spent_coins"]
    assert 0 < spent < 1000
    assert shown["results"]["views"] > 0
    assert shown["cost_per_result"] is not None
    assert sum(h["spend_coins"] for h in shown["series"]) == spent
    assert ok("orders", "list", "--status", "delivering", "--goal", "video_views",
              "--content-type", "video", *w)[0]["id"] == order["id"]  # fmt: skip
    assert ok("orders", "list", "--status", "completed", *w) == []

    stopped = ok("orders", "stop", oid, "--reason", "enough", *w)
    assert stopped["status"] == "stopped"
    drain(db, workspace.id)
    shown = ok("orders", "show", oid, *w)
    assert shown["settlement_status"] == "settled"
    # Spend drew on the coupon first: the wallet gets min(paid, budget - spent) back.
    assert shown["refunded_coins"] == min(700, 1000 - spent)
    wallet = ok("creators", "show", cid, *w)["wallet"]
    assert wallet["balance"] == 1800 + min(700, 1000 - spent)
    assert wallet["held"] == 0
    assert wallet["withdrawable"] == 0

    code, _, err = run("withdraw", cid, *w)
    assert code == 1
    assert "withdrawable" in err

    invoices = ok("invoices", "list", "--creator", cid, *w)
    assert len(invoices) == 2
    got = ok("invoices", "download", str(invoices[0]["id"]), "--out", str(tmp_path), *w)
    assert Path(got["path"]).read_bytes().startswith(b"%PDF")
    with db.transaction() as uow:
        assert check_ledger(uow).ok


def test_withdrawals_from_the_cli(db: Database) -> None:
    workspace = make_workspace(db)
    w = ("-w", workspace.slug)
    cid = str(
        ok("creators", "create", "bob", "--birth-date", "1990-01-01", "--region", "US", *w)["id"]
    )
    ok("recharge", "create", cid, "--coins", "1000", "--method", "card", *w)
    withdrawal = ok("withdraw", cid, "--coins", "400", *w)
    assert (withdrawal["status"], withdrawal["route"]) == ("requested", "original_method")
    assert ok("creators", "show", cid, *w)["wallet"]["balance"] == 600
    assert ok("withdrawals", "advance", str(withdrawal["id"]), "processing", *w)["status"] == (
        "processing"
    )
    failed = ok("withdrawals", "advance", str(withdrawal["id"]), "failed", "--reason", "bank", *w)
    assert failed["status"] == "failed"
    assert ok("creators", "show", cid, *w)["wallet"]["balance"] == 1000  # coins returned
    assert [x["status"] for x in ok("withdrawals", "list", "--creator", cid, *w)] == ["failed"]


@pytest.mark.parametrize(
    "args",
    [
        ("creators", "show", "999999"),
        ("creators", "create", "x", "--birth-date", "1990-13-01", "--region", "GB"),
        ("creators", "create", "x", "--birth-date", "1990-01-01", "--region", "ZZ"),
        ("orders", "show", "999999"),
        ("orders", "list", "--from", "yesterday"),
        ("recharge", "create", "999999", "--coins", "10", "--method", "card"),
        ("invoices", "download", "999999"),
        ("simulate", "--share", "2"),
    ],
)
def test_errors_are_one_line_and_exit_1(db: Database, args: tuple[str, ...]) -> None:
    workspace = make_workspace(db)
    code, out, err = run(*args, "-w", workspace.slug)
    assert code == 1, out
    assert "Traceback" not in err
    assert err.split(":")[0] in {"NotFound", "ValidationFailed", "Conflict"}


def test_an_unknown_workspace_is_an_error(db: Database) -> None:
    code, _, err = run("creators", "list", "-w", "no-such-workspace")
    assert code == 1
    assert "NotFound" in err


def test_tables_without_json(db: Database) -> None:
    workspace = make_workspace(db)
    code, out, _ = run("creators", "create", "tab", "--birth-date", "1990-01-01",
                       "--region", "GB", "-w", workspace.slug)  # fmt: skip
    assert code == 0
    assert "created creator @tab" in out
    code, out, _ = run("creators", "list", "-w", workspace.slug)
    assert code == 0
    assert "tab" in out
    code, out, _ = run("simulate", "-w", workspace.slug)
    assert code == 0
    assert "no order is delivering" in out


def test_the_cli_refuses_fewer_coins_than_the_minimum_charge(db: Database) -> None:
    workspace = make_workspace(db)
    w = ("-w", workspace.slug)
    cid = str(
        ok("creators", "create", "ika", "--birth-date", "1990-01-01", "--region", "ID", *w)["id"]
    )
    code, out, err = run("recharge", "create", cid, "--coins", "99", "--method", "dana", *w)
    assert code == 1, out
    assert "at least 100 coins (the minimum charge, IDR16,088)" in err
    assert ok("recharge", "list", "--creator", cid, *w) == []
    code, out, _ = run("recharge", "create", cid, "--coins", "100", "--method", "dana", *w)
    assert code == 0
    assert "100 coins for 16,088 IDR" in out
