"""Every promotion in every channel, as one list: search, filters, sorts, keyset cursor pages,
totals, and every row of a filtered list (for exports and automated rules).

Rules: ``promotions.domain.index`` (filters, sorts, refs) and ``promotions.domain.status``
(the one status vocabulary). Paging follows ``kit.pagination`` (``limit + 1`` rows, opaque
cursors); a cursor carries its sort, and one made under another sort is a 422.

Public use (other features, e.g. automated rules)::

    from promodesk.promotions.domain.index import filters
    from promodesk.promotions.service.index import list_promotions, iter_promotions

    page = list_promotions(uow, workspace_id, filters(channel="tiktok_ads", status="live"))
    for row in iter_promotions(uow, workspace_id, filters(product=[12])):
        row.ref, row.status, row.spend  # PromotionRow
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from promodesk.kit.clock import now
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.pagination import MAX_ID, decode_cursor, encode_cursor, fetch
from promodesk.promotions.domain import index as domain
from promodesk.promotions.domain.index import (
    CHANNEL_OF,
    Filters,
    Kind,
    Money,
    OwnerKind,
    OwnerRef,
    ProductRef,
    PromotionRow,
    Ref,
    Sort,
    SortKey,
    money_kinds,
)
from promodesk.promotions.domain.spend_range import SpendRange, local_today
from promodesk.promotions.domain.status import Status
from promodesk.promotions.repository.index import IndexRepository
from promodesk.promotions.repository.index import owner_choices as owner_rows
from promodesk.promotions.repository.sums import Days

PAGE_MAX = 1000
EXPORT_PAGE = 1000


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    currency: str
    count: int
    budget: Money
    spend: Money


@dataclass(frozen=True, slots=True)
class Totals:
    """The whole filtered list: ``count``, per kind, and money per currency (never added up
    across currencies; promotions without budget or spend, the shop's, are not in
    ``by_currency``, nor TikTok levels below the highest one listed, whose money their
    campaign's already holds)."""

    count: int
    by_kind: dict[str, int]
    by_currency: list[CurrencyTotal]
    # The kinds ``by_currency`` adds up (``domain.index.money_kinds``: money counted once).
    money_kinds: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RangeDays:
    """The days a range covers in one time zone (``until`` included), for people."""

    time_zone: str
    since: str
    until: str


@dataclass(slots=True)
class IndexPage:
    items: list[PromotionRow]
    next_cursor: str | None
    sort: str
    totals: Totals | None = None
    at: datetime = field(default_factory=now)
    # the spend range's token and its days per time zone (none for lifetime)
    range: str = "lifetime"
    days: list[RangeDays] = field(default_factory=list)


def resolve(
    uow: UnitOfWork, workspace_id: int, chosen: SpendRange, at: datetime
) -> tuple[Days | None, list[RangeDays]]:
    """The range as each ad account's local days (grouped by time zone) and UTC days for
    Promote orders: (the query's days, the days for people); ``None`` for lifetime."""
    if chosen.lifetime:
        return None, []
    by_zone: dict[str, list[int]] = defaultdict(list)
    for account_id, zone in IndexRepository(uow).zones(workspace_id):
        by_zone[zone].append(account_id)
    accounts: list[tuple[tuple[int, ...] | None, str, str]] = []
    shown: list[RangeDays] = []
    for zone, ids in sorted(by_zone.items()):
        since, until = chosen.days(local_today(zone, at))
        accounts.append((None if len(by_zone) == 1 else tuple(ids), str(since), str(until)))
        shown.append(RangeDays(zone, str(since), str(until - timedelta(days=1))))
    first, end = chosen.days(local_today("UTC", at))
    start = datetime.combine(first, time(), UTC)
    if "UTC" not in by_zone:
        shown.append(RangeDays("UTC", str(first), str(end - timedelta(days=1))))
    hours = (start, datetime.combine(end, time(), UTC))
    return Days(tuple(accounts), hours), sorted(shown, key=lambda d: d.time_zone)


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC)
    except ValueError:
        return None


