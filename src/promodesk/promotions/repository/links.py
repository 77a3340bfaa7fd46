"""SQL of product links: the targets and products they join, the ads an automatic pass reads,
and the links themselves."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from promodesk.kit.repository import Repository
from promodesk.models import (
    PromoteContent,
    PromotionProductLink,
    ShopProduct,
    TikTokAd,
    TikTokAdGroup,
    TikTokCampaign,
)
from promodesk.promotions.domain.links import Target

TARGET_MODELS: dict[Target, Any] = {
    Target.CAMPAIGN: TikTokCampaign,
    Target.ADGROUP: TikTokAdGroup,
    Target.AD: TikTokAd,
    Target.PROMOTE_CONTENT: PromoteContent,
}
SCAN_BATCH = 500


class LinksRepository(Repository[PromotionProductLink]):
    model = PromotionProductLink

    def target(self, workspace_id: int, kind: Target, target_id: int) -> Any | None:
        m = TARGET_MODELS[kind]
        return self.s.execute(
            select(m).where(m.id == target_id, m.workspace_id == workspace_id)
        ).scalar_one_or_none()

    def product(self, workspace_id: int, product_id: int) -> ShopProduct | None:
        return self.s.execute(
            select(ShopProduct).where(
                ShopProduct.id == product_id, ShopProduct.workspace_id == workspace_id
            )
        ).scalar_one_or_none()

    def find(self, product_id: int, kind: Target, target_id: int) -> PromotionProductLink | None:
        L = PromotionProductLink
        return self.s.execute(
            select(L).where(
                L.product_id == product_id, L.target_kind == kind.value, L.target_id == target_id
            )
        ).scalar_one_or_none()

    def of_product(self, workspace_id: int, product_id: int) -> list[PromotionProductLink]:
        L = PromotionProductLink
        return list(
            self.s.execute(
                select(L)
                .where(L.workspace_id == workspace_id, L.product_id == product_id)
                .order_by(L.target_kind, L.target_id)
            ).scalars()
        )

    def ads(self, workspace_id: int, ad_account_id: int | None) -> Iterator[list[tuple[int, Any]]]:
        """(ad row id, raw) of the workspace's ads (of one ad account), in batches by id."""
        last = 0
        while True:
            q = (
                select(TikTokAd.id, TikTokAd.raw)
                .where(TikTokAd.workspace_id == workspace_id, TikTokAd.id > last)
                .order_by(TikTokAd.id)
                .limit(SCAN_BATCH)
            )
            if ad_account_id is not None:
                q = q.where(TikTokAd.ad_account_id == ad_account_id)
            rows = [(int(i), raw) for i, raw in self.s.execute(q).all()]
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def products_by_platform_id(
        self, workspace_id: int, ids: Sequence[str]
    ) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        if not ids:
            return out
        for pid, platform_id in self.s.execute(
            select(ShopProduct.id, ShopProduct.platform_product_id)
            .where(
                ShopProduct.workspace_id == workspace_id,
                ShopProduct.platform_product_id.in_(sorted(set(ids))),
            )
            .order_by(ShopProduct.id)
        ).all():
            out.setdefault(str(platform_id), []).append(int(pid))
        return out

    def links_of_targets(
        self, workspace_id: int, kind: Target, target_ids: Sequence[int]
    ) -> list[PromotionProductLink]:
        L = PromotionProductLink
        if not target_ids:
            return []
        return list(
            self.s.execute(
                select(L).where(
                    L.workspace_id == workspace_id,
                    L.target_kind == kind.value,
                    L.target_id.in_(sorted(target_ids)),
                )
            ).scalars()
        )

    def delete(self, link: PromotionProductLink) -> None:
        self.s.delete(link)
        self.s.flush()

    def mark_removed(self, link: PromotionProductLink, at: datetime, actor: str) -> None:
        link.removed_at = at
        link.removed_by = actor
        self.s.flush()

    def any_link(self, workspace_id: int) -> bool:
        L = PromotionProductLink
        return (
            self.s.execute(select(L.id).where(L.workspace_id == workspace_id).limit(1)).first()
            is not None
        )

    def first_id(self, workspace_id: int, kind: Target | None) -> int | None:
        """The workspace's first product (``kind`` None) or target of ``kind`` (a Promote
        content: one with an e-commerce anchor)."""
        m = ShopProduct if kind is None else TARGET_MODELS[kind]
        q = select(m.id).where(m.workspace_id == workspace_id).order_by(m.id).limit(1)
        if kind is Target.PROMOTE_CONTENT:
            q = q.where(PromoteContent.has_ecommerce_anchor.is_(True))
        found = self.s.execute(q).scalar_one_or_none()
        return None if found is None else int(found)

    def target_names(
        self, workspace_id: int, targets: list[tuple[str, int]]
    ) -> dict[tuple[str, int], str]:
        """The names of link targets (a Promote content's title)."""
        out: dict[tuple[str, int], str] = {}
        for kind in Target:
            ids = sorted({i for k, i in targets if k == kind.value})
            if not ids:
                continue
            m = TARGET_MODELS[kind]
            name = m.title if kind is Target.PROMOTE_CONTENT else m.name
            for i, n in self.s.execute(
                select(m.id, name).where(m.workspace_id == workspace_id, m.id.in_(ids))
            ).all():
                out[(kind.value, int(i))] = str(n)
        return out
