"""The demo workspace that ``make run`` seeds when the database is empty."""

from __future__ import annotations

from dataclasses import dataclass

from promodesk.accounts.demo import seed_accounts
from promodesk.kit.db import UnitOfWork
from promodesk.notify.demo import seed_notify
from promodesk.promote.demo import seed_promote
from promodesk.shop.demo import seed_shop
from promodesk.tenancy import service as tenancy
from promodesk.tenancy.repository import TenancyRepository

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@promodesk.local"
DEMO_PASSWORD = "promodesk-demo"  # noqa: S105 (the published demo login)


@dataclass
class DemoInfo:
    created: bool
    email: str
    password: str


def seed(uow: UnitOfWork) -> DemoInfo:
    """Create the demo workspace with an owner login unless it exists, and its demo data."""
    ws = TenancyRepository(uow).workspace_by_slug(DEMO_SLUG)
    created = ws is None
    if ws is None:
        ws = tenancy.create_workspace(uow, DEMO_SLUG, "Demo agency", actor="demo")
        tenancy.create_user(
            uow, DEMO_EMAIL, DEMO_PASSWORD, name="Demo owner", workspace=ws, role="owner",
            actor="demo",
        )  # fmt: skip
    seed_promote(uow, ws.id)  # idempotent: also fills a demo workspace made before promote
    seed_notify(uow, ws.id)  # idempotent: the outbox's demo messages
    seed_shop(uow, ws.id)  # idempotent
    seed_accounts(uow, ws.id)  # idempotent
    return DemoInfo(created, DEMO_EMAIL, DEMO_PASSWORD)