def _row(r: Any, products: list[tuple[int, str, str]]) -> PromotionRow:
    kind = Kind(r.kind)
    shop_id = int(r.shop_id) if kind is Kind.SHOP_ACTIVITY else None
    owner: OwnerRef | None = None
    if r.advertiser_id is not None:
        owner = OwnerRef(OwnerKind.ADVERTISER, int(r.advertiser_id), r.owner_name or "")
    elif r.ad_account_id is not None:
        owner = OwnerRef(OwnerKind.AD_ACCOUNT, int(r.ad_account_id), r.owner_name or "")
    elif r.owner_shop_id is not None:
        owner = OwnerRef(OwnerKind.SHOP, int(r.owner_shop_id), r.owner_name or "")
    elif r.creator_id is not None:
        owner = OwnerRef(OwnerKind.CREATOR, int(r.creator_id), r.owner_name or "")
    client = None
    if r.client_id is not None:
        client = OwnerRef(OwnerKind.CLIENT, int(r.client_id), r.client_name or "")
    currency = r.currency or ""
    return PromotionRow(
        ref=str(Ref(kind, int(r.id), shop_id or 0)),
        channel=CHANNEL_OF[kind],
        kind=kind,
        id=int(r.id),
        shop_id=shop_id,
        external_id=r.external_id,
        name=r.name or "",
        parent=r.parent,
        owner=owner,
        client=client,
        status=Status(r.status),
        native_status=r.native_status or "",
        budget=Money(int(r.budget_minor), currency) if r.budget_minor is not None else None,
        spend=Money(int(r.spend_minor), currency) if r.spend_minor is not None else None,
        results=int(r.results) if r.results is not None else None,
        last_change=_when(r.last_change),
        products=[ProductRef(pid, title, source) for pid, title, source in products],
    )


def _cursor(order: Sort, r: Any, chosen: SpendRange) -> str:
    key = r.sort_key if isinstance(r.sort_key, str) else int(r.sort_key)
    data = {"sort": order.token, "key": key, "kind": r.kind, "id": int(r.id)}
    data["shop"] = int(r.shop_id)
    if not chosen.lifetime:
        data["range"] = chosen.token
    return encode_cursor(data)


def _read_cursor(
    cursor: str | None, order: Sort, chosen: SpendRange
) -> tuple[Any, str, int, int] | None:
    data = decode_cursor(cursor)
    if not data:
        return None
    bad = ValidationFailed(
        "cursor was made for another sort or range, or is not one this API returned",
        field="cursor",
    )
    if data.get("sort") != order.token or data.get("range", "lifetime") != chosen.token:
        raise bad
    key, kind, id_, shop = data.get("key"), data.get("kind"), data.get("id"), data.get("shop")
    want: type = str if order.key in (SortKey.LAST_CHANGE, SortKey.NAME) else int
    ints_ok = all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_ID for v in (id_, shop)
    )
    if not isinstance(key, want) or isinstance(key, bool) or not ints_ok:
        raise bad
    if kind not in {k.value for k in Kind}:
        raise bad
    if isinstance(key, str) and (len(key) > 600 or "\x00" in key):
        raise bad
    if isinstance(key, int) and not -MAX_ID <= key <= MAX_ID:
        raise bad
    return key, str(kind), int(id_), int(shop)  # type: ignore[arg-type]


