"""The promotions index: the ``UNION ALL`` of every kind's branch (``repository.branches``),
narrowed by the filters, sorted with a unique tie-break, paged by keyset, and totalled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, ColumnElement, Row, func, or_, select, tuple_, union_all

from promodesk.kit.repository import Repository
from promodesk.models import (
    ClientAccount,
    ClientAdvertiser,
    PromoteCreator,
    PromoteOrder,
    PromotionProductLink,
    Shop,
    ShopEnrollment,
    ShopProduct,
    TikTokAdAccount,
)
from promodesk.promotions.domain.index import Filters, Kind, OwnerKind, Sort, SortKey
from promodesk.promotions.repository import branches
from promodesk.promotions.repository.sums import Days

PAGE_PRODUCTS = 20  # products named per promotion in a page (an activity may hold hundreds)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class IndexRepository(Repository[Any]):
    def _union(
        self, workspace_id: int, filters: Filters, at: datetime, days: Days | None
    ) -> CTE | None:
        dialect = self.uow.dialect
        parts = []
        for kind in branches.TIKTOK_MODELS:
            if filters.wants(kind):
                parts.append(branches.tiktok(kind, workspace_id, dialect, filters.products, days))
        if filters.wants(Kind.PROMOTE_ORDER):
            parts.append(branches.promote(workspace_id, dialect, filters.products, days))
        if filters.wants(Kind.SHOP_ACTIVITY):
            parts.append(branches.activities(workspace_id, dialect, at, filters.products))
        if filters.wants(Kind.SHOP_ENROLLMENT):
            parts.append(branches.enrollments(workspace_id, dialect, at, filters.products))
        if not parts:
            return None
        # Materialized: every branch is computed once, then filtered, sorted and paged. Left
        # inline, PostgreSQL pushed a keyset predicate on a text key into the branches and ran
        # their report sums once per mirror row (seconds per page).
        return union_all(*parts).cte("promotions").prefix_with("MATERIALIZED")

    def _where(self, u: CTE, filters: Filters) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if filters.statuses:
            out.append(u.c.status.in_(sorted(s.value for s in filters.statuses)))
        if filters.owners:
            column = {
                OwnerKind.ADVERTISER: u.c.advertiser_id,
                OwnerKind.CLIENT: u.c.client_id,
                OwnerKind.AD_ACCOUNT: u.c.ad_account_id,
                OwnerKind.SHOP: u.c.owner_shop_id,
                OwnerKind.CREATOR: u.c.creator_id,
            }
            out.append(or_(*[column[o.kind] == o.id for o in sorted(filters.owners, key=str)]))
        if filters.search:
            text = filters.search
            found = [
                func.lower(u.c.name).like(_like(text), escape="\\"),
                u.c.external_id == text,
            ]
            if text.isdigit() and len(text) <= 18:
                found.append(u.c.id == int(text))
            out.append(or_(*found))
        return out

    @staticmethod
    def sort_key(u: CTE, order: Sort) -> ColumnElement[Any]:
        if order.key is SortKey.LAST_CHANGE:
            return func.coalesce(u.c.last_change, "")
        if order.key is SortKey.NAME:
            return func.lower(u.c.name)
        col = u.c.spend_minor if order.key is SortKey.SPEND else u.c.budget_minor
        return func.coalesce(col, -1)

    def page(
        self,
        workspace_id: int,
        filters: Filters,
        order: Sort,
        at: datetime,
        *,
        after: tuple[Any, str, int, int] | None,
        limit: int,
        days: Days | None = None,
    ) -> Sequence[Row[Any]]:
        """Rows past ``after`` (sort key, kind, id, shop id) in ``order``, at most ``limit``;
        each has the branch columns and ``sort_key``; spend and results over ``days``."""
        u = self._union(workspace_id, filters, at, days)
        if u is None:
            return []
        key = self.sort_key(u, order)
        tie = (key, u.c.kind, u.c.id, u.c.shop_id)
        q = select(u, key.label("sort_key")).where(*self._where(u, filters))
        if after is not None:
            past = (
                tuple_(*tie) < tuple_(*after) if order.descending else tuple_(*tie) > tuple_(*after)
            )
            q = q.where(past)
        q = q.order_by(*[c.desc() if order.descending else c.asc() for c in tie]).limit(limit)
        return self.s.execute(q).all()

    def totals(
        self, workspace_id: int, filters: Filters, at: datetime, days: Days | None = None
    ) -> tuple[list[tuple[str, int]], list[tuple[str, str, int, int, int]]]:
        """(count per kind, [(currency, kind, count, budget sum, spend sum)]) of the whole
        filtered list; promotions with neither budget nor spend (shop activities and
        enrollments) are left out of the second."""
        u = self._union(workspace_id, filters, at, days)
        if u is None:
            return [], []
        where = self._where(u, filters)
        kinds = self.s.execute(
            select(u.c.kind, func.count()).where(*where).group_by(u.c.kind).order_by(u.c.kind)
        ).all()
        money = self.s.execute(
            select(
                u.c.currency,
                u.c.kind,
                func.count(),
                func.coalesce(func.sum(u.c.budget_minor), 0),
                func.coalesce(func.sum(u.c.spend_minor), 0),
            )
            .where(
                *where,
                u.c.currency != "",
                or_(u.c.budget_minor.is_not(None), u.c.spend_minor.is_not(None)),
            )
            .group_by(u.c.currency, u.c.kind)
            .order_by(u.c.currency, u.c.kind)
        ).all()
        return (
            [(str(k), int(n)) for k, n in kinds],
            [(str(c), str(k), int(n), int(b), int(s)) for c, k, n, b, s in money],
        )

    def zones(self, workspace_id: int) -> list[tuple[int, str]]:
        """(ad account id, time zone) of every ad account of the workspace."""
        A = TikTokAdAccount
        rows = self.s.execute(
            select(A.id, A.timezone).where(A.workspace_id == workspace_id).order_by(A.id)
        ).all()
        return [(int(i), str(z or "UTC")) for i, z in rows]

    def products_of(
        self, workspace_id: int, keys: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[tuple[int, str, str]]]:
        """The products of promotions (kind, id, shop id): [(product id, title, source)]."""
        out: dict[tuple[str, int, int], list[tuple[int, str, str]]] = {k: [] for k in keys}
        L, P, _E = PromotionProductLink, ShopProduct, ShopEnrollment
        targets: dict[str, list[int]] = {}
        for kind, id_, _shop in keys:
            if kind in (Kind.CAMPAIGN, Kind.ADGROUP, Kind.AD):
                targets.setdefault(kind, []).append(id_)
        conds = [
            (L.target_kind == kind) & L.target_id.in_(ids) for kind, ids in sorted(targets.items())
        ]
        if conds:
            rows = self.s.execute(
                select(L.target_kind, L.target_id, P.id, P.title, L.source)
                .join(P, P.id == L.product_id)
                .where(L.workspace_id == workspace_id, L.removed_at.is_(None), or_(*conds))
                .order_by(P.id)
            ).all()
            for kind, tid, pid, title, source in rows:
                out[(kind, tid, 0)].append((pid, title, source))
        self._promote_products(workspace_id, keys, out)
        self._shop_products(workspace_id, keys, out)
        return out

    def _promote_products(
        self,
        workspace_id: int,
        keys: Sequence[tuple[str, int, int]],
        out: dict[tuple[str, int, int], list[tuple[int, str, str]]],
    ) -> None:
        L, P, Ord = PromotionProductLink, ShopProduct, PromoteOrder
        orders = [id_ for kind, id_, _ in keys if kind == Kind.PROMOTE_ORDER]
        if not orders:
            return
        rows = self.s.execute(
            select(Ord.id, P.id, P.title, L.source)
            .join(L, (L.target_kind == "promote_content") & (L.target_id == Ord.content_id))
            .join(P, P.id == L.product_id)
            .where(Ord.workspace_id == workspace_id, Ord.id.in_(orders), L.removed_at.is_(None))
            .order_by(P.id)
        ).all()
        for oid, pid, title, source in rows:
            out[(Kind.PROMOTE_ORDER.value, oid, 0)].append((pid, title, source))

    def _shop_products(
        self,
        workspace_id: int,
        keys: Sequence[tuple[str, int, int]],
        out: dict[tuple[str, int, int], list[tuple[int, str, str]]],
    ) -> None:
        P, E = ShopProduct, ShopEnrollment
        enrolls = [id_ for kind, id_, _ in keys if kind == Kind.SHOP_ENROLLMENT]
        if enrolls:
            for eid, pid, title in self.s.execute(
                select(E.id, P.id, P.title)
                .join(P, P.id == E.product_id)
                .where(E.workspace_id == workspace_id, E.id.in_(enrolls))
            ).all():
                out[(Kind.SHOP_ENROLLMENT.value, eid, 0)].append((pid, title, "enrollment"))
        for kind, id_, shop in keys:
            if kind != Kind.SHOP_ACTIVITY:
                continue
            for pid, title in self.s.execute(
                select(P.id, P.title)
                .join(E, E.product_id == P.id)
                .where(
                    E.workspace_id == workspace_id,
                    E.activity_id == id_,
                    E.shop_id == shop,
                )
                .order_by(P.id)
                .limit(PAGE_PRODUCTS)
            ).all():
                out[(kind, id_, shop)].append((pid, title, "enrollment"))


def owner_choices(repo: IndexRepository, workspace_id: int) -> list[tuple[str, int, str]]:
    """(owner kind, id, name) of every owner that can hold promotions, by kind and name."""
    out: list[tuple[str, int, str]] = []
    for kind, model, name in (
        (OwnerKind.CLIENT, ClientAccount, ClientAccount.name),
        (OwnerKind.ADVERTISER, ClientAdvertiser, ClientAdvertiser.name),
        (OwnerKind.AD_ACCOUNT, TikTokAdAccount, TikTokAdAccount.name),
        (OwnerKind.SHOP, Shop, Shop.name),
        (OwnerKind.CREATOR, PromoteCreator, PromoteCreator.handle),
    ):
        rows = repo.s.execute(
            select(model.id, name)
            .where(model.workspace_id == workspace_id)
            .order_by(name)
            .limit(500)
        ).all()
        out += [(kind.value, int(i), str(n)) for i, n in rows]
    return out
