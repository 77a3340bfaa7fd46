"""Automatic product links after a real sync: the sandbox's ads carry a landing page URL and
shopping product ids (wire fields), the sync keeps them, and the link job it enqueues links the
ads to the shop products they name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

import promodesk.promotions.jobs  # noqa: F401  (registers the link job)
from promodesk.kit.db import Database
from promodesk.kit.jobs import registry
from promodesk.models import Job, TikTokAd
from promodesk.promotions.domain.links import LINK_JOB
from promodesk.promotions.service.products import promotions_of_product
from tests.integration import shop_factories as sf
from tests.integration.test_tiktok_sync import _import, _run
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(accounts=1, campaigns=2, adgroups=2, ads=3, audiences=1) as handle:
        yield handle


def test_a_sync_links_ads_to_the_products_they_name(db: Database, sb: SandboxHandle) -> None:
    world = sb.sandbox.world
    with world.lock:
        group = 0
        by_url = world.create(
            "ad",
            0,
            group,
            {
                "ad_name": "Mooncake hero",
                "ad_format": "SINGLE_VIDEO",
                "ad_text": "Buy",
                "video_id": "v1",
                "landing_page_url": "https://shop.tiktok.com/view/product/1729000000001?region=US",
            },
        )
        by_ids = world.create(
            "ad",
            0,
            group,
            {
                "ad_name": "Shopping ad",
                "ad_format": "SINGLE_VIDEO",
                "ad_text": "Buy",
                "video_id": "v2",
                "item_group_ids": ["1729000000002"],
            },
        )
    with wired(sb, page_size=50):
        workspace_id, accounts = _import(db, sb)
        with db.transaction() as uow:
            shop = sf.shop(uow, workspace_id)
            hero = sf.product(uow, workspace_id, shop.id, title="hero")
            boxed = sf.product(uow, workspace_id, shop.id, title="boxed")
            hero.platform_product_id, boxed.platform_product_id = "1729000000001", "1729000000002"
        run = _run(db, workspace_id, accounts[0])
        assert run.status == "succeeded", run.errors
    with db.transaction() as uow:
        ads = {
            a.name: a
            for a in uow.session.execute(
                select(TikTokAd).where(TikTokAd.workspace_id == workspace_id)
            ).scalars()
        }
        assert ads["Shopping ad"].raw["item_group_ids"] == ["1729000000002"]
        job = uow.session.execute(
            select(Job).where(Job.name == LINK_JOB, Job.workspace_id == workspace_id)
        ).scalar_one()
        assert job.payload == {"workspace_id": workspace_id, "ad_account_id": accounts[0]}
    assert by_url != by_ids
    handler = registry.get(LINK_JOB)
    assert handler is not None
    with db.transaction() as uow:
        handler(_Context(uow, job.payload))  # type: ignore[arg-type]
    with db.read() as uow:
        hero_page = promotions_of_product(uow, workspace_id, hero.id)
        boxed_page = promotions_of_product(uow, workspace_id, boxed.id)
    assert [r.name for r in hero_page.items] == ["Mooncake hero"]
    assert [r.name for r in boxed_page.items] == ["Shopping ad"]
    assert [(link.source, link.evidence) for link in boxed_page.links] == [
        ("auto", "item_group_ids")
    ]


class _Context:
    """What a job handler reads of its context."""

    def __init__(self, uow: object, payload: dict[str, object]) -> None:
        self.uow = uow
        self.payload = payload
