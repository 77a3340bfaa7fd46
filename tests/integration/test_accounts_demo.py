"""The demo workspace gets ad accounts, client accounts and allocations; seeding twice adds
nothing; the seeded grant works against the sandbox."""

from __future__ import annotations

from promodesk.accounts.demo import seed_accounts
from promodesk.accounts.service import accounts as service
from promodesk.accounts.service import allocation
from promodesk.demo import sandbox_grant
from promodesk.kit.db import Database
from tests.conftest import make_workspace


def test_demo_seed_is_idempotent(db: Database) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        seed_accounts(uow, workspace_id, sandbox_grant)
    with db.transaction() as uow:
        seed_accounts(uow, workspace_id, sandbox_grant)
        accounts = service.list_ad_accounts(uow, workspace_id)
        assert len(accounts) == 3
        assert all(a["name"] and a["authorization_status"] == "active" for a in accounts)
        allocated = [a for a in accounts if a["allocations"]]
        assert len(allocated) == 2
        by_account = allocation.allocations_by_account(
            uow, workspace_id, [a["id"] for a in accounts]
        )
        assert sum(len(v) for v in by_account.values()) == 3
