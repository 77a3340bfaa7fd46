"""The campaign list at agency scale: search, status words, sorts walked page by page in both
directions, refusals of unknown values, on SQLite and PostgreSQL (service, API and CLI)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.campaigns.domain.campaigns import STATUS_RANK, ListStatus, status_of
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.campaigns.service import campaigns as service
from promodesk.cli import app
from promodesk.kit.db import Database
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.pagination import encode_cursor
from promodesk.models import TikTokCampaign, Workspace
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.accounts_factories import (
    make_ad_account,
    make_advertiser,
    make_client,
    make_grant,
)

# (name, operation status, secondary status, deleted, vanished, budget, modify time)
ROWS: list[tuple[str, str, str, bool, bool, int, str]] = [
    ("Spring sale", "ENABLE", "CAMPAIGN_STATUS_ENABLE", False, False, 5000, "2026-01-03 10:00:00"),
    (
        "spring Teaser",
        "DISABLE",
        "CAMPAIGN_STATUS_DISABLE",
        False,
        False,
        5000,
        "2026-01-01 09:00:00",
    ),
    ("Autumn", "ENABLE", "CAMPAIGN_STATUS_BUDGET_EXCEED", False, False, 100, "2026-01-02 08:00:00"),
    ("Winter_50%", "ENABLE", "CAMPAIGN_STATUS_DELETE", True, False, 0, "2026-01-02 08:00:00"),
    ("Gone", "ENABLE", "CAMPAIGN_STATUS_ENABLE", False, True, 7000, "2025-12-31 23:59:59"),
    ("same", "ENABLE", "", False, False, 100, "2026-01-05 00:00:00"),
    ("SAME", "DISABLE", "CAMPAIGN_STATUS_DISABLE", False, False, 100, "2026-01-05 00:00:00"),
    ("Same", "ENABLE", "CAMPAIGN_STATUS_REVIEW_DISAPPROVED", False, False, 9000, "2026-01-04"),
    ("Zeta", "ENABLE", "ADVERTISER_ACCOUNT_PUNISH", False, False, 9000, "2026-01-04"),
    ("alpha", "ENABLE", "CAMPAIGN_STATUS_ENABLE", False, False, 0, "2026-01-06 12:00:00"),
    ("Beta", "DELETE", "CAMPAIGN_STATUS_DELETE", False, False, 250, "2026-01-06 12:00:00"),
]
SORTS = ["name", "id", "budget", "status", "last_change"]


def _seed(db: Database, workspace: Workspace) -> dict[str, Any]:
    """Two ad accounts, the ``ROWS`` campaigns on them in turn, the first one allocated."""
    with db.transaction() as uow:
        grant = make_grant(uow, workspace.id)
        accounts = [
            make_ad_account(uow, workspace.id, grant, name=f"Account {n}", advertiser_id=f"70{n}")
            for n in (1, 2)
        ]
        client = make_client(uow, workspace.id, "Acme")
        advertiser = make_advertiser(uow, workspace.id, client, "Acme Shoes")
        ids = []
        for n, (name, op, sec, deleted, vanished, budget, modified) in enumerate(ROWS):
            row = TikTokCampaign(
                workspace_id=workspace.id,
                ad_account_id=accounts[n % 2],
                campaign_id=f"18000000{n:02d}",
                name=name,
                operation_status=op,
                secondary_status=sec,
                deleted=deleted,
                vanished=vanished,
                budget_mode="BUDGET_MODE_DAY",
                budget_minor=budget,
                modify_time=modified,
                raw={},
            )
            uow.session.add(row)
            uow.flush()
            ids.append(row.id)
    with db.transaction() as uow:
        accounts_alloc.allocate(
            uow, workspace.id, accounts[0], client_account_id=client, advertiser_id=advertiser
        )
        camp_alloc.allocate_campaigns(
            uow,
            workspace.id,
            accounts[0],
            client_account_id=client,
            advertiser_id=advertiser,
            campaign_ids=[ids[0]],
        )
    return {"ids": ids, "accounts": accounts}


def _expected(ids: list[int], sort: str) -> list[int]:
    def status(n: int) -> int:
        _, op, sec, deleted, vanished, _, _ = ROWS[n]
        return STATUS_RANK[status_of(op, sec, deleted, vanished)]

    keys: dict[str, Callable[[int], Any]] = {
        "name": lambda n: ROWS[n][0].lower(),
        "id": lambda n: 0,
        "budget": lambda n: ROWS[n][5],
        "status": status,
        "last_change": lambda n: ROWS[n][6],
    }
    key = keys[sort.removeprefix("-")]
    order = sorted(range(len(ROWS)), key=lambda n: (key(n), ids[n]))
    if sort.startswith("-"):
        order.reverse()
    return [ids[n] for n in order]


def _walk(db: Database, workspace_id: int, limit: int, **kw: Any) -> tuple[list[int], list[str]]:
    """Every page forward; then back from the last page with ``prev_cursor``, which must give
    the same pages in reverse."""
    pages: list[list[int]] = []
    cursors: list[str] = []
    cursor = None
    while True:
        with db.read() as uow:
            page = service.campaign_page(uow, workspace_id, cursor=cursor, limit=limit, **kw)
        pages.append([i["id"] for i in page["items"]])
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
        cursors.append(cursor)
    back = page["prev_cursor"]
    walked_back = [pages[-1]]
    while back is not None:
        with db.read() as uow:
            page = service.campaign_page(uow, workspace_id, cursor=back, limit=limit, **kw)
        walked_back.append([i["id"] for i in page["items"]])
        back = page["prev_cursor"]
    assert walked_back == list(reversed(pages))
    assert all(len(p) == limit for p in pages[:-1])
    assert pages[-1]
    return [i for p in pages for i in p], cursors


@pytest.mark.parametrize("sort", SORTS + [f"-{s}" for s in SORTS])
def test_each_sort_walks_every_row_once_in_order(db: Database, sort: str) -> None:
    workspace = new_workspace(db)
    ids = _seed(db, workspace)["ids"]
    for limit in (3, 4, len(ROWS)):
        walked, _ = _walk(db, workspace.id, limit, sort=sort)
        assert walked == _expected(ids, sort), (sort, limit)


def test_search_by_name_or_id(db: Database) -> None:
    workspace = new_workspace(db)
    ids = _seed(db, workspace)["ids"]

    def found(text: str) -> list[int]:
        with db.read() as uow:
            items = service.campaign_page(uow, workspace.id, search=text)["items"]
        return [i["id"] for i in items]

    assert found("SPRING") == [ids[0], ids[1]]  # any case, substring
    assert found("  ring ") == [ids[0], ids[1]]
    assert found("50%") == [ids[3]]  # LIKE wildcards are plain characters
    assert found("_") == [ids[3]]
    assert found("1800000002") == [ids[2]]  # TikTok's id, exactly
    assert found("180000000") == []  # not a part of an id
    own = str(ids[4])  # promodesk's id (and any name holding those digits)
    assert found(own) == sorted([ids[4]] + [ids[n] for n, r in enumerate(ROWS) if own in r[0]])
    assert found("") == found("   ") == sorted(ids)
    assert found("nothing like it") == []
    with db.read() as uow, pytest.raises(ValidationFailed) as info:
        service.campaign_page(uow, workspace.id, search="x" * 201)
    assert info.value.field == "search"
    with db.read() as uow, pytest.raises(ValidationFailed) as info:
        service.campaign_page(uow, workspace.id, search="a\x00b")
    assert info.value.field == "search"


def test_each_status_word(db: Database) -> None:
    workspace = new_workspace(db)
    ids = _seed(db, workspace)["ids"]

    def listed(word: str) -> list[dict[str, Any]]:
        with db.read() as uow:
            return list(service.campaign_page(uow, workspace.id, status=word)["items"])

    expected = {
        ListStatus.ACTIVE: [0, 5, 9],
        ListStatus.PAUSED: [1, 6],
        ListStatus.DELETED: [3, 4, 10],
        ListStatus.NOT_DELIVERING: [2, 7, 8],
    }
    for word, rows in expected.items():
        items = listed(word.value)
        assert [i["id"] for i in items] == [ids[n] for n in rows], word
        assert {i["status"] for i in items} == {word.value}
    assert listed("Not delivering") == listed("NOT-DELIVERING") == listed("not_delivering")
    reasons = {i["name"]: i["status_reason"] for i in listed("not_delivering")}
    assert reasons == {
        "Autumn": "CAMPAIGN_STATUS_BUDGET_EXCEED",
        "Same": "CAMPAIGN_STATUS_REVIEW_DISAPPROVED",
        "Zeta": "ADVERTISER_ACCOUNT_PUNISH",
    }
    assert all(i["status_reason"] is None for i in listed("active"))
    # filters, search and sort together, still paged correctly
    walked, _ = _walk(db, workspace.id, 1, status="active", search="a", sort="-name")
    assert walked == [ids[0], ids[5], ids[9]]


def test_columns_of_account_client_and_advertiser(db: Database) -> None:
    workspace = new_workspace(db)
    seeded = _seed(db, workspace)
    with db.read() as uow:
        items = service.campaign_page(uow, workspace.id, limit=2)["items"]
    first, second = items
    assert (first["ad_account_name"], first["ad_account_advertiser_id"]) == ("Account 1", "701")
    assert first["allocation"]["client_account_name"] == "Acme"
    assert first["allocation"]["advertiser_name"] == "Acme Shoes"
    assert (second["ad_account_id"], second["ad_account_name"]) == (
        seeded["accounts"][1],
        "Account 2",
    )
    assert second["allocation"] is None


def test_unknown_values_and_foreign_cursors_are_refused(db: Database) -> None:
    workspace = new_workspace(db)
    _seed(db, workspace)
    with db.read() as uow:
        name_cursor = service.campaign_page(uow, workspace.id, sort="name", limit=2)["next_cursor"]
    bad: list[tuple[dict[str, Any], str]] = [
        ({"status": "running"}, "status"),
        ({"status": "ENABLE"}, "status"),
        ({"sort": "spent"}, "sort"),
        ({"sort": "--name"}, "sort"),
        ({"sort": "-name", "cursor": name_cursor}, "cursor"),
        ({"sort": "budget", "cursor": name_cursor}, "cursor"),
        ({"sort": "id", "cursor": name_cursor}, "cursor"),
        (
            {"sort": "budget", "cursor": encode_cursor({"sort": "budget", "after": 1, "key": "9"})},
            "cursor",
        ),
        (
            {
                "sort": "budget",
                "cursor": encode_cursor({"sort": "budget", "after": 1, "key": 2**70}),
            },
            "cursor",
        ),
        ({"sort": "name", "cursor": encode_cursor({"sort": "name", "after": 1})}, "cursor"),
        ({"cursor": encode_cursor({"sort": "id", "after": 1, "back": "yes"})}, "cursor"),
        (
            {"sort": "name", "cursor": encode_cursor({"sort": "name", "after": 1, "key": "a\x00"})},
            "cursor",
        ),
    ]
    for kw, field in bad:
        with db.read() as uow, pytest.raises(ValidationFailed) as info:
            service.campaign_page(uow, workspace.id, **kw)
        assert info.value.field == field, kw
    # a cursor of the id listing made before sorts existed still reads
    with db.read() as uow:
        page = service.campaign_page(uow, workspace.id, cursor=encode_cursor({"after": 1}))
    assert page["items"]


def test_over_http(db: Database, tmp_path: Path) -> None:
    workspace = new_workspace(db)
    ids = _seed(db, workspace)["ids"]
    with TestClient(make_app(db, tmp_path)) as client:
        client.headers.update(bearer(new_key(db, workspace, "viewer")))
        seen: list[int] = []
        params: dict[str, Any] = {"sort": "-budget", "limit": 4}
        while True:
            body = client.get("/api/v1/campaigns", params=params).json()
            seen += [i["id"] for i in body["items"]]
            if body["next_cursor"] is None:
                break
            params["cursor"] = body["next_cursor"]
        assert seen == _expected(ids, "-budget")
        paused = client.get("/api/v1/campaigns", params={"status": "paused"}).json()
        assert [i["id"] for i in paused["items"]] == [ids[1], ids[6]]
        assert paused["prev_cursor"] is None
        for refused_params, field in (
            ({"status": "stopped"}, "status"),
            ({"sort": "spent"}, "sort"),
            ({"search": "a\x00"}, "search"),
            ({"sort": "name", "cursor": params["cursor"]}, "cursor"),
        ):
            refused = client.get("/api/v1/campaigns", params=refused_params)
            assert refused.status_code == 422, refused_params
            assert refused.json()["field"] == field


def test_cli_list_json(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    workspace = new_workspace(db)
    ids = _seed(db, workspace)["ids"]
    runner = CliRunner()
    args = ["tiktok", "campaigns", "--workspace", workspace.slug, "--json"]
    result = runner.invoke(
        app, [*args, "--search", "same", "--status", "not delivering", "--sort", "-name"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [i["id"] for i in body["items"]] == [ids[7]]
    assert body["items"][0]["status_reason"] == "CAMPAIGN_STATUS_REVIEW_DISAPPROVED"
    walked: list[int] = []
    cursor: list[str] = []
    while True:
        result = runner.invoke(app, [*args, "--sort", "last_change", "--limit", "5", *cursor])
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        walked += [i["id"] for i in body["items"]]
        if body["next_cursor"] is None:
            break
        cursor = ["--cursor", body["next_cursor"]]
    assert walked == _expected(ids, "last_change")
    refused = runner.invoke(app, [*args, "--status", "running"])
    assert refused.exit_code != 0
    assert "status" in refused.output
    clikit.reset()
