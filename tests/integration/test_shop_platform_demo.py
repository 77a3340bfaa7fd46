"""The demo workspace gets a shop linked to the shop sandbox's first shop, with its first sync
queued; seeding twice adds nothing; the seeded tokens and cipher work against a sandbox with
the default settings (the one ``make run`` mounts at ``/shop-sandbox``)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import promodesk.shop.jobs  # noqa: F401  (registers the platform handlers)
from promodesk.app import create_app
from promodesk.demo import shop_sandbox_grant
from promodesk.kit.db import Database
from promodesk.models import ShopActivity, ShopProduct
from promodesk.settings import get_settings
from promodesk.shop.demo import seed_platform_link
from promodesk.shop.platform import providers
from promodesk.shop.service import shops
from promodesk.shop.service.platform_links import reads
from tests.conftest import make_workspace
from tests.integration.promote_factories import drain
from tests.shop_platform_support import sandbox_platform


def test_the_demo_shop_is_linked_and_syncs_from_the_sandbox(db: Database) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        assert seed_platform_link(uow, workspace_id, shop_sandbox_grant)
    with db.transaction() as uow:
        assert not seed_platform_link(uow, workspace_id, shop_sandbox_grant)
        (link,) = reads.links(uow, workspace_id)
        assert link.status == "active"
        assert link.sync_state["status"] == "running"
        shop_id = link.shop_id
    with sandbox_platform() as sb:
        drain(db, workspace_id)
        assert link.platform_shop_id == sb.sandbox.world.shops[0].id
    with db.transaction() as uow:
        row = reads.get_link(uow, workspace_id, shop_id)
        assert row is not None
        assert row.sync_state["status"] == "done", row.sync_state
        # the platform shop is in GB: the demo shop's times are London's, named on its pages
        assert shops.get_shop(uow, workspace_id, shop_id).timezone == "Europe/London"
        products = uow.session.execute(
            select(func.count()).select_from(ShopProduct).where(ShopProduct.shop_id == shop_id)
        ).scalar_one()
        activities = uow.session.execute(
            select(func.count())
            .select_from(ShopActivity)
            .where(ShopActivity.platform_shop_id == shop_id)
        ).scalar_one()
    assert products == 40
    assert activities > 0


def test_connect_in_demo_mode_opens_the_mounted_sandbox_s_authorization_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connecting another shop in the demo opens the seller page the mounted sandbox serves
    (the platform's own page lives on its auth host, which the sandbox does not have)."""
    monkeypatch.setenv("PROMODESK_DEMO", "1")
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PROMODESK_SHOP_PLATFORM_BASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        settings = providers.tiktok_settings()
        with TestClient(create_app(get_settings())) as client:
            page = client.get(
                urlsplit(settings.authorization_page).path,
                params={"app_key": settings.app_key, "redirect_uri": "http://x/cb", "state": "s"},
            )
    finally:
        get_settings.cache_clear()
    assert settings.authorization_page.endswith("/shop-sandbox/shop-portal/authorize")
    assert page.status_code == 200
    assert "Authorize" in page.text
