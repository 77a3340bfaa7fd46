"""The demo workspace that ``make run`` seeds when the database is empty."""

from __future__ import annotations

from dataclasses import dataclass

from promodesk.kit.db import UnitOfWork
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
    """Create the demo workspace with an owner login, unless it exists already."""
    repo = TenancyRepository(uow)
    if repo.workspace_by_slug(DEMO_SLUG) is not None:
        return DemoInfo(False, DEMO_EMAIL, DEMO_PASSWORD)
    ws = tenancy.create_workspace(uow, DEMO_SLUG, "Demo agency", actor="demo")
    tenancy.create_user(
        uow, DEMO_EMAIL, DEMO_PASSWORD, name="Demo owner", workspace=ws, role="owner", actor="demo"
    )
    return DemoInfo(True, DEMO_EMAIL, DEMO_PASSWORD)
