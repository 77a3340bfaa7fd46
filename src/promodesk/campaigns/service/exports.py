"""Exports of the object lists (campaigns, ad groups, ads): every page of a list in its order,
with its total rows, as CSV or XLSX, the header and status words in the reader's language
(``lists.object_page`` reads each page)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from promodesk.campaigns.domain import campaigns as words
from promodesk.campaigns.domain import lists as domain
from promodesk.campaigns.domain.reports import Level
from promodesk.campaigns.service.lists import major, object_page
from promodesk.kit.db import UnitOfWork
from promodesk.kit.export import MEDIA_TYPES, Cell, Table, export_format, filename, render

EXPORT_PAGE = 1000


def all_items(
    uow: UnitOfWork, workspace_id: int, level: Level | str = Level.CAMPAIGN, **kw: Any
) -> tuple[Iterator[dict[str, Any]], dict[str, Any]]:
    """Every item of a list in its order (page after page, for exports), and the first page's
    ``range`` and ``totals``. ``kw`` as ``object_page`` (without ``cursor`` and ``limit``)."""
    first = object_page(uow, workspace_id, level, limit=EXPORT_PAGE, **kw)

    def walk() -> Iterator[dict[str, Any]]:
        page = first
        while True:
            yield from page["items"]
            if not page["next_cursor"]:
                return
            page = object_page(
                uow,
                workspace_id,
                level,
                cursor=page["next_cursor"],
                limit=EXPORT_PAGE,
                with_totals=False,
                **kw,
            )

    return walk(), {"range": first["range"], "totals": first["totals"]}


STATUS_WORDS = {
    words.ListStatus.ACTIVE.value: "Active",
    words.ListStatus.NOT_DELIVERING.value: "Not delivering",
    words.ListStatus.PAUSED.value: "Paused",
    words.ListStatus.DELETED.value: "Deleted",
}
NOUNS = {Level.CAMPAIGN: "Campaign", Level.ADGROUP: "Ad group", Level.AD: "Ad"}


def _plain(text: str) -> str:
    return text


def export_table(
    level: Level | str,
    items: Iterable[dict[str, Any]],
    meta: dict[str, Any],
    *,
    tr: Callable[[str], str] = _plain,
    reason: Callable[[str], str] = _plain,
) -> Table:
    """What the list shows, as a ``kit.export.Table``: one row per item in the list's order,
    then one total row per currency. ``tr`` translates the header and status words; ``reason``
    names a not-delivering reason (TikTok's secondary status by default)."""
    lvl = level if isinstance(level, Level) else domain.level(level)
    header = ["ID", tr(NOUNS[lvl]), tr("TikTok ID")]
    if lvl is not Level.CAMPAIGN:
        header += [tr("Campaign")]
    if lvl is Level.AD:
        header += [tr("Ad group")]
    header += [tr("Status"), tr("Not delivering because")]
    if lvl is Level.CAMPAIGN:
        header += [tr("Objective")]
    if lvl is not Level.AD:
        header += [tr("Budget mode"), tr("Budget")]
    header += [tr("Currency"), tr("TikTok ad account"), tr("Client account"), tr("Advertiser")]
    header += [
        tr("Spend"),
        tr("Impressions"),
        tr("Clicks"),
        tr("CTR (%)"),
        tr("CPC"),
        tr("CPM"),
        tr("Conversions"),
        tr("Cost per result"),
    ]
    metric_at = len(header) - 8

    def metric_cells(m: dict[str, Any], currency: str) -> list[Cell]:
        return [
            major(m["spend_minor"], currency),
            m["impressions"],
            m["clicks"],
            m["ctr"],
            major(m["cpc_minor"], currency),
            major(m["cpm_minor"], currency),
            m["conversions"],
            major(m["cost_per_result_minor"], currency),
        ]

    def rows() -> Iterator[list[Cell]]:
        for it in items:
            alloc = it.get("allocation") or {}
            cur = it["currency"]
            row: list[Cell] = [it["id"], it["name"]]
            row.append(it["campaign_id"] if lvl is Level.CAMPAIGN else it["tiktok_id"])
            if lvl is not Level.CAMPAIGN:
                row.append(it.get("campaign_name") or it["campaign_id"])
            if lvl is Level.AD:
                row.append(it.get("adgroup_name") or it["adgroup_id"])
            row += [
                tr(STATUS_WORDS[it["status"]]),
                reason(it["status_reason"]) if it["status_reason"] else None,
            ]
            if lvl is Level.CAMPAIGN:
                row.append(it["objective_type"])
            if lvl is not Level.AD:
                budgeted = it["budget_mode"] != "BUDGET_MODE_INFINITE"
                row += [it["budget_mode"], major(it["budget_minor"], cur) if budgeted else None]
            row += [
                cur,
                f"{it['ad_account_name'] or ''} ({it['ad_account_advertiser_id']})",
                alloc.get("client_account_name"),
                alloc.get("advertiser_name"),
            ]
            yield row + metric_cells(it["metrics"], cur)

    totals: list[list[Cell]] = []
    for t in (meta.get("totals") or {}).get("by_currency", []):
        row: list[Cell] = [None] * metric_at
        row[0] = f"{tr('Total')} {t['currency']}"
        row[1] = f"{t['count']}"
        totals.append(row + metric_cells(t["metrics"], t["currency"]))
    return Table(header, rows(), totals, title=f"{tr(NOUNS[lvl])} {meta['range']['range']}")


def export(
    uow: UnitOfWork,
    workspace_id: int,
    level: Level | str,
    fmt: str | None,
    *,
    tr: Callable[[str], str] = _plain,
    reason: Callable[[str], str] = _plain,
    **kw: Any,
) -> tuple[bytes, str, str]:
    """The whole list (every page, in its order, with its total rows) as CSV or XLSX:
    (content, media type, file name). ``kw`` as ``object_page`` without ``cursor``/``limit``;
    an unknown ``fmt`` is a 422 naming ``format``."""
    form = export_format(fmt)
    lvl = level if isinstance(level, Level) else domain.level(level)
    items, meta = all_items(uow, workspace_id, lvl, **kw)
    table = export_table(lvl, items, meta, tr=tr, reason=reason)
    body = render(table, form)
    stem = {Level.CAMPAIGN: "campaigns", Level.ADGROUP: "adgroups", Level.AD: "ads"}[lvl]
    return body, MEDIA_TYPES[form], filename(f"{stem}-{meta['range']['range']}", form)
