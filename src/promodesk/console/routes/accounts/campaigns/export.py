"""The campaign, ad group and ad lists as shown, exported as CSV or XLSX."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.campaigns.domain.reports import Level
from promodesk.campaigns.service import exports
from promodesk.console import forms
from promodesk.console.labels import label
from promodesk.console.routes.accounts.campaigns.lists import list_query
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import Uow, ViewerVisit, Visit

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/campaigns/export")
def campaigns_export(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    return _export(request, visit, uow, Level.CAMPAIGN)


@router.get("/campaigns/adgroups/export")
def adgroups_export(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    return _export(request, visit, uow, Level.ADGROUP)


@router.get("/campaigns/ads/export")
def ads_export(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    return _export(request, visit, uow, Level.AD)


def _export(request: Request, visit: Visit, uow: Any, level: Level) -> Response:
    """The list as shown (filters, range, sort, every page, totals) as CSV or XLSX, with the
    header and status words in the reader's language."""
    q = request.query_params
    query = list_query(request)
    range_word = query["range"] or ("custom" if query["since"] or query["until"] else "")
    candidates = level is Level.CAMPAIGN and q.get("candidates") == "1"
    chosen = forms.optional_id(q.get("ad_account_id", ""))
    body, media, name = exports.export(
        uow,
        visit.principal.workspace_id,
        level,
        q.get("format", ""),
        tr=visit._,
        reason=lambda code: label("tiktok_secondary_status", code, visit._),
        ad_account_id=chosen,
        advertiser_id=None if candidates else forms.optional_id(q.get("advertiser_id", "")),
        campaign_row_id=forms.optional_id(q.get("campaign_id", "")),
        candidates_only=candidates and chosen is not None,
        include_deleted=query["hide_deleted"] != "1",
        search=query["search"],
        status=query["status"],
        sort=query["sort"],
        range=range_word,
        since=query["since"] if range_word == "custom" else None,
        until=query["until"] if range_word == "custom" else None,
    )
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
