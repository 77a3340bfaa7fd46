"""``report_sync.run`` (the CLI's ``--wait``, benchmarks) writes a step again when the database
was busy, with the same prefetched pages, and gives up after a few busy tries."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from promodesk.campaigns.service.report_sync import write as sync_write
from promodesk.kit.db import Database


def _busy() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))


def test_a_busy_write_is_tried_again_with_the_same_pages(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched = [object(), object()]
    written: list[Any] = []

    def prefetch(db: Database, operation_id: int, *, max_pages: int | None = None) -> Any:
        return fetched[len({id(w) for w in written})]

    def step(uow: Any, operation_id: int, pages: Any, *, last_attempt: bool = False) -> bool:
        written.append(pages)
        if len(written) in (1, 2):
            raise _busy()
        return len(written) == 4

    monkeypatch.setattr(sync_write, "prefetch", prefetch)
    monkeypatch.setattr(sync_write, "step", step)
    sync_write.run(db, 1)
    assert written == [fetched[0], fetched[0], fetched[0], fetched[1]]


def test_a_database_busy_for_long_fails_the_run(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def step(uow: Any, operation_id: int, pages: Any, *, last_attempt: bool = False) -> bool:
        calls.append(1)
        raise _busy()

    monkeypatch.setattr(sync_write, "prefetch", lambda *a, **k: object())
    monkeypatch.setattr(sync_write, "step", step)
    with pytest.raises(OperationalError):
        sync_write.run(db, 1)
    assert len(calls) == sync_write.RUN_BUSY_ATTEMPTS
