"""The demo seed's promote data: orders in every state, seeding twice adds nothing, and the
ledger check stays clean (on a fresh SQLite database and a fresh PostgreSQL database)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from promodesk.demo import DEMO_SLUG, seed
from promodesk.kit.db import Database
from promodesk.ledger.check import check_ledger
from promodesk.models import PromoteOrder
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import invoices as invoices_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service.wallet import wallet_view
from promodesk.settings import get_settings
from promodesk.tenancy.repository import TenancyRepository
from tests.conftest import own_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        with own_database(request.param, "demo", folder=tmp_path) as db:
            yield db
    finally:
        get_settings.cache_clear()


def snapshot(db: Database) -> dict[str, object]:
    with db.transaction() as uow:
        workspace = TenancyRepository(uow).workspace_by_slug(DEMO_SLUG)
        assert workspace is not None
        creators = creators_service.list_creators(uow, workspace.id, limit=100)
        orders = orders_service.list_orders(uow, workspace.id, limit=100)
        return {
            "creators": sorted((c.handle, c.region, c.device_os) for c in creators),
            "orders": Counter(o.status for o in orders),
            "settled": sorted(o.id for o in orders if o.settlement_status == "settled"),
            "invoices": len(invoices_service.list_invoices(uow, workspace.id, limit=100)),
            "wallets": [wallet_view(uow, workspace.id, c.id).balance for c in creators],
            "ledger_ok": check_ledger(uow).ok,
            "hours": len(
                orders_service.hourly_series(uow, workspace.id, _delivering_video(orders))
            ),
        }


def _delivering_video(orders: list[PromoteOrder]) -> int:
    return next(o.id for o in orders if o.status == "delivering" and o.content_kind == "video")


def test_demo_seed_shows_promote_in_every_state_and_is_idempotent(fresh_db: Database) -> None:
    with fresh_db.transaction() as uow:
        assert seed(uow).created
    first = snapshot(fresh_db)
    assert first["creators"] == [
        ("ayu.jakarta", "ID", "android"), ("maya.fit", "US", "android"),
        ("oliver.makes", "GB", "ios"),
    ]  # fmt: skip
    assert first["orders"] == Counter(
        {"delivering": 2, "in_review": 1, "completed": 1, "stopped": 1, "rejected": 1}
    )
    assert len(first["settled"]) == 3  # type: ignore[arg-type]
    assert first["invoices"] == 3
    assert first["ledger_ok"] is True
    assert first["hours"] >= 5  # type: ignore[operator]
    with fresh_db.transaction() as uow:
        assert not seed(uow).created
    assert snapshot(fresh_db) == first
