"""``promodesk shop …`` through Typer's runner on both databases: list, preview (dry run), the
stage-aware cancel (inline, refused with the rule and alternatives, as a batch under a progress
bar, in the low-traffic window and called off), snapshots with export and restore, the
alternatives, the review with its CSV, and errors as one line with exit code 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import promodesk.shop.jobs  # noqa: F401  (registers the shop handlers)
from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.shop.service import catalog
from tests.conftest import make_workspace
from tests.integration import shop_factories as f

runner = CliRunner()


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    previous = clock.set_clock(clock.FrozenClock(f.NOW))  # 12:00 in Shanghai
    yield
    clock.set_clock(previous)
    clikit.reset()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["shop", *args])
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> Any:
    code, out, err = run(*args, "--json")
    assert code == 0, err + out
    return json.loads(out)


def _products(db: Database, workspace_id: int, ids: list[int]) -> list[int]:
    with db.transaction() as uow:
        return [catalog.get_enrollment(uow, workspace_id, i).product_id for i in ids]


def test_the_cancel_journey_from_the_cli(db: Database, tmp_path: Path) -> None:
    workspace = make_workspace(db)
    w = ("-w", workspace.slug)
    shop, activity, ids = f.setup(db, workspace.id, 10)
    products = _products(db, workspace.id, ids)
    a = str(activity.id)

    rows = ok("list", "--activity", a, *w)
    assert [r["id"] for r in rows] == ids
    assert {r["state"] for r in rows} == {"approved"}
    assert len(ok("activities", *w)) == 1

    # the dry run: 3 of 10 is at the 30 % threshold, nothing changes
    view = ok("cancel", "-a", a, "-p", ",".join(map(str, products[:3])), "-r", "plan_change",
              "--dry-run", *w)  # fmt: skip
    assert (view["cancellable"], view["offers_cancelled"], view["ok"]) == (3, 6, True)
    assert view["groups"][0]["timing"]["in_window_now"] is False
    assert {r["state"] for r in ok("list", "-a", a, *w)} == {"approved"}

    # the preview of one over says REFUSED and exits 3, so a script can stop there
    code, out, _ = run("preview", "-a", a, "-p", ",".join(map(str, products[:4])), "--json", *w)
    assert code == 3
    assert json.loads(out)["groups"][0]["verdict"]["ok"] is False
    assert run("preview", "-a", a, "-p", ",".join(map(str, products[:3])), *w)[0] == 0

    # one over: refused with the rule, the numbers and the alternatives; exit 1
    code, out, _ = run("cancel", "-a", a, "-p", ",".join(map(str, products[:4])),
                       "-r", "plan_change", "--json", *w)  # fmt: skip
    assert code == 1
    body = json.loads(out)
    assert body["error"] == "GuardrailViolation"
    assert body["violations"][0]["verdict"]["violations"][0]["rule"] == "max_cancel_ratio"
    assert "stock_to_zero" in body["alternatives"]
    code, _, err = run("cancel", "-a", a, "-p", ",".join(map(str, products[:4])),
                       "-r", "plan_change", *w)  # fmt: skip
    assert code == 1
    assert "max_cancel_ratio" in err
    assert "stock_to_zero" in err
    assert "--force" in err

    # two now (inline, all or nothing): cascade and snapshots
    done = ok("cancel", "-a", a, "-p", f"{products[0]},{products[1]}", "-r", "stock_shortage", *w)
    assert (done["status"], done["done"], done["failed"]) == ("done", 2, 0)
    assert len(ok("list", "--state", "removed", *w)) == 2
    snaps = ok("snapshots", "--batch", str(done["id"]), *w)
    assert len(snaps) == 2

    # a CSV of product ids, as a batch driven here under a progress bar (the human output)
    csv_file = tmp_path / "ids.csv"
    csv_file.write_text(f"{products[2]},{products[3]},abc\n")
    code, _, err = run("preview", "-a", a, "--products-csv", str(csv_file), *w)
    assert code != 0
    assert "'abc' is not a product id" in err  # refused, never dropped
    csv_file.write_text(f"product_id\n{products[2]}\n")
    code, out, err = run("cancel", "-a", a, "--products-csv", str(csv_file), "-r", "other",
                         "--reason-text", "supplier", "--batch", *w)  # fmt: skip
    assert code == 0, err
    assert "done 1" in out
    assert "failed 0" in out
    batches = ok("batches", *w)
    assert [b["mode"] for b in batches][:2] == ["batch", "now"]
    shown = ok("batch", str(batches[0]["id"]), *w)
    assert [i["status"] for i in shown["items"]] == ["done"]

    # restore the first cancel from its snapshot: back to approved, the ratio frees a slot
    snap = snaps[0]
    exported = tmp_path / "snap.json"
    code, _, err = run("snapshot", str(snap["id"]), "--out", str(exported), *w)
    assert code == 0, err
    assert json.loads(exported.read_text())["enrollment"]["state"] == "approved"
    restored = ok("restore", str(snap["id"]), *w)
    assert restored["state"] == "approved"
    code, _, err = run("restore", str(snap["id"]), *w)
    assert code == 1
    assert "Conflict" in err

    # in the window: scheduled for 01:00 in Shanghai, then called off
    scheduled = ok("cancel", "-a", a, "-p", str(products[5]), "-r", "plan_change",
                   "--in-window", *w)  # fmt: skip
    assert scheduled[0]["status"] == "scheduled"
    assert scheduled[0]["run_at_local"] == "2026-09-21 01:00 Asia/Shanghai"
    off = ok("call-off", str(scheduled[0]["id"]), *w)
    assert off["status"] == "cancelled"

    # the alternatives: stock to zero (delist job), restock brings the stage back
    zeroed = ok("stock-zero", str(ids[6]), *w)
    assert zeroed["done"] == 1
    assert zeroed["items"][0]["state"] == "stock_zeroed"
    code, _, err = run("restock", str(products[6]), "--stock", "99999999999", *w)
    assert code != 0
    assert "at most 1,000,000" in err
    back = ok("restock", str(products[6]), "--stock", "40", *w)
    assert back["enrollments_restored"] == 1
    presale = ok("presale", str(ids[7]), "--shipping-days", "10", *w)
    assert presale["presale"] is True
    assert presale["shipping_days"] == 10

    # the review and its CSV
    review_csv = tmp_path / "review.csv"
    data = ok("review", "-a", a, "--shop", str(shop.id), "--csv", str(review_csv), *w)
    assert data["cancellations_by_reason"] == {"other": 1, "stock_shortage": 1}
    assert data["cancelled"] == 2
    assert review_csv.read_text(encoding="utf-8-sig").startswith("Section,Item,Figure")


def test_replace_from_the_cli_previews_asks_and_is_undone(db: Database) -> None:
    workspace = make_workspace(db)
    w = ("-w", workspace.slug)
    with db.transaction() as uow:
        s = f.shop(uow, workspace.id)
        a = f.activity(uow, workspace.id, started=True)
        old = f.product(uow, workspace.id, s.id, price_minor=13800)
        new = f.product(uow, workspace.id, s.id, title="月饼礼盒 188", price_minor=18800)
        e = catalog.enroll(uow, workspace.id, a.id, old.id, activity_price_minor=11730,
                                   activity_stock=5, ignore_registration_window=True)  # fmt: skip
        catalog.review(uow, workspace.id, e.id, approve=True)
    args = ("replace", str(e.id), "--product", str(new.id))
    view = ok(*args, "--preview", *w)
    assert view["new"]["activity_price_minor"] == 15980
    assert view["state_after"] == "pending_review"
    code, out, _ = run(*args, "--preview", *w)
    assert code == 0
    assert "159.80 CNY" in out
    assert "15.00 %" in out
    code, out, err = run(*args, "--price", "188.01", "--preview", *w)
    assert code == 1
    assert "above" in err
    # without --yes it asks; "n" changes nothing
    refused = runner.invoke(cli, ["shop", *args, *w], input="n\n")
    assert refused.exit_code == 1
    assert {r["state"] for r in ok("list", "-a", str(a.id), *w)} == {"live"}
    done = ok(*args, "--price", "169.20", "--yes", *w)
    assert done["activity_price_minor"] == 16920
    snap = [x for x in ok("snapshots", "--enrollment", str(e.id), *w) if x["change"] == "replace"]
    assert ok("restore", str(snap[0]["id"]), *w)["state"] == "live"


def test_cli_errors_are_one_line(db: Database) -> None:
    workspace = make_workspace(db)
    w = ("-w", workspace.slug)
    _shop, activity, _ids = f.setup(db, workspace.id, 6)
    code, _, err = run("cancel", "-p", "abc", "-r", "plan_change", *w)
    assert code == 1
    assert "ValidationFailed" in err
    code, _, err = run("cancel", "-a", str(activity.id), "-r", "nonsense", *w)
    assert code == 1
    assert "reason" in err
    code, _, err = run("cancel", "-a", str(activity.id), "-r", "other", *w)
    assert code == 1
    assert "needs a text" in err
    code, _, err = run("batch", "999999", *w)
    assert code == 1
    assert "NotFound" in err
    code, _, err = run("review", "-a", str(activity.id), "--shop", "999999", *w)
    assert code == 1
    assert "NotFound" in err


def test_the_demo_shows_every_stage_and_is_idempotent(db: Database) -> None:
    clock.set_clock(clock.SystemClock())  # the demo is seeded around the real time
    for _ in range(2):
        result = runner.invoke(cli, ["demo"])
        assert result.exit_code == 0, result.stderr
    rows = ok("list", "--limit", "100", "-w", "demo")
    assert len(rows) == 17
    assert {r["state"] for r in rows} == {
        "live", "pending_review", "terminated", "stock_zeroed", "approved",
    }  # fmt: skip
    assert len(ok("batches", "-w", "demo")) == 1
    assert ok("verifications", "-w", "demo")[0]["passed"] is True
    result = runner.invoke(cli, ["ledger", "check"])
    assert result.exit_code == 0, result.stdout + result.stderr
