"""Every promotion in every channel: the list with its filter bar, sorts, cursor pages, totals
and exports (``promotions.service.index``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console.labels import label
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit, Visit
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money, price_text
from promodesk.promotions.domain.index import (
    Channel,
    Filters,
    Kind,
    PromotionRow,
    SortKey,
    filters,
    sort,
)
from promodesk.promotions.domain.spend_range import SpendRange, spend_range
from promodesk.promotions.domain.status import Status
from promodesk.promotions.service import export
from promodesk.promotions.service.index import list_promotions, owner_choices

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
LIMIT = 100
FILTER_KEYS = ("channel", "kind", "status", "owner", "product", "search")
RANGE_KEYS = ("range", "since", "until")


def money_text(visit: Visit, m: Any) -> str:
    if m is None or not m.currency:
        return "-"
    return price_text(Money(m.minor, m.currency), visit.locale)


def when_text(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "-"


def row_view(visit: Visit, r: PromotionRow) -> dict[str, Any]:
    """What a row shows, in the reader's words."""
    return {
        "row": r,
        "budget": money_text(visit, r.budget),
        "spend": money_text(visit, r.spend),
        "results": "-" if r.results is None else f"{r.results:,}",
        "last_change": when_text(r.last_change),
        "link": link_of(r),
    }


def link_of(r: PromotionRow) -> str | None:
    """The promotion's own page in its channel's part of the console."""
    if r.kind is Kind.CAMPAIGN:
        return f"/campaigns/{r.id}"
    if r.kind is Kind.PROMOTE_ORDER:
        return f"/promote/orders/{r.id}"
    if r.kind is Kind.SHOP_ENROLLMENT:
        return f"/shop/enrollments/{r.id}"
    if r.kind is Kind.SHOP_ACTIVITY:
        return "/shop"
    if r.kind is Kind.ADGROUP:
        return "/campaigns/adgroups?" + urlencode({"search": r.external_id or r.id})
    return "/campaigns/ads?" + urlencode({"search": r.external_id or r.id})


def _query(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: q.get(k, "").strip()[:200] for k in (*FILTER_KEYS, *RANGE_KEYS, "sort", "cursor")}


def _url(path: str, values: dict[str, str]) -> str:
    kept = {k: v for k, v in values.items() if v}
    return path + ("?" + urlencode(kept) if kept else "")


def _chosen(query: dict[str, str]) -> Filters:
    return filters(
        channel=query["channel"] or None,
        kind=query["kind"] or None,
        status=query["status"] or None,
        owner=query["owner"] or None,
        product=query["product"] or None,
        search=query["search"] or None,
        range=query["range"] or None,
        since=query["since"] or None,
        until=query["until"] or None,
    )


def sort_links(path: str, query: dict[str, str]) -> dict[str, dict[str, str]]:
    """Per sortable column: the URL that sorts by it (again: the other way) and its arrow."""
    current = sort(query["sort"])
    out = {}
    for key in SortKey:
        same = current.key is key
        word = key.value if (same and current.descending) or not same else f"-{key.value}"
        if not same and key in (SortKey.LAST_CHANGE, SortKey.SPEND, SortKey.BUDGET):
            word = f"-{key.value}"  # biggest and newest first
        arrow = ("▼" if current.descending else "▲") if same else ""
        out[key.value] = {
            "url": _url(path, {**query, "sort": word, "cursor": ""}),
            "arrow": arrow,
        }
    return out


def _range_or_lifetime(query: dict[str, str]) -> SpendRange:
    """The chosen range as it reads (lifetime while it is not a valid one)."""
    try:
        return spend_range(query["range"] or None, query["since"] or None, query["until"] or None)
    except ValidationFailed:
        return SpendRange()


@router.get("/promotions")
def promotions_home(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    """The list; an unknown filter value is said beside the filters and lists nothing."""
    workspace_id = visit.principal.workspace_id
    query = _query(request)
    error: ValidationFailed | None = None
    page = None
    try:
        chosen = _chosen(query)
        page = list_promotions(
            uow, workspace_id, chosen, query["sort"] or None, query["cursor"] or None, limit=LIMIT
        )
    except ValidationFailed as exc:
        error = exc
    kept = {k: query[k] for k in (*FILTER_KEYS, *RANGE_KEYS, "sort")}
    filtered = any(query[k] for k in FILTER_KEYS)
    chosen_range = _range_or_lifetime(query)
    words = {"range": export.range_label(chosen_range, visit._)}
    return visit.page(
        "promotions/list.html",
        status=422 if error else 200,
        query=query,
        filtered=filtered,
        error_field=error.field if error else None,
        error_text=visit.error_text(error) if error else None,
        rows=[row_view(visit, r) for r in page.items] if page else [],
        totals=page.totals if page else None,
        money=lambda m: money_text(visit, m),
        next_url=_url("/promotions", {**kept, "cursor": page.next_cursor})
        if page and page.next_cursor
        else None,
        first_url=_url("/promotions", kept) if query["cursor"] else None,
        sort_links=sort_links("/promotions", query) if not error else {},
        export_urls={
            fmt: _url("/promotions/export", {**kept, "format": fmt}) for fmt in ("csv", "xlsx")
        },
        range_words=[(w.value, t) for w, t in export.RANGE_LABELS.items()],
        range_word=query["range"].lower()
        or ("custom" if query["since"] or query["until"] else "lifetime"),
        range_text=words["range"],
        spend_title=visit._("Spend (%(range)s)") % words,
        results_title=visit._("Results (%(range)s)") % words,
        days=page.days if page else [],
        channels=[c.value for c in Channel],
        kinds=[k.value for k in Kind],
        statuses=[s.value for s in Status],
        owners=owner_choices(uow, workspace_id),
    )


@router.get("/promotions/export")
def promotions_export(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    """The list as filtered and sorted (every page, totals) as CSV or XLSX, in the reader's
    language."""
    query = _query(request)
    body, media, name = export.export(
        uow,
        visit.principal.workspace_id,
        request.query_params.get("format", ""),
        _chosen(query),
        query["sort"] or None,
        tr=visit._,
        label=lambda kind, code: label(kind, code, visit._),
    )
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
