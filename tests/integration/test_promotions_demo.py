"""The demo's product promoted in every channel: seeding links the shop demo's first product
to a campaign, an ad and a Promote content; seeding twice adds nothing. ``promodesk demo``
runs before the server's first sync has imported any campaign, so what it cannot link yet is
linked by a job once the sync has brought the campaigns and ads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

import promodesk.promotions.jobs  # noqa: F401  (registers the demo links job)
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import Job, PromotionProductLink
from promodesk.promote.demo import seed_promote
from promodesk.promotions.demo import DEMO_LINKS_JOB, seed_promotions
from promodesk.promotions.service.products import promotions_of_product, unlink_product
from promodesk.shop.demo import seed_shop
from tests.conftest import make_workspace
from tests.integration.promotions_support import seed


def _kinds(db: Database, workspace_id: int) -> list[str]:
    """What the demo linked by hand (not the ads' automatic links)."""
    with db.read() as uow:
        return sorted(
            uow.session.scalars(
                select(PromotionProductLink.target_kind).where(
                    PromotionProductLink.workspace_id == workspace_id,
                    PromotionProductLink.created_by == "demo",
                    PromotionProductLink.removed_at.is_(None),
                )
            )
        )


def _demo_jobs(db: Database, workspace_id: int) -> list[str]:
    with db.read() as uow:
        return list(
            uow.session.scalars(
                select(Job.status).where(
                    Job.workspace_id == workspace_id, Job.name == DEMO_LINKS_JOB
                )
            )
        )


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
    assert _demo_jobs(db, workspace_id) == []  # nothing left to wait for


def test_demo_before_the_first_sync_links_the_ads_once_they_arrive(db: Database) -> None:
    workspace_id = make_workspace(db).id
    with db.transaction() as uow:
        seed_shop(uow, workspace_id)
        seed_promote(uow, workspace_id)
        assert seed_promotions(uow, workspace_id)  # no campaign yet: the Promote content only
    assert _kinds(db, workspace_id) == ["promote_content"]
    assert _demo_jobs(db, workspace_id) == ["queued"]
    with db.transaction() as uow:  # only the demo links job runs here
        uow.session.execute(
            update(Job)
            .where(Job.workspace_id == workspace_id, Job.name != DEMO_LINKS_JOB)
            .values(status="done")
        )
    worker = Worker(db, backoff_base=0.0, workspace_id=workspace_id)
    worker.run_until_idle()  # still nothing synced: it looks again later
    assert _demo_jobs(db, workspace_id) == ["queued"]
    with db.transaction() as uow:
        assert not seed_promotions(uow, workspace_id)  # `make run` again: no second job
    assert len(_demo_jobs(db, workspace_id)) == 1

    seed(db, workspace_id)  # the server's first sync brings campaigns and ads
    previous = clock.set_clock(clock.FrozenClock(clock.now() + timedelta(minutes=1)))
    try:
        worker.run_until_idle()
    finally:
        clock.set_clock(previous)
    assert _kinds(db, workspace_id) == ["ad", "campaign", "promote_content"]
    assert _demo_jobs(db, workspace_id) == ["done"]

    # a link the user removed stays removed when the demo is seeded again
    with db.transaction() as uow:
        product = uow.session.scalars(
            select(PromotionProductLink.product_id).where(
                PromotionProductLink.workspace_id == workspace_id
            )
        ).first()
        assert product is not None
        campaign = next(
            link.target
            for link in promotions_of_product(uow, workspace_id, product).links
            if link.target.startswith("campaign:")
        )
        unlink_product(uow, workspace_id, product, campaign, actor="user:1")
    with db.transaction() as uow:
        seed_promotions(uow, workspace_id)
    assert _kinds(db, workspace_id) == ["ad", "promote_content"]
