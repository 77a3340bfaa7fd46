"""The retrospective of cancellations: ``/cancellations/retrospective``, its filters (month,
week or range; client, advertiser), charts by reason and of freed and reallocated budget, the
table, CSV/XLSX downloads, and per cancellation its lessons and action items (a form for
operators; viewers read them). A filter that cannot be read, or names nothing of this workspace,
is said beside the filter and shows no rows, never a wider list.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.accounts.service import clients as clients_service
from promodesk.campaigns.service.retrospective import export as retro_export
from promodesk.campaigns.service.retrospective import notes as retro_notes
from promodesk.campaigns.service.retrospective import report as retro_report
from promodesk.console import forms, labels, lessons
from promodesk.console.core import N_
from promodesk.console.formerrors import FormRefused
from promodesk.console.routes.campaigns.monitor import major
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit, Visit
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.money import Money

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BLANK_ITEMS = 2  # empty action item rows offered under the saved ones
# The exports' headers and words (campaigns.service.retrospective), translated when exported
# from the console.
EXPORT_WORDS = (
    N_("Cancellation"),
    N_("Made at (UTC)"),
    N_("Reason"),
    N_("Action"),
    N_("Advertisers"),
    N_("Items"),
    N_("Currency"),
    N_("Spent to date"),
    N_("Freed"),
    N_("Spend after stop"),
    N_("Cost per result before"),
    N_("Reference cost per result"),
    N_("Compared with"),
    N_("Advertiser spend before"),
    N_("Advertiser spend after"),
    N_("Advertiser change (%)"),
    N_("Lessons"),
    N_("Open action items"),
    N_("Section"),
    N_("Item"),
    N_("Figure"),
    N_("Period"),
    N_("Summary"),
    N_("Cancellations"),
    N_("Cancellations by reason"),
    N_("Totals"),
    N_("Reallocated"),
    N_("Advertiser"),
    N_("Not allocated"),
)
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILTER_KEYS = ("period", "month", "week", "since", "until", "client", "advertiser")


def _minor_text(value: str | None, currency: str) -> str:
    """A cost per result (minor units, a decimal string) as money text."""
    if value is None:
        return "-"
    try:
        amount = Decimal(value).quantize(Decimal(1))
        return Money(int(amount), currency).format()
    except (ValueError, TypeError, ArithmeticError):
        return value


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: q.get(k, "").strip()[:20] for k in FILTER_KEYS}


def effective_period(f: dict[str, str]) -> str:
    """The period the filters mean: the one chosen, unless its own field is empty and another
    period's is filled (days typed with "Month" still selected mean a range)."""
    filled = {
        "month": bool(f["month"]),
        "week": bool(f["week"]),
        "custom": bool(f["since"] or f["until"]),
    }
    chosen = f["period"]
    if chosen in filled and (filled[chosen] or not any(filled.values())):
        return chosen
    for kind in ("custom", "week", "month"):
        if filled[kind]:
            return kind
    return chosen or "month"


def _retro_data(
    visit: Visit, uow: Any, f: dict[str, str]
) -> tuple[dict[str, Any] | None, str, str]:
    """The retrospective of the filters, or (None, the refusal in words, its field)."""
    period = effective_period(f)
    client = forms.optional_id(f["client"])
    advertiser = forms.optional_id(f["advertiser"])
    if f["client"] and client is None:
        return None, visit._("Choose a client account from the list."), "client"
    if f["advertiser"] and advertiser is None:
        return None, visit._("Choose an advertiser from the list."), "advertiser"
    try:
        data = retro_report.retrospective(
            uow,
            visit.principal.workspace_id,
            period=period,
            month=f["month"] or None,
            week=f["week"] or None,
            since=f["since"] or None,
            until=f["until"] or None,
            client_id=client,
            advertiser_id=advertiser,
        )
    except NotFound as exc:
        field = exc.field or "advertiser"
        text = (
            visit._("Choose a client account from the list.")
            if field == "client"
            else visit._("Choose an advertiser from the list.")
        )
        return None, text, field
    except ValidationFailed as exc:
        field = exc.field or "period"
        texts = {
            "period": visit._("Choose a month, a week or a range of days."),
            "month": visit._("Enter a month as YYYY-MM."),
            "week": visit._("Enter a week as YYYY-Www, for example 2026-W49."),
            "since": visit._("Enter the first day as YYYY-MM-DD."),
            "until": visit._(
                "Enter the last day as YYYY-MM-DD, on or after the first day, "
                "at most 366 days later."
            ),
        }
        return None, texts.get(field, visit.error_text(exc)), field
    return data, "", ""


