"""Every CLI command, given input that names nothing or cannot be used, answers in one line
with a non-zero exit code: never a traceback. Commands that start servers are left out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit.db import Database

SERVERS = {("serve",), ("worker",), ("sandbox",), ("demo",), ("migrate",)}
LONG = {("promote", "simulate")}  # runs for a while by design; covered by its own tests
runner = CliRunner()


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(path: tuple[str, ...], command: Any) -> None:
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                walk((*path, name), sub)
        elif path not in SERVERS and path not in LONG and path[:1] not in {("sandbox",)}:
            found.append((path, command))

    walk((), typer.main.get_command(cli))
    return found


COMMANDS = _commands()


def _bad_args(command: Any) -> list[str]:
    """Every required argument and option filled with something that names nothing; a
    workspace option pointing at a workspace that does not exist."""
    args: list[str] = []
    for param in command.params:
        kind = param.param_type_name
        if kind == "argument" and param.required:
            number = param.type_descriptor.annotation is int
            args.append("999999999" if number else "nothing-here")
        elif kind == "option" and (param.required or "--workspace" in param.opts):
            name = next(o for o in param.opts if o.startswith("--"))
            args += [name, "no-such-workspace" if name == "--workspace" else "999999999"]
    return args


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    # A TikTok that cannot be reached: nothing listens on port 9 of this machine.
    monkeypatch.setenv("PROMODESK_TIKTOK_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("PROMODESK_DEBUG", raising=False)
    # A command whose argument is a file to write (a backup) writes it here, not in the checkout.
    monkeypatch.chdir(tmp_path)
    clikit.reset()
    yield
    clikit.reset()


def test_there_are_commands_to_check() -> None:
    assert len(COMMANDS) > 40


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_a_command_with_bad_input_answers_in_one_line(path: tuple[str, ...], command: Any) -> None:
    args = [*path, *_bad_args(command)]
    result = runner.invoke(cli, args, input="n\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    assert "Traceback" not in result.output, (args, result.output)


def test_a_sync_that_cannot_reach_tiktok_says_where_it_tried(db: Database) -> None:
    from tests.api_support import new_workspace
    from tests.integration import accounts_factories as accounts

    ws = new_workspace(db, "cli-sync")
    with db.transaction() as uow:
        ad_account = accounts.make_ad_account(uow, ws.id, accounts.make_grant(uow, ws.id))
    result = runner.invoke(cli, ["tiktok", "sync", str(ad_account), "-w", ws.slug, "--json"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code != 0:  # the sync may also record the failure per ad account
        assert "127.0.0.1:9" in result.output
        assert "PROMODESK_TIKTOK_BASE_URL" in result.output
