"""Twelve operators reallocate the same freed-budget pool at once on PostgreSQL, each asking
for a quarter of it. Exactly four win; the others are told what is left; the pool never goes
below zero and exactly the money it held is used, once."""

from __future__ import annotations

import threading

import pytest

from promodesk.campaigns.errors import PoolTooSmall
from promodesk.campaigns.service import freed
from promodesk.campaigns.service.reallocation import plan as realloc_plan
from promodesk.campaigns.service.reallocation import start as realloc_start
from promodesk.campaigns.service.reallocation import views as realloc_views
from promodesk.kit.db import Database
from promodesk.models import TikTokCampaign
from tests.conftest import make_workspace
from tests.integration.accounts_factories import make_ad_account, make_campaign

pytestmark = pytest.mark.postgres

THREADS, POOL, SHARE = 12, 100_00, 25_00


def test_operators_racing_for_one_pool(pg_db: Database) -> None:
    db = pg_db
    ws = make_workspace(db).id
    with db.transaction() as uow:
        account = make_ad_account(uow, ws)
        campaigns = [make_campaign(uow, ws, account, name=f"C{n}") for n in range(THREADS)]
        for row_id in campaigns:
            c = uow.session.get(TikTokCampaign, row_id)
            assert c is not None
            c.budget_mode, c.budget_minor, c.operation_status = "BUDGET_MODE_DAY", 100_00, "ENABLE"
        pool = freed.pool_of(None, account, "USD")
        freed.post_freed(uow, ws, pool, POOL, "item:race", memo="race")

    won: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def operator(n: int) -> None:
        barrier.wait()
        try:
            made = realloc_start.start(
                db, ws, pool, [realloc_plan.Target(campaigns[n], "25.00")], actor=f"op{n}"
            )
            with lock:
                won.append(made)
        except PoolTooSmall as exc:
            with lock:
                refused.append(exc.detail)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=operator, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(won) == POOL // SHARE
    assert len(refused) == THREADS - len(won)
    assert all(r.startswith("only ") and "left in the pool" in r for r in refused)
    with db.read() as uow:
        state = freed.pool_state(uow, ws, pool)
        assert state is not None
        assert state.balance_minor == 0
        assert state.reallocated_minor == POOL
        totals = [realloc_views.view(uow, ws, r)["total_minor"] for r in won]
    assert sum(totals) == POOL
