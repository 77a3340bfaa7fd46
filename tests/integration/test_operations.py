"""Operations on SQLite and PostgreSQL: the reporting API, final states, parallel reporters."""

from __future__ import annotations

import threading

import pytest

from promodesk.kit.db import Database
from promodesk.kit.errors import InvalidTransition, NotFound, ValidationFailed
from promodesk.models import Workspace
from promodesk.operations import service as operations
from promodesk.operations.domain import MAX_ERRORS_KEPT
from tests.conftest import make_workspace


def test_report_progress_then_finish_by_the_counts(db: Database, workspace: Workspace) -> None:
    with db.transaction() as uow:
        op = operations.start(uow, workspace.id, "test.sync", title="Sync 3 accounts")
        assert op.state == "pending"
        assert op.total == 0
        op = operations.set_total(uow, op, 3)
        assert op.state == "running"
    with db.transaction() as uow:
        operations.progress(uow, op.id, done=2)
        op = operations.progress(
            uow, op, failed=1, errors=[{"item": "acct 3", "error": "token expired"}]
        )
        assert (op.done, op.failed, op.errors) == (
            2,
            1,
            [{"item": "acct 3", "error": "token expired"}],
        )
        assert operations.finish(uow, op) is True
    with db.transaction() as uow:
        shown = operations.as_dict(operations.get(uow, workspace.id, op.id))
    assert shown["state"] == "partial"
    assert shown["percent"] == 100.0
    assert shown["finished_at"] is not None


@pytest.mark.parametrize(
    ("done", "failed", "state"), [(3, 0, "succeeded"), (0, 3, "failed"), (1, 2, "partial")]
)
def test_final_state_follows_the_counts(
    db: Database, workspace: Workspace, done: int, failed: int, state: str
) -> None:
    with db.transaction() as uow:
        op = operations.start(uow, workspace.id, "test", total=3)
        operations.progress(uow, op, done=done, failed=failed, finish_when_complete=True)
        assert operations.get(uow, workspace.id, op.id).state == state


def test_a_final_state_never_changes(db: Database, workspace: Workspace) -> None:
    with db.transaction() as uow:
        op = operations.start(uow, workspace.id, "test", total=5)
        with pytest.raises(ValidationFailed):
            operations.finish(uow, op, state="running")
        assert operations.finish(uow, op, state="cancelled", result={"why": "asked"}) is True
        assert operations.finish(uow, op, state="succeeded") is False
        with pytest.raises(InvalidTransition):
            operations.cancel(uow, workspace.id, op.id)
        op = operations.progress(uow, op, done=1)  # late reports count but do not reopen it
        assert (op.state, op.done, op.result) == ("cancelled", 1, {"why": "asked"})
        assert operations.is_cancelled(uow, op.id)


def test_other_workspace_cannot_see_an_operation(db: Database, workspace: Workspace) -> None:
    other = make_workspace(db)
    with db.transaction() as uow:
        op = operations.start(uow, workspace.id, "test")
    with db.transaction() as uow:
        with pytest.raises(NotFound):
            operations.get(uow, other.id, op.id)
        with pytest.raises(NotFound):
            operations.cancel(uow, other.id, op.id)
        assert operations.list_ops(uow, other.id) == []
        assert [o.id for o in operations.list_ops(uow, workspace.id)] == [op.id]


def test_bad_counts_are_refused(db: Database, workspace: Workspace) -> None:
    with db.transaction() as uow:
        with pytest.raises(ValidationFailed):
            operations.start(uow, workspace.id, "test", total=-1)
        op = operations.start(uow, workspace.id, "test")
        with pytest.raises(ValidationFailed):
            operations.progress(uow, op, done=-1)


def test_errors_are_kept_up_to_the_cap(db: Database, workspace: Workspace) -> None:
    with db.transaction() as uow:
        op = operations.start(uow, workspace.id, "test", total=MAX_ERRORS_KEPT + 10)
        for i in range(MAX_ERRORS_KEPT + 10):
            operations.progress(uow, op, failed=1, errors=[{"item": i}])
        op = operations.get(uow, workspace.id, op.id)
    assert op.failed == MAX_ERRORS_KEPT + 10
    assert len(op.errors) == MAX_ERRORS_KEPT
    assert op.errors[0] == {"item": 0}


def test_parallel_reporters_count_every_item_and_finish_once(
    db: Database, workspace: Workspace
) -> None:
    threads_n, per_thread = 8, 25
    with db.transaction() as uow:
        op = operations.start(uow, workspace.id, "test.parallel", total=threads_n * per_thread)
    finished: list[bool] = []
    barrier = threading.Barrier(threads_n)

    def report(t: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            with db.transaction() as uow:
                failed = i % 5 == 0
                fresh = operations.progress(
                    uow,
                    op.id,
                    done=0 if failed else 1,
                    failed=1 if failed else 0,
                    errors=[{"thread": t, "item": i}] if failed else None,
                    finish_when_complete=True,
                )
                if fresh.state != "running":
                    finished.append(True)

    threads = [threading.Thread(target=report, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    with db.transaction() as uow:
        final = operations.get(uow, workspace.id, op.id)
    assert (final.done, final.failed) == (threads_n * 20, threads_n * 5)
    assert len(final.errors) == threads_n * 5
    assert final.state == "partial"
    assert finished == [True]  # exactly one reporter saw the operation complete
