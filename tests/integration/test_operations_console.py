"""The operation page and its JSON as a live bar sees them: the state badge the script keeps
current, 100% only once final, "counting" while the counts have reached a total that a sync
may still grow."""

from __future__ import annotations

import json
import re
from pathlib import Path

from promodesk.kit.db import Database
from promodesk.operations import service as operations
from promodesk.tenancy import service as tenancy
from tests.integration.test_console_support import console_client, log_in, new_member


def _labels(html: str) -> dict[str, str]:
    found = re.search(r"data-state-labels='([^']*)'", html)
    assert found, "the live panel carries the state labels"
    return dict(json.loads(found.group(1)))


def test_a_growing_total_is_shown_as_counting_until_the_end(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    with db.transaction() as uow:
        op = operations.start(uow, member.workspace.id, "tiktok.sync", title="Sync campaigns")
        op_id = op.id
    client = console_client(db, tmp_path)
    log_in(client, member)

    queued = client.get(f"/operations/{op_id}").text
    assert f'data-op-state="{op_id}">Queued<' in queued
    labels = _labels(queued)
    assert labels["pending"] == "Queued"
    assert labels["running"] == "Running"
    assert labels["partial"] == "Partly failed"

    # the first stage is through: done equals the total so far, yet it is not 100%
    with db.transaction() as uow:
        operations.add_total(uow, op_id, 31)
        operations.progress(uow, op_id, done=31)
    data = client.get(f"/console/operations/{op_id}.json").json()
    assert (data["state"], data["done"], data["total"], data["percent"]) == (
        "running",
        31,
        31,
        100.0,
    )
    assert data["total_known"] is False
    assert data["bar_percent"] == 0.0
    assert data["final"] is False
    page = client.get(f"/operations/{op_id}").text
    assert "progress-counting" in page
    assert "op-counting" in page
    assert "Counting…" in page
    assert "aria-valuenow" not in page.split('class="progress')[1].split(">")[0]
    assert f'data-op-state="{op_id}">Running<' in page
    listing = client.get("/operations").text
    assert "31 · Counting…" in listing

    with db.transaction() as uow:
        operations.add_total(uow, op_id, 60)
        operations.progress(uow, op_id, done=60)
        operations.finish(uow, op_id)
    data = client.get(f"/console/operations/{op_id}.json").json()
    assert (data["total_known"], data["bar_percent"], data["final"]) == (True, 100.0, True)
    done = client.get(f"/operations/{op_id}").text
    assert "progress-counting" not in done
    assert "width: 100.0%" in done
    assert f'data-op-state="{op_id}">Succeeded<' in done


def test_a_known_total_shows_its_percentage_below_100(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    with db.transaction() as uow:
        op = operations.start(uow, member.workspace.id, "tiktok.sync", title="Sync")
        operations.add_total(uow, op, 219)  # a sync counts its lists at the start
        operations.progress(uow, op, done=31)
        op_id = op.id
    client = console_client(db, tmp_path)
    log_in(client, member)
    data = client.get(f"/console/operations/{op_id}.json").json()
    assert (data["percent"], data["bar_percent"], data["total_known"]) == (14.2, 14.2, True)
    page = client.get(f"/operations/{op_id}").text
    assert "width: 14.2%" in page
    assert 'aria-valuenow="14.2"' in page
    assert "op-counting" not in page
    assert "progress-counting" not in page


def test_the_api_says_whether_the_total_is_known(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    with db.transaction() as uow:
        key = tenancy.create_api_key(uow, member.workspace, "viewer", name="ops").plaintext
        caught_up = operations.start(uow, member.workspace.id, "tiktok.sync", title="Sync")
        operations.add_total(uow, caught_up, 1)
        operations.progress(uow, caught_up, done=1)
        sized = operations.start(uow, member.workspace.id, "test.kind", title="Two", total=2).id
    client = console_client(db, tmp_path)
    api = {"Authorization": f"Bearer {key}"}
    got = client.get(f"/api/v1/operations/{caught_up.id}", headers=api).json()
    assert (got["percent"], got["total_known"]) == (100.0, False)
    assert client.get(f"/api/v1/operations/{sized}", headers=api).json()["total_known"] is True
