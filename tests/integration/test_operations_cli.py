"""``promodesk operations show --follow|list`` through Typer's runner: "Counting…" while a
total still grows, and a bar that never goes back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app as cli
from promodesk.kit import progress
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.progress import COUNTING, Snapshot, Tracker
from promodesk.models import Workspace
from promodesk.operations import service as operations

runner = CliRunner()
Drawn = list[tuple[float | None, str]]


@pytest.fixture(autouse=True)
def cli_env(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "120")
    clikit.reset()
    yield
    clikit.reset()


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Drawn:
    """What every bar showed: (figure or None while counting, the counts text)."""
    seen: Drawn = []
    original = Tracker.draw

    def spy(self: Tracker, snap: Snapshot) -> float | None:
        figure = original(self, snap)
        seen.append((figure, str(self.progress.tasks[0].fields["counts"])))
        return figure

    monkeypatch.setattr(Tracker, "draw", spy)
    return seen


def test_follow_counts_while_the_total_grows_and_never_goes_back(
    db: Database, workspace: Workspace, monkeypatch: pytest.MonkeyPatch, drawn: Drawn
) -> None:
    with db.transaction() as uow:
        op_id = operations.start(uow, workspace.id, "accounts.sync", title="Sync 1 account").id
    # Each pause of the bar lets the "work" take its next step, like a sync learning each
    # list's size from its first page.
    steps: list[Callable[[UnitOfWork], object]] = [
        lambda uow: operations.add_total(uow, op_id, 10),
        lambda uow: operations.progress(uow, op_id, done=8),
        lambda uow: operations.progress(uow, op_id, done=2),  # first list through: counting
        lambda uow: operations.add_total(uow, op_id, 30),  # 10/40 is less than was shown
        lambda uow: operations.progress(uow, op_id, done=28),
        lambda uow: operations.progress(uow, op_id, done=2, finish_when_complete=True),
    ]
    pending = iter(steps)

    def pause(_seconds: float) -> None:
        with db.transaction() as uow:
            next(pending)(uow)

    monkeypatch.setattr(progress, "time", SimpleNamespace(sleep=pause))
    result = runner.invoke(cli, ["operations", "show", str(op_id), "--follow"])
    assert result.exit_code == 0, result.output

    assert drawn[0] == (None, f"0 · {COUNTING}")  # pending, nothing reported
    assert drawn[1] == (0.0, "0/10")  # the first list's size is reported
    assert drawn[2] == (80.0, "8/10")
    assert drawn[3] == (None, f"10 · {COUNTING}")
    assert drawn[4] == (80.0, "10/40")  # held, not 25
    assert drawn[5] == (95.0, "38/40")
    assert drawn[6] == (100.0, "40/40")
    figures = [f for f, _ in drawn if f is not None]
    assert figures == sorted(figures)
    assert "40/40" in result.stdout
    assert "succeeded" in result.stdout


def test_show_and_list_say_counting_while_the_total_may_grow(
    db: Database, workspace: Workspace
) -> None:
    with db.transaction() as uow:
        op_id = operations.start(uow, workspace.id, "accounts.sync", title="Sync").id
        operations.add_total(uow, op_id, 31)
        operations.progress(uow, op_id, done=30, failed=1)
    shown = runner.invoke(cli, ["operations", "show", str(op_id)])
    assert shown.exit_code == 0, shown.output
    assert f"30 done, 1 failed ({COUNTING})" in shown.stdout
    listed = runner.invoke(cli, ["operations", "list", "-w", workspace.slug])
    assert "Counting" in listed.stdout
    assert "31/31" not in listed.stdout

    with db.transaction() as uow:
        operations.add_total(uow, op_id, 9)
    shown = runner.invoke(cli, ["operations", "show", str(op_id)])
    assert "30 done, 1 failed of 40 (77.5%)" in shown.stdout
