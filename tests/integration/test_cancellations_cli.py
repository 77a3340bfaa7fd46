"""``promodesk tiktok cancel|cancellations|cancellation|cancel-retry|cancel-undo|
cancel-recreate`` through Typer's runner against the sandbox, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.audit import service as audit
from promodesk.cli import app as cli
from promodesk.kit.db import Database
from promodesk.models import CampaignCancellation, Workspace
from promodesk.tenancy import service as tenancy
from tests.integration.cancel_support import cancel_env, drain, imported, live_campaigns
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

__all__ = ["cancel_env"]
runner = CliRunner()


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=1,
        campaigns=10,
        adgroups=12,
        ads=16,
        audiences=0,
        deleted_percent=0,
        rate_limit=False,
        stop_delay_seconds=0,
    ) as handle:
        yield handle


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield
    clikit.reset()


def test_cancel_commands(db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        with db.read() as uow:
            slug = uow.session.get(Workspace, workspace_id).slug  # type: ignore[union-attr]
        rows = live_campaigns(db, accounts[0], 3)
        ids = [r.campaign_id for r in rows]
        w = ["-w", slug]

        missing = runner.invoke(
            cli, ["tiktok", "cancel", *ids, "--action", "pause", "--reason", "nope", *w]
        )
        assert missing.exit_code == 1
        assert "reason_code is one of" in missing.output

        asked = runner.invoke(
            cli,
            ["tiktok", "cancel", *ids[:2], "--action", "delete", "--reason", "budget", *w],
            input="n\n",
        )
        assert asked.exit_code == 1
        assert "Delete is final" in asked.output
        assert "Total USD: 2 object(s)" in asked.output

        done = runner.invoke(
            cli,
            ["tiktok", "cancel", ",".join(ids[:2]), "--action", "pause", "--reason",
             "poor_performance", "--note", "CPA too high", "--yes", "--json", *w],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        data = json.loads(done.stdout)
        assert data["status"] == "done"
        assert data["item_count"] == 2
        assert {i["status"] for i in data["items"]} == {"done"}

        text = runner.invoke(
            cli,
            ["tiktok", "cancel", ids[2], "--action", "delete", "--reason", "other",
             "--note", "client asked", "--yes", *w],
        )  # fmt: skip
        assert text.exit_code == 0, text.output
        assert "frees" in text.output
        drain(db, workspace_id)

        log = runner.invoke(cli, ["tiktok", "cancellations", "--json", *w])
        assert log.exit_code == 0, log.output
        assert [c["reason_code"] for c in json.loads(log.stdout)] == ["other", "poor_performance"]

        one = runner.invoke(cli, ["tiktok", "cancellation", str(data["id"]), *w])
        assert one.exit_code == 0, one.output
        assert "verified" in one.output

        retry = runner.invoke(cli, ["tiktok", "cancel-retry", str(data["id"]), *w])
        assert retry.exit_code == 1
        assert "cannot go from done" in retry.output or "already done" in retry.output

        item_id = data["items"][0]["id"]
        undo = runner.invoke(cli, ["tiktok", "cancel-undo", str(item_id), *w])
        assert undo.exit_code == 0, undo.output
        assert "switched on again" in undo.output

        deleted = json.loads(log.stdout)[0]
        shown = runner.invoke(cli, ["tiktok", "cancellation", str(deleted["id"]), "--json", *w])
        deleted_item = json.loads(shown.stdout)["items"][0]["id"]
        made = runner.invoke(cli, ["tiktok", "cancel-recreate", str(deleted_item), "--json", *w])
        assert made.exit_code == 0, made.output
        assert json.loads(made.stdout)["recreated_object_id"]


def test_the_cli_names_people_as_the_console_does(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    cancel_env.setattr(clikit.console, "width", 200)  # a wide terminal: a table row per line
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        with db.transaction() as uow:
            workspace = uow.session.get(Workspace, workspace_id)
            assert workspace is not None
            slug = workspace.slug
            user = tenancy.create_user(
                uow, "ada@example.com", "long-enough-password", workspace=workspace,
                role="operator", name="Ada Lovelace", actor="test",
            )  # fmt: skip
            actor = f"user:{user.id}"
        ids = [r.campaign_id for r in live_campaigns(db, accounts[0], 1)]
        w = ["-w", slug]
        done = runner.invoke(
            cli,
            ["tiktok", "cancel", *ids, "--action", "pause", "--reason", "budget", "--yes",
             "--json", *w],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        cancellation = json.loads(done.stdout)["id"]
        with db.transaction() as uow:  # as if Ada had cancelled it in the console
            row = uow.session.get(CampaignCancellation, cancellation)
            assert row is not None
            row.created_by = actor
            audit.record(
                uow, workspace_id=workspace_id, actor=actor, action="campaign.cancel.test",
                object_type="campaign_cancellation", object_id=cancellation,
            )  # fmt: skip
        person = "Ada Lovelace <ada@example.com>"
        log = runner.invoke(cli, ["tiktok", "cancellations", *w])
        assert log.exit_code == 0, log.output
        assert person in log.output
        assert actor not in log.output
        one = runner.invoke(cli, ["tiktok", "cancellation", str(cancellation), *w])
        assert f"by {person}" in one.output
        tail = runner.invoke(cli, ["audit", "tail", *w])
        assert tail.exit_code == 0, tail.output
        line = next(x for x in tail.output.splitlines() if "campaign.cancel.test" in x)
        assert person in line
        # scripts keep the stored actor, and get the name beside it
        as_json = runner.invoke(cli, ["audit", "tail", *w, "--json"])
        events, text, at = [], as_json.stdout, 0
        decoder = json.JSONDecoder()
        while text[at:].strip():
            found, at = decoder.raw_decode(text, len(text) - len(text[at:].lstrip()))
            events.append(found)
        event = next(e for e in events if e["action"] == "campaign.cancel.test")
        assert (event["actor"], event["actor_name"]) == (actor, person)
