"""Products across channels: link promotions to shop products (by hand, audited; ads
automatically from what their platform data names), and everything that promotes a product.

Rules: ``promotions.domain.links``. A link's target must be the workspace's (else 404); a
Promote content needs an e-commerce anchor (else 422). Linking what is linked already changes
nothing; unlinking what is not linked is a 404.

Public use::

    promotions_of_product(uow, workspace_id, product_id) -> ProductPromotions
    link_product(uow, workspace_id, product_id, "ad:12", actor="…") -> LinkView
    unlink_product(uow, workspace_id, product_id, "ad:12", actor="…") -> LinkView
    link_ads_automatically(uow, workspace_id, ad_account_id=None) -> AutoLinkResult
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from promodesk.accounts.service.allocation import get_ad_account
from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, NotFound, ValidationFailed
from promodesk.models import PromotionProductLink
from promodesk.promotions.domain.index import Filters, PromotionRow, Sort, SortKey
from promodesk.promotions.domain.links import Source, Target, parse_target, product_ids_of_ad
from promodesk.promotions.repository.links import LinksRepository
from promodesk.promotions.service.index import Totals, iter_promotions, totals
from promodesk.promotions.settings import promotions_settings


@dataclass(frozen=True, slots=True)
class LinkView:
    product_id: int
    target: str  # kind:id
    source: str  # auto | manual
    evidence: str
    created_by: str
    created_at: datetime
    removed_at: datetime | None
    name: str | None = None  # the target's name (a Promote content's title)


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    shop_id: int
    title: str
    platform_product_id: str | None
    stock: int
    status: str


@dataclass(slots=True)
class ProductPromotions:
    """A product and every promotion of it in every channel, with their totals."""

    product: ProductView
    items: list[PromotionRow]
    totals: Totals
    links: list[LinkView]  # the product's links, removed ones included (the history)


@dataclass(frozen=True, slots=True)
class AutoLinkResult:
    scanned: int
    added: int
    removed: int


def _view(link: PromotionProductLink, name: str | None = None) -> LinkView:
    return LinkView(
        product_id=link.product_id,
        target=f"{link.target_kind}:{link.target_id}",
        source=link.source,
        evidence=link.evidence,
        created_by=link.created_by,
        created_at=link.created_at,
        removed_at=link.removed_at,
        name=name,
    )


def _product(repo: LinksRepository, workspace_id: int, product_id: int) -> ProductView:
    p = repo.product(workspace_id, product_id)
    if p is None:
        raise NotFound(f"product {product_id} not found")
    return ProductView(
        id=p.id,
        shop_id=p.shop_id,
        title=p.title,
        platform_product_id=p.platform_product_id,
        stock=p.stock,
        status=p.status,
    )


def product_titles(uow: UnitOfWork, workspace_id: int, product_ids: list[int]) -> dict[int, str]:
    """The titles of the workspace's products among ``product_ids`` (others are left out)."""
    repo = LinksRepository(uow)
    found = (repo.product(workspace_id, i) for i in sorted(set(product_ids))[:100])
    return {p.id: p.title for p in found if p is not None}


def _target(repo: LinksRepository, workspace_id: int, target: str) -> tuple[Target, int, str]:
    kind, target_id = parse_target(target)
    row = repo.target(workspace_id, kind, target_id)
    if row is None:
        raise NotFound(f"{kind.value} {target_id} not found")
    if kind is Target.PROMOTE_CONTENT and not row.has_ecommerce_anchor:
        raise ValidationFailed(
            "only a Promote content with an e-commerce anchor promotes a product",
            field="target",
            message=N_("Only a Promote content with an e-commerce anchor promotes a product."),
        )
    return kind, target_id, row.title if kind is Target.PROMOTE_CONTENT else row.name


def link_product(
    uow: UnitOfWork, workspace_id: int, product_id: int, target: str, *, actor: str, note: str = ""
) -> LinkView:
    """Link ``target`` (``kind:id``) to the product by hand (audited)."""
    repo = LinksRepository(uow)
    _product(repo, workspace_id, product_id)
    kind, target_id, name = _target(repo, workspace_id, target)
    if len(note) > 500:
        raise ValidationFailed("note is at most 500 characters", field="note")
    link = repo.find(product_id, kind, target_id)
    if link is not None and link.removed_at is None:
        return _view(link, name)
    if link is None:
        link = repo.add(
            PromotionProductLink(
                workspace_id=workspace_id,
                product_id=product_id,
                target_kind=kind.value,
                target_id=target_id,
                source=Source.MANUAL.value,
                evidence=note,
                created_by=actor,
            )
        )
    else:
        link.source, link.evidence, link.created_by = Source.MANUAL.value, note, actor
        link.removed_at, link.removed_by = None, None
        uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promotion.product_link",
        object_type="shop_product",
        object_id=product_id,
        after={"target": f"{kind.value}:{target_id}", "note": note},
    )
    return _view(link, name)


