"""Demo data of promotions: the demo shop's first product promoted in every channel (its
enrollments, a campaign and an ad linked by hand, a Promote content with an e-commerce
anchor), so its product page shows them together. Idempotent: nothing when links exist."""

from __future__ import annotations

from promodesk.kit.db import UnitOfWork
from promodesk.promotions.domain.links import Target
from promodesk.promotions.repository.links import LinksRepository
from promodesk.promotions.service.products import link_ads_automatically, link_product


def seed_promotions(uow: UnitOfWork, workspace_id: int) -> bool:
    repo = LinksRepository(uow)
    product = repo.first_id(workspace_id, None)
    if product is None or repo.any_link(workspace_id):
        return False
    for kind in (Target.CAMPAIGN, Target.AD, Target.PROMOTE_CONTENT):
        target = repo.first_id(workspace_id, kind)
        if target is not None:
            link_product(
                uow, workspace_id, product, f"{kind.value}:{target}", actor="demo", note="demo"
            )
    link_ads_automatically(uow, workspace_id)
    return True
