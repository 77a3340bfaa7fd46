"""SQLite under threads: readers do not wait for the writer, writers take turns in-process, and
a turn is never kept by a connection that ended without commit or rollback."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from promodesk.kit.db import Database, write_turn_free


def _db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'turns.db'}", pool_size=4)
    with db.transaction() as uow:
        uow.session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"))
        uow.session.execute(text("INSERT INTO t (id, v) VALUES (1, 0)"))
    return db


def test_a_read_does_not_wait_for_an_open_write(tmp_path: Path) -> None:
    db = _db(tmp_path)
    with db.transaction() as uow:
        uow.session.execute(text("UPDATE t SET v = 1"))
        # the write transaction holds SQLite's write lock (and this process's turn)
        with db.read() as reader:
            assert reader.session.execute(text("SELECT v FROM t")).scalar_one() == 0
    with db.read() as reader:
        assert reader.session.execute(text("SELECT v FROM t")).scalar_one() == 1
    db.dispose()


def test_writers_of_one_process_take_turns(tmp_path: Path) -> None:
    db = _db(tmp_path)
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(25):
                with db.transaction() as uow:
                    v = uow.session.execute(text("SELECT v FROM t")).scalar_one()
                    uow.session.execute(text("UPDATE t SET v = :v"), {"v": v + 1})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.read() as reader:
        assert reader.session.execute(text("SELECT v FROM t")).scalar_one() == 100
    db.dispose()


def test_a_failed_or_abandoned_transaction_gives_the_turn_back(tmp_path: Path) -> None:
    db = _db(tmp_path)
    try:
        with db.transaction() as uow:
            uow.session.execute(text("UPDATE t SET v = 5"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    session = db.session()
    session.execute(text("UPDATE t SET v = 6"))
    session.close()  # neither committed nor rolled back by the caller
    assert write_turn_free(db.engine)
    with db.transaction() as uow:
        assert uow.session.execute(text("SELECT v FROM t")).scalar_one() == 0
        assert not write_turn_free(db.engine)
    assert write_turn_free(db.engine)
    db.dispose()