def unlink_product(
    uow: UnitOfWork, workspace_id: int, product_id: int, target: str, *, actor: str
) -> LinkView:
    """Unlink ``target`` from the product (audited); an automatic link stays unlinked."""
    repo = LinksRepository(uow)
    _product(repo, workspace_id, product_id)
    kind, target_id = parse_target(target)
    link = repo.find(product_id, kind, target_id)
    if link is None or link.removed_at is not None or link.workspace_id != workspace_id:
        raise NotFound(f"{kind.value} {target_id} is not linked to product {product_id}")
    repo.mark_removed(link, clock.now(), actor)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promotion.product_unlink",
        object_type="shop_product",
        object_id=product_id,
        before={"target": f"{kind.value}:{target_id}", "source": link.source},
    )
    return _view(link)


def link_ads_automatically(
    uow: UnitOfWork, workspace_id: int, ad_account_id: int | None = None
) -> AutoLinkResult:
    """Link the workspace's ads (of one ad account) to the shop products their platform data
    names; drop automatic links their data no longer names. Links a person made or removed are
    left as they are. Safe to run twice."""
    if ad_account_id is not None:  # 404 for another workspace's
        get_ad_account(uow, workspace_id, ad_account_id)
    repo = LinksRepository(uow)
    patterns = promotions_settings().product_url_patterns
    scanned = added = dropped = 0
    for batch in repo.ads(workspace_id, ad_account_id):
        scanned += len(batch)
        named = {ad_id: product_ids_of_ad(raw or {}, patterns) for ad_id, raw in batch}
        wanted_ids = sorted({pid for found in named.values() for pid in found})
        products = repo.products_by_platform_id(workspace_id, wanted_ids)
        want: dict[tuple[int, int], str] = {}
        for ad_id, found in named.items():
            for platform_id, evidence in found.items():
                for product_id in products.get(platform_id, []):
                    want[(ad_id, product_id)] = evidence
        existing = {
            (link.target_id, link.product_id): link
            for link in repo.links_of_targets(workspace_id, Target.AD, [a for a, _ in batch])
        }
        for key, link in existing.items():
            if link.source == Source.AUTO.value and link.removed_at is None and key not in want:
                repo.delete(link)
                dropped += 1
        for (ad_id, product_id), evidence in want.items():
            if (ad_id, product_id) in existing:
                continue
            repo.add(
                PromotionProductLink(
                    workspace_id=workspace_id,
                    product_id=product_id,
                    target_kind=Target.AD.value,
                    target_id=ad_id,
                    source=Source.AUTO.value,
                    evidence=evidence,
                    created_by="system",
                )
            )
            added += 1
    return AutoLinkResult(scanned=scanned, added=added, removed=dropped)


def promotions_of_product(
    uow: UnitOfWork,
    workspace_id: int,
    product_id: int,
    *,
    statuses: Filters | None = None,
    at: datetime | None = None,
) -> ProductPromotions:
    """Everything that promotes the product, in every channel (biggest spend first), with
    totals per currency and the product's link history. ``statuses``: further filters
    (e.g. ``filters(status="live")``), whose products are replaced by this one."""
    repo = LinksRepository(uow)
    product = _product(repo, workspace_id, product_id)
    base = statuses or Filters()
    chosen = Filters(
        channels=base.channels,
        kinds=base.kinds,
        statuses=base.statuses,
        owners=base.owners,
        products=frozenset({product_id}),
        search=base.search,
    )
    at = at or clock.now()
    items = list(iter_promotions(uow, workspace_id, chosen, Sort(SortKey.SPEND, True), at=at))
    links = repo.of_product(workspace_id, product_id)
    names = repo.target_names(workspace_id, [(k.target_kind, k.target_id) for k in links])
    return ProductPromotions(
        product=product,
        items=items,
        totals=totals(uow, workspace_id, chosen, at=at),
        links=[_view(k, names.get((k.target_kind, k.target_id))) for k in links],
    )
