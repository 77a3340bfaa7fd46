"""Product links: automatic from ads' platform data, by hand (audited), and a product's page of
every promotion of it in every channel."""

from __future__ import annotations

import pytest

from promodesk.audit.service import list_events
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.models import TikTokAd, Workspace
from promodesk.promotions.domain.index import filters
from promodesk.promotions.domain.links import product_ids_of_ad
from promodesk.promotions.service import products as service
from promodesk.promotions.service.index import iter_promotions
from promodesk.promotions.settings import promotions_settings
from tests.conftest import make_workspace
from tests.integration import promote_factories as pf
from tests.integration.promotions_support import Seeded, seed


@pytest.fixture
def seeded(db: Database, workspace: Workspace) -> Seeded:
    return seed(db, workspace.id)


def _refs_of_product(db: Database, s: Seeded, product_id: int) -> set[str]:
    with db.read() as uow:
        page = service.promotions_of_product(uow, s.workspace_id, product_id)
    return {r.ref for r in page.items}


def test_what_an_ad_names() -> None:
    patterns = promotions_settings().product_url_patterns
    assert product_ids_of_ad(
        {"landing_page_url": "https://shop.tiktok.com/view/product/1729384756?region=US"},
        patterns,
    ) == {"1729384756": "landing_page_url"}
    assert product_ids_of_ad(
        {"landing_page_url": "https://x.example/item?sku=1&product_id=998877"}, patterns
    ) == {"998877": "landing_page_url"}
    assert product_ids_of_ad(
        {"item_group_ids": ["5551", "x"], "landing_page_urls": [{"landing_page_url": "/a"}]},
        patterns,
    ) == {"5551": "item_group_ids"}
    assert product_ids_of_ad({"landing_page_url": "https://shop.example/1/p/2"}, patterns) == {}
    assert product_ids_of_ad({"landing_page_url": None, "item_group_ids": 5}, patterns) == {}


def test_ads_are_linked_automatically_and_stay_unlinked_by_hand(
    db: Database, seeded: Seeded
) -> None:
    s = seeded
    spring_ad = f"ad:{s.ads['Spring ad']}"
    with db.transaction() as uow:
        first = service.link_ads_automatically(uow, s.workspace_id)
    assert (first.scanned, first.added, first.removed) == (2, 1, 0)
    with db.transaction() as uow:
        again = service.link_ads_automatically(uow, s.workspace_id, s.accounts[0])
    assert (again.added, again.removed) == (0, 0)
    assert spring_ad in _refs_of_product(db, s, s.products[0])
    with db.read() as uow:
        row = next(
            r for r in iter_promotions(uow, s.workspace_id, filters(kind="ad", search="spring"))
        )
    assert [(p.id, p.source) for p in row.products] == [(s.products[0], "auto")]

    # A shopping ad's product ids link it too; a landing page that changed unlinks it.
    with db.transaction() as uow:
        plain = uow.session.get(TikTokAd, s.ads["Plain ad"])
        spring = uow.session.get(TikTokAd, s.ads["Spring ad"])
        assert plain is not None
        assert spring is not None
        plain.raw = {"item_group_ids": ["5551"]}
        spring.raw = {"landing_page_url": "https://brand.example/spring"}
        result = service.link_ads_automatically(uow, s.workspace_id)
    assert (result.added, result.removed) == (1, 1)
    refs = _refs_of_product(db, s, s.products[0])
    assert f"ad:{s.ads['Plain ad']}" in refs
    assert spring_ad not in refs

    # Unlinked by hand: the next automatic pass leaves it unlinked.
    with db.transaction() as uow:
        service.unlink_product(
            uow, s.workspace_id, s.products[0], f"ad:{s.ads['Plain ad']}", actor="ann"
        )
        assert service.link_ads_automatically(uow, s.workspace_id).added == 0
    assert f"ad:{s.ads['Plain ad']}" not in _refs_of_product(db, s, s.products[0])


def test_link_and_unlink_by_hand_are_audited(db: Database, seeded: Seeded) -> None:
    s = seeded
    target = f"campaign:{s.campaigns['Other']}"
    with db.transaction() as uow:
        view = service.link_product(
            uow, s.workspace_id, s.products[2], target, actor="ann", note="hero product"
        )
        same = service.link_product(uow, s.workspace_id, s.products[2], target, actor="ann")
    assert (view.source, view.target, same.created_at) == ("manual", target, view.created_at)
    assert view.name == "Other"
    assert target in _refs_of_product(db, s, s.products[2])
    with db.read() as uow:
        page = service.promotions_of_product(uow, s.workspace_id, s.products[2])
    assert [(link.target, link.name) for link in page.links] == [(target, "Other")]
    assert {r.channel for r in page.items} == {"tiktok_ads", "shop"}
    with db.transaction() as uow:
        service.unlink_product(uow, s.workspace_id, s.products[2], target, actor="bob")
    assert target not in _refs_of_product(db, s, s.products[2])
    with db.transaction() as uow, pytest.raises(NotFound):
        service.unlink_product(uow, s.workspace_id, s.products[2], target, actor="bob")
    with db.read() as uow:
        actions = [
            (e.action, e.actor)
            for e in list_events(uow, s.workspace_id)
            if e.action.startswith("promotion.")
        ]
    assert sorted(actions) == [
        ("promotion.product_link", "ann"),
        ("promotion.product_unlink", "bob"),
    ]


def test_link_refusals(db: Database, seeded: Seeded) -> None:
    s = seeded
    other = make_workspace(db)
    with db.transaction() as uow:
        for target in ("campaign:999999", f"promote_content:{s.content}x", "video:1"):
            with pytest.raises((NotFound, ValidationFailed)):
                service.link_product(uow, s.workspace_id, s.products[0], target, actor="a")
        with pytest.raises(NotFound):  # another workspace's product
            service.link_product(
                uow, other.id, s.products[0], f"campaign:{s.campaigns['Old']}", actor="a"
            )
        with pytest.raises(ValidationFailed) as err:  # a content without an e-commerce anchor
            service.link_product(
                uow, s.workspace_id, s.products[0], f"promote_content:{s.content}", actor="a"
            )
        assert err.value.field == "target"


def test_a_promote_content_with_an_anchor_links_its_orders(db: Database, seeded: Seeded) -> None:
    s = seeded
    with db.transaction() as uow:
        content = pf.make_video(
            uow, s.workspace_id, s.creator, title="Unboxing", has_ecommerce_anchor=True
        )
        order = pf.place(uow, s.workspace_id, s.creator, content, budget_coins=800)
        service.link_product(
            uow, s.workspace_id, s.products[1], f"promote_content:{content}", actor="ann"
        )
    with db.read() as uow:
        page = service.promotions_of_product(uow, s.workspace_id, s.products[1])
    refs = {r.ref for r in page.items}
    assert refs == {
        f"promote_order:{order}",
        f"shop_activity:{s.activity}:{s.shop}",
        f"shop_enrollment:{s.enrollments[1]}",
    }
    coin = {t.currency: t for t in page.totals.by_currency}["COIN"]
    assert (coin.count, coin.budget.minor) == (1, 800)
    with db.read() as uow, pytest.raises(NotFound):
        service.promotions_of_product(uow, s.workspace_id, 10**12)
