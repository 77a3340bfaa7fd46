"""Stock to zero for several enrollments at once, on both databases: the service (each item on
its own: codes with activity and product ids, savepoints, delist jobs), the API
(``POST /enrollments/stock-zero``: validation, roles, other workspaces) and the CLI
(``promodesk shop stock-zero 1 2 3 --json``, exit 1 when one failed); plus the remediation
lists (compensations of a product, announcements of a shop) over the API and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

import promodesk.shop.jobs  # noqa: F401  (registers the shop handlers)
from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import Job
from promodesk.shop.service import alternatives, catalog, stock_zero
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service.product_plan import DELIST_JOB
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration import shop_factories as f
from tests.integration.promote_factories import drain

V = "/api/v1/shop"
runner = CliRunner()


@pytest.fixture(autouse=True)
def frozen() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(f.NOW)
    previous = clock.set_clock(fc)
    yield fc
    clock.set_clock(previous)


def _states(db: Database, workspace_id: int, ids: list[int]) -> list[str]:
    with db.transaction() as uow:
        return [catalog.get_enrollment(uow, workspace_id, i).state for i in ids]


def test_each_enrollment_succeeds_or_fails_on_its_own(
    db: Database, frozen: clock.FrozenClock
) -> None:
    workspace_id = new_workspace(db).id
    shop, activity, ids = f.setup(db, workspace_id, 6)
    with db.transaction() as uow:
        pending = f.enrolled(uow, workspace_id, activity.id, shop.id, 1, state="pending_review")[
            0
        ].id
        frozen_act = f.activity(uow, workspace_id, immutable=True, name="不可变")
        fixed = f.enrolled(uow, workspace_id, frozen_act.id, shop.id, 1)[0].id
        alternatives.stock_to_zero(uow, workspace_id, ids[5], actor="t")
    other_ws = new_workspace(db).id
    _s, _a, foreign = f.setup(db, other_ws, 1)

    picked = [ids[0], ids[1], ids[0], pending, fixed, ids[5], foreign[0], 2**62]
    with db.transaction() as uow:
        result = stock_zero.stock_to_zero_many(uow, workspace_id, picked, actor="user:1")
    assert (result["done"], result["failed"]) == (2, 5)
    by_id = {i["enrollment_id"]: i for i in result["items"]}
    assert [i["enrollment_id"] for i in result["items"]] == list(dict.fromkeys(picked))
    assert by_id[ids[0]]["ok"]
    assert by_id[ids[0]]["state"] == "stock_zeroed"
    assert by_id[ids[0]]["delist_at"] == f.NOW + timedelta(minutes=activity.delist_delay_minutes)
    assert by_id[pending]["code"] == "NOT_STOCK_ZEROABLE"
    assert by_id[fixed]["code"] == "ACTIVITY_IMMUTABLE"
    assert (by_id[fixed]["activity_id"], by_id[fixed]["shop_id"]) == (frozen_act.id, shop.id)
    assert by_id[fixed]["product_id"] is not None
    assert by_id[ids[5]]["code"] == "ALREADY_STOCK_ZEROED"
    assert by_id[foreign[0]]["code"] == "ENROLLMENT_NOT_FOUND"  # another workspace's
    assert by_id[foreign[0]]["activity_id"] is None
    assert by_id[2**62]["code"] == "ENROLLMENT_NOT_FOUND"
    assert _states(db, workspace_id, [ids[0], ids[1], pending, fixed]) == [
        "stock_zeroed", "stock_zeroed", "pending_review", "approved",
    ]  # fmt: skip
    assert _states(db, other_ws, foreign) == ["approved"]

    # the delist jobs: one per stock-zeroed enrollment, run after the delay
    with db.transaction() as uow:
        jobs = uow.session.execute(
            select(Job).where(Job.workspace_id == workspace_id, Job.name == DELIST_JOB)
        ).scalars()
        assert sorted(j.payload["enrollment_id"] for j in jobs) == sorted([ids[0], ids[1], ids[5]])
    frozen.advance(timedelta(minutes=activity.delist_delay_minutes, seconds=1))
    drain(db, workspace_id)
    assert _states(db, workspace_id, [ids[0], ids[1]]) == ["delisted", "delisted"]


def test_the_check_changes_nothing_and_bad_selections_are_refused(db: Database) -> None:
    workspace_id = new_workspace(db).id
    _shop, _activity, ids = f.setup(db, workspace_id, 5)
    with db.transaction() as uow:
        items = stock_zero.check(uow, workspace_id, ids[:2])
        assert [i["ok"] for i in items] == [True, True]
        from promodesk.kit.errors import ValidationFailed

        with pytest.raises(ValidationFailed):
            stock_zero.check(uow, workspace_id, [])
        with pytest.raises(ValidationFailed):
            stock_zero.check(uow, workspace_id, list(range(1, 1002)))
    assert _states(db, workspace_id, ids[:2]) == ["approved", "approved"]


def test_the_api(db: Database, tmp_path: Path) -> None:
    workspace = new_workspace(db, "sz")
    workspace_id = workspace.id
    shop, _activity, ids = f.setup(db, workspace_id, 6)
    operator, viewer = new_key(db, workspace, "operator"), new_key(db, workspace, "viewer")
    with TestClient(make_app(db, tmp_path), raise_server_exceptions=False) as c:
        url = f"{V}/enrollments/stock-zero"
        r = c.post(url, json={"enrollment_ids": [ids[0], ids[1]]}, headers=bearer(viewer))
        assert r.status_code == 403
        r = c.post(url, json={"enrollment_ids": [ids[0], ids[1], 999]}, headers=bearer(operator))
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["done"], body["failed"]) == (2, 1)
        assert body["items"][2] == {
            "enrollment_id": 999, "activity_id": None, "shop_id": None, "product_id": None,
            "state": None, "ok": False, "code": "ENROLLMENT_NOT_FOUND",
            "detail": "no such enrollment", "delist_at": None,
            "breaks_other_activity": False, "enrollments": [],
        }  # fmt: skip
        assert body["items"][0]["delist_at"].startswith("2026-09-21T04:00")
        bad: dict[str, Any]
        for bad in ({}, {"enrollment_ids": []}, {"enrollment_ids": ["x"]},
                    {"enrollment_ids": [0]}, {"enrollment_ids": list(range(1, 1002))}):  # fmt: skip
            r = c.post(url, json=bad, headers=bearer(operator))
            assert r.status_code == 422, (bad, r.text)
        # the single-enrollment route is still there
        r = c.post(f"{V}/enrollments/{ids[2]}/stock-zero", headers=bearer(operator))
        assert r.json()["state"] == "stock_zeroed"

        # remediation lists
        with db.transaction() as uow:
            product_id = catalog.get_enrollment(uow, workspace_id, ids[0]).product_id
            shops_service.add_followers(uow, workspace_id, product_id, ["a", "b"])
        r = c.post(
            f"{V}/products/{product_id}/compensation",
            json={"value_minor": 500, "valid_days": 7},
            headers=bearer(operator),
        )
        assert r.status_code == 201
        listed = c.get(f"{V}/products/{product_id}/compensation", headers=bearer(viewer)).json()
        assert [(x["issued"], x["created_by"]) for x in listed] == [(2, r.json()["created_by"])]
        c.post(
            f"{V}/shops/{shop.id}/announcements",
            json={"title": "公告", "product_ids": [product_id]},
            headers=bearer(operator),
        )
        notes = c.get(f"{V}/shops/{shop.id}/announcements", headers=bearer(viewer)).json()
        assert [(n["title"], n["product_ids"]) for n in notes] == [("公告", [product_id])]


@pytest.fixture
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


def _cli(*args: str) -> tuple[int, Any, str]:
    result = runner.invoke(cli, ["shop", *args])
    out: Any = result.stdout
    if "--json" in args and result.stdout.strip():
        out = json.loads(result.stdout)
    return result.exit_code, out, result.stderr


@pytest.mark.usefixtures("cli_env")
def test_the_cli(db: Database) -> None:
    workspace = new_workspace(db, "szcli")
    workspace_id = workspace.id
    w = ("-w", workspace.slug)
    shop, activity, ids = f.setup(db, workspace_id, 6)
    with db.transaction() as uow:
        pending = f.enrolled(uow, workspace_id, activity.id, shop.id, 1, state="pending_review")[
            0
        ].id

    code, data, _ = _cli("stock-zero", str(ids[0]), str(ids[1]), *w, "--json")
    assert code == 0
    assert (data["done"], data["failed"]) == (2, 0)
    assert [i["state"] for i in data["items"]] == ["stock_zeroed", "stock_zeroed"]

    code, data, _ = _cli("stock-zero", str(ids[2]), str(pending), str(ids[0]), *w, "--json")
    assert code == 1  # one or more failed; the others are done
    assert [i["code"] for i in data["items"]] == [
        None,
        "NOT_STOCK_ZEROABLE",
        "ALREADY_STOCK_ZEROED",
    ]
    assert data["items"][1]["activity_id"] == activity.id

    code, text, _ = _cli("stock-zero", str(ids[3]), str(pending), *w)
    assert code == 1
    assert "NOT_STOCK_ZEROABLE" in text
    assert "1 stock-zeroed, 1 failed" in text
    code, _, err = _cli("stock-zero", "abc", *w)
    assert code != 0
    assert _states(db, workspace_id, ids[:4]) == ["stock_zeroed"] * 4

    with db.transaction() as uow:
        product_id = catalog.get_enrollment(uow, workspace_id, ids[0]).product_id
        shops_service.add_followers(uow, workspace_id, product_id, ["f1", "f2", "f3"])
    code, data, _ = _cli("compensate", str(product_id), "--value-minor", "800", *w, "--json")
    assert (code, data["issued"]) == (0, 3)
    code, data, _ = _cli("compensations", str(product_id), *w, "--json")
    assert [(c["issued"], c["value_minor"]) for c in data] == [(3, 800)]
    code, data, _ = _cli("announce", str(shop.id), "--title", "暂停", "--products",
                         str(product_id), *w, "--json")  # fmt: skip
    assert code == 0
    code, data, _ = _cli("announcements", str(shop.id), *w, "--json")
    assert [(a["title"], a["product_ids"]) for a in data] == [("暂停", [product_id])]
    code, _, err = _cli("announcements", "999999999", *w)
    assert code == 1
    assert "NotFound" in err
