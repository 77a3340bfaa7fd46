"""Demo data of promotions: the demo shop's first product promoted in every channel (its
enrollments, a campaign and an ad linked by hand, a Promote content with an e-commerce
anchor), so its product page shows them together.

``promodesk demo`` runs before the server's first sync has imported any campaign, so what it
cannot link yet is left to a job (``DEMO_LINKS_JOB``) that looks again every few seconds until
the sync has brought a campaign and an ad, then links them. Idempotent: a kind already linked
to the product, or linked once and removed by a person, is left as it is."""

from __future__ import annotations

from datetime import timedelta

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.jobs import JobContext, enqueue
from promodesk.promotions.domain.links import Target
from promodesk.promotions.repository.links import LinksRepository
from promodesk.promotions.service.products import link_ads_automatically, link_product

DEMO_LINKS_JOB = "promotions.demo_links"
KINDS = (Target.CAMPAIGN, Target.AD, Target.PROMOTE_CONTENT)
LOOK_AGAIN = timedelta(seconds=10)
MAX_LOOKS = 360  # an hour: a demo server whose sync never ran stops looking


def link_demo_targets(uow: UnitOfWork, workspace_id: int, product_id: int) -> bool:
    """Link the workspace's first target of each kind the product has no link of (a removed
    link counts: the person's choice stays). True when no kind is left to link."""
    repo = LinksRepository(uow)
    linked = {link.target_kind for link in repo.of_product(workspace_id, product_id)}
    complete = True
    for kind in KINDS:
        if kind.value in linked:
            continue
        target = repo.first_id(workspace_id, kind)
        if target is None:
            complete = False
            continue
        link_product(
            uow, workspace_id, product_id, f"{kind.value}:{target}", actor="demo", note="demo"
        )
    return complete


def seed_promotions(uow: UnitOfWork, workspace_id: int) -> bool:
    """Link the demo product; True when this added a link. What the first sync has not
    brought yet is left to the demo links job (one per workspace)."""
    repo = LinksRepository(uow)
    product = repo.first_id(workspace_id, None)
    if product is None:
        return False
    before = len(repo.of_product(workspace_id, product))
    if not link_demo_targets(uow, workspace_id, product):
        enqueue(
            uow,
            DEMO_LINKS_JOB,
            {"workspace_id": workspace_id, "product_id": product, "looks": 0},
            run_at=clock.now() + LOOK_AGAIN,
            dedupe_key=f"{DEMO_LINKS_JOB}:{workspace_id}",
            workspace_id=workspace_id,
        )
    link_ads_automatically(uow, workspace_id)
    return len(repo.of_product(workspace_id, product)) > before


def look_again(ctx: JobContext) -> None:
    """The demo links job: link what the sync has brought since the demo was seeded; look
    again until done."""
    p = ctx.payload
    looks = int(p.get("looks", 0)) + 1
    done = link_demo_targets(ctx.uow, int(p["workspace_id"]), int(p["product_id"]))
    if not done and looks < MAX_LOOKS:
        ctx.reschedule(clock.now() + LOOK_AGAIN, {**p, "looks": looks})