def retro_charts(visit: Visit, data: dict[str, Any]) -> dict[str, Any]:
    reasons = list(data["by_reason"].items())
    by_reason = {
        "x": [labels.label("cancel_reason", k, visit._) for k, _ in reasons],
        "x_type": "category",
        "series": [{"name": visit._("Cancellations"), "y": [n for _, n in reasons], "kind": "bar"}],
        "y_title": visit._("Cancellations"),
    }
    money = []
    for t in data["totals"]:
        cur = t["currency"]
        money.append(
            {
                "currency": cur,
                "spec": {
                    "x": [
                        visit._("Spent to date"),
                        visit._("Freed"),
                        visit._("Reallocated"),
                        visit._("Spend after stop"),
                    ],
                    "x_type": "category",
                    "series": [
                        {
                            "name": cur,
                            "y": [
                                major(t["spent_minor"], cur),
                                major(t["freed_minor"], cur),
                                major(t["reallocated_minor"], cur),
                                major(t["spend_after_minor"], cur),
                            ],
                            "kind": "bar",
                        }
                    ],
                    "y_title": cur,
                },
            }
        )
    return {"by_reason": by_reason, "money": money}


def _choices(uow: Any, workspace_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    clients, advertisers = [], []
    for client in clients_service.list_clients(uow, workspace_id, limit=500):
        clients.append({"id": client.id, "label": client.name})
        for adv in clients_service.list_advertisers(uow, workspace_id, client.id):
            advertisers.append({"id": adv.id, "label": f"{client.name} / {adv.name}"})
    return clients, advertisers


def _cpr_view(row: dict[str, Any]) -> dict[str, str]:
    cpr = row["cost_per_result"]
    cur = cpr.get("currency") or ""
    return {
        "objects": _minor_text(cpr.get("objects"), cur) if cur else "-",
        "reference": _minor_text(cpr.get("reference"), cur) if cur else "-",
    }


@router.get("/cancellations/retrospective")
def retrospective_page(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    f = _filters(request)
    data, error, error_field = _retro_data(visit, uow, f)
    clients, advertisers = _choices(uow, visit.principal.workspace_id)
    kept = {k: v for k, v in f.items() if v}
    query = urlencode(kept)
    return visit.page(
        "campaigns/retrospective.html",
        d=data,
        f=f,
        period=effective_period(f),
        error=error,
        error_field=error_field,
        clients=clients,
        advertisers=advertisers,
        charts=retro_charts(visit, data) if data else None,
        cpr={r["id"]: _cpr_view(r) for r in data["rows"]} if data else {},
        csv_url=f"/cancellations/retrospective.csv{'?' + query if query else ''}",
        xlsx_url=f"/cancellations/retrospective.xlsx{'?' + query if query else ''}",
        back=f"/cancellations/retrospective{'?' + query if query else ''}",
        blank_items=BLANK_ITEMS,
        adv_urls={
            a["advertiser_id"]: "/cancellations/retrospective?"
            + urlencode(
                {
                    **{k: v for k, v in kept.items() if k != "client"},
                    "advertiser": a["advertiser_id"],
                }
            )
            for a in (data["advertisers"] if data else [])
            if a["advertiser_id"] is not None
        },
    )


def _label_of(visit: Visit) -> Any:
    """The export's headers and words in the member's language."""

    def label(text: str) -> str:
        if text == "advertiser":
            return visit._("the advertiser")
        if text == "ad_account":
            return visit._("the ad account")
        return visit._(text) if text else text

    return label


def _reason_of(visit: Visit) -> Any:
    return lambda code: labels.label("cancel_reason", code, visit._)


@router.get("/cancellations/retrospective.csv")
def retrospective_csv(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    data, error, _field = _retro_data(visit, uow, _filters(request))
    if data is None:
        raise FormRefused(error, status=422)
    return Response(
        content=retro_export.to_csv(data, _label_of(visit), _reason_of(visit)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_name(data)}.csv"'},
    )


@router.get("/cancellations/retrospective.xlsx")
def retrospective_xlsx(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    data, error, _field = _retro_data(visit, uow, _filters(request))
    if data is None:
        raise FormRefused(error, status=422)
    return Response(
        content=retro_export.to_xlsx(data, _label_of(visit), _reason_of(visit)),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{_name(data)}.xlsx"'},
    )


def _name(data: dict[str, Any]) -> str:
    return f"retrospective-{data['period']['since']}-{data['period']['last']}"


@router.post("/cancellations/{cancellation_id}/lessons")
def save_lessons(visit: OperatorVisit, uow: Uow, cancellation_id: int) -> Response:
    """The lessons and action items form of one cancellation (the rows as sent replace the
    saved ones; empty rows are dropped)."""
    form = visit.form
    back = form.get("back", "")
    if not back.startswith("/cancellations/"):
        back = "/cancellations/retrospective"
    try:
        retro_notes.update_notes(
            uow,
            visit.principal.workspace_id,
            cancellation_id,
            lessons=lessons.lessons(form),
            action_items=lessons.action_items(form),
            actor=visit.principal.actor,
        )
    except ValidationFailed as exc:
        raise lessons.refused(visit, exc, back) from exc
    visit.flash("success", visit._("Lessons and action items are saved."))
    return visit.redirect(f"{back}#cancellation-{cancellation_id}")