def list_promotions(
    uow: UnitOfWork,
    workspace_id: int,
    filters: Filters | None = None,
    sort: Sort | str | None = None,
    cursor: str | None = None,
    *,
    limit: int = 100,
    with_totals: bool = True,
    at: datetime | None = None,
) -> IndexPage:
    """A page of the index (``filters`` from ``domain.index.filters``; ``sort`` a ``Sort`` or
    its word). ``totals`` cover the whole filtered list. ``at`` is the instant shop statuses
    are judged at (now by default)."""
    if not 1 <= limit <= PAGE_MAX:
        raise ValidationFailed(f"limit is 1 to {PAGE_MAX}", field="limit")
    chosen = filters or Filters()
    order = sort if isinstance(sort, Sort) else domain.sort(sort)
    after = _read_cursor(cursor, order, chosen.range)
    at = at or now()
    days, shown_days = resolve(uow, workspace_id, chosen.range, at)
    repo = IndexRepository(uow)
    rows = repo.page(workspace_id, chosen, order, at, after=after, limit=fetch(limit), days=days)
    shown = list(rows[:limit])
    keys = [(r.kind, int(r.id), int(r.shop_id)) for r in shown]
    products = repo.products_of(workspace_id, keys)
    more = len(rows) > limit and shown
    page = IndexPage(
        items=[_row(r, products[k]) for r, k in zip(shown, keys, strict=True)],
        next_cursor=_cursor(order, shown[-1], chosen.range) if more else None,
        sort=order.token,
        at=at,
        range=chosen.range.token,
        days=shown_days,
    )
    if with_totals:
        page.totals = totals(uow, workspace_id, chosen, at=at, days=days)
    return page


def totals(
    uow: UnitOfWork,
    workspace_id: int,
    filters: Filters | None = None,
    *,
    at: datetime | None = None,
    days: Days | None = None,
) -> Totals:
    """Counts and money of the whole filtered list (spend over the filters' range)."""
    chosen = filters or Filters()
    at = at or now()
    if days is None and not chosen.range.lifetime:
        days, _ = resolve(uow, workspace_id, chosen.range, at)
    kinds, money = IndexRepository(uow).totals(workspace_id, chosen, at, days)
    counted = money_kinds(k for k, _n in kinds)
    sums: dict[str, list[int]] = {}
    for cur, kind, n, budget, spend in money:
        if kind in counted:
            acc = sums.setdefault(cur, [0, 0, 0])
            acc[0], acc[1], acc[2] = acc[0] + n, acc[1] + budget, acc[2] + spend
    return Totals(
        count=sum(n for _k, n in kinds),
        by_kind=dict(kinds),
        by_currency=[
            CurrencyTotal(cur, n, Money(budget, cur), Money(spend, cur))
            for cur, (n, budget, spend) in sorted(sums.items())
        ],
        money_kinds=sorted(counted),
    )


def iter_promotions(
    uow: UnitOfWork,
    workspace_id: int,
    filters: Filters | None = None,
    sort: Sort | str | None = None,
    *,
    at: datetime | None = None,
) -> Iterator[PromotionRow]:
    """Every promotion of the filtered list in its order, page after page."""
    at = at or now()
    cursor: str | None = None
    while True:
        page = list_promotions(
            uow, workspace_id, filters, sort, cursor, limit=EXPORT_PAGE, with_totals=False, at=at
        )
        yield from page.items
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def get_promotion(uow: UnitOfWork, workspace_id: int, ref: Ref | str) -> PromotionRow | None:
    """One promotion by its ref (``None``: not one of the workspace's)."""
    r = ref if isinstance(ref, Ref) else domain.parse_ref(ref)
    # Ids are searchable exactly: the kind's list searched by the id holds it.
    found = list_promotions(
        uow,
        workspace_id,
        Filters(kinds=frozenset({r.kind}), search=str(r.id)),
        Sort(SortKey.NAME, False),
        limit=PAGE_MAX,
        with_totals=False,
    )
    for row in found.items:
        if row.id == r.id and (r.kind is not Kind.SHOP_ACTIVITY or row.shop_id == r.shop_id):
            return row
    return None


def owner_choices(uow: UnitOfWork, workspace_id: int) -> list[tuple[str, str, str]]:
    """``(token, kind, name)`` of the workspace's owners (``advertiser:3``…), for pickers."""
    return [(f"{k}:{i}", k, n) for k, i, n in owner_rows(IndexRepository(uow), workspace_id)]
