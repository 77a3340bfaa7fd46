"""The demo's product promoted in every channel: seeding links the shop demo's first product
to a campaign, an ad and a Promote content; seeding twice adds nothing."""

from __future__ import annotations

from promodesk.kit.db import Database
from promodesk.promote.demo import seed_promote
from promodesk.promotions.demo import seed_promotions
from promodesk.promotions.service.products import promotions_of_product
from promodesk.shop.demo import seed_shop
from tests.conftest import make_workspace
from tests.integration.promotions_support import seed


def test_demo_links_a_product_in_every_channel(db: Database) -> None:
    workspace_id = make_workspace(db).id
    s = seed(db, workspace_id)  # campaigns and ads as a sync leaves them
    with db.transaction() as uow:
        seed_shop(uow, workspace_id)
        seed_promote(uow, workspace_id)
        assert seed_promotions(uow, workspace_id)
    with db.transaction() as uow:
        assert not seed_promotions(uow, workspace_id)
        page = promotions_of_product(uow, workspace_id, s.products[0])
    assert {r.channel.value for r in page.items} >= {"tiktok_ads", "shop"}
    assert {link.target.split(":")[0] for link in page.links} >= {"campaign", "ad"}
