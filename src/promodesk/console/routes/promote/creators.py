"""Promote: the creators list, a creator's page (wallet, recharges, orders, withdrawals,
invoices, coupons, content) and the small forms on it. Money actions: ``money``; orders:
``orders``; the review queue: ``review``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms, pickers
from promodesk.console.paging import PAGE_SIZE, Pager, parse_before
from promodesk.console.routes.promote.common import wallet_summary
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit
from promodesk.kit import clock
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money, price_text
from promodesk.models import PromoteWithdrawal
from promodesk.promote.api.money import money_config
from promodesk.promote.domain.eligibility import AccountType, ContentKind, DeviceOS
from promodesk.promote.domain.goals import Goal
from promodesk.promote.domain.orders import OrderStatus
from promodesk.promote.domain.payout import expected_payout_date, route_for
from promodesk.promote.domain.regions import least_coins, packages
from promodesk.promote.payments import TestProvider
from promodesk.promote.service import coupons as coupons_service
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import invoices, withdrawals
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import recharge as recharges
from promodesk.promote.service import review as review_service
from promodesk.promote.settings import promote_settings

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
QUEUE_CAP = 100
LIST_LIMIT = 20


@router.get("/promote")
def promote_home(request: Request, visit: ViewerVisit, uow: Uow, after: str = "") -> Response:
    workspace_id = visit.principal.workspace_id
    cfg = money_config(request)
    start = parse_before(after) or 0
    rows = creators_service.list_creators(uow, workspace_id, after_id=start, limit=PAGE_SIZE + 1)
    shown = rows[:PAGE_SIZE]
    creators = [(c, wallet_summary(uow, workspace_id, c.id, cfg)) for c in shown]
    queued = len(review_service.review_queue(uow, workspace_id, limit=QUEUE_CAP + 1))
    return visit.page(
        "promote/home.html",
        creators=creators,
        next_url=f"/promote?after={shown[-1].id}" if len(rows) > PAGE_SIZE else None,
        first_url="/promote" if start else None,
        queued=queued,
        cap=QUEUE_CAP,
        account_types=[a.value for a in AccountType],
        systems=[o.value for o in DeviceOS],
        launched_regions=_launched_regions(),
    )


def _launched_regions() -> list[str]:
    """Where Promote is launched for some kind of content (offered first in the picker)."""
    cfg = promote_settings()
    return sorted({*cfg.video_regions, *cfg.ecommerce_regions, *cfg.live_regions})


@router.post("/promote/creators")
def create_creator(visit: OperatorVisit, uow: Uow) -> Response:
    principal = visit.principal
    form = visit.form
    birth = forms.day(form.get("birth_date"), "birth_date")
    if birth is None:
        raise ValidationFailed("birth_date is required", field="birth_date")
    creator = creators_service.create_creator(
        uow,
        principal.workspace_id,
        handle=forms.clean(form.get("handle", ""), 80),
        birth_date=birth,
        account_type=form.get("account_type", ""),
        device_os=form.get("device_os", ""),
        app_version=forms.clean(form.get("app_version", ""), 32),
        region=pickers.country(visit, form.get("region", "").strip(), "region"),
        display_name=forms.clean(form.get("display_name", ""), 200),
        actor=principal.actor,
    )
    visit.flash("success", visit._("Creator @%(handle)s is created.", handle=creator.handle))
    return visit.redirect(f"/promote/creators/{creator.id}")


@router.get("/promote/creators/{creator_id}")
def creator_page(request: Request, visit: ViewerVisit, uow: Uow, creator_id: int) -> Response:
    q = request.query_params
    workspace_id = visit.principal.workspace_id
    cfg = money_config(request)
    creator = creators_service.get_creator(uow, workspace_id, creator_id)
    filters = _order_filters(q)
    cursor = parse_before(q.get("before", ""))
    rows = orders_service.list_orders(
        uow,
        workspace_id,
        creator_id=creator_id,
        before_id=cursor,
        limit=PAGE_SIZE + 1,
        **filters.query,
    )
    orders, pager = Pager.of(rows, f"/promote/creators/{creator_id}", filters.shown, cursor)
    table = recharges.method_table(uow, workspace_id)
    methods = table.allowed(creator.region, creator.device_os)
    quick, min_coins = [], 1
    if methods:
        min_coins = least_coins(cfg.pricing, creator.region)
        quick = [
            (q.coins, price_text(q.price, visit.locale))
            for q in packages(cfg.pricing, promote_settings().coin_packages, creator.region)
        ]
    route, _message = route_for(creator.region, creator.device_os)
    now = clock.now()
    return visit.page(
        "promote/creator.html",
        creator=creator,
        wallet=wallet_summary(uow, workspace_id, creator_id, cfg),
        methods=methods,
        quick=quick,
        min_coins=min_coins,
        test_provider=isinstance(cfg.provider, TestProvider),
        recharges=[
            (r, price_text(Money(r.amount, r.currency), visit.locale))
            for r in recharges.list_recharges(
                uow, workspace_id, creator_id=creator_id, limit=LIST_LIMIT
            )
        ],
        orders=orders,
        pager=pager,
        filters=filters.shown,
        statuses=[s.value for s in OrderStatus],
        goals=[g.value for g in Goal],
        kinds=[k.value for k in ContentKind],
        route=route.value,
        payout_date=_payout_date(creator.region, now, cfg.payout_working_days),
        withdrawals=[
            (w, _cash(w, visit.locale))
            for w in withdrawals.list_withdrawals(
                uow, workspace_id, creator_id=creator_id, limit=LIST_LIMIT
            )
        ],
        invoices=[
            (i, price_text(Money(i.amount, i.currency), visit.locale))
            for i in invoices.list_invoices(
                uow, workspace_id, creator_id=creator_id, limit=LIST_LIMIT
            )
        ],
        coupons=[
            (c, coupons_service.shown_status(c))
            for c in coupons_service.list_coupons(uow, workspace_id, creator_id, limit=200)
        ],
        contents=creators_service.list_contents(uow, workspace_id, creator_id, limit=200),
    )


def _cash(w: PromoteWithdrawal, locale: str) -> str:
    """The cash a withdrawal was quoted at; a dash for one recorded before it was kept."""
    if w.cash_amount is None or not w.cash_currency:
        return "–"
    return price_text(Money(w.cash_amount, w.cash_currency), locale)


def _payout_date(region: str, now: datetime, days: int) -> date | None:
    try:
        return expected_payout_date(now, region, days)
    except ValidationFailed:  # no holiday calendar for the region: say nothing rather than guess
        return None


@dataclass
class _Filters:
    shown: dict[str, str] = field(default_factory=dict)  # kept in links, shown in the form
    query: dict[str, Any] = field(default_factory=dict)  # passed to list_orders


def _order_filters(params: Mapping[str, str]) -> _Filters:
    """The order list's filters from the query string; unknown values are dropped."""
    out = _Filters()
    status = params.get("status", "")
    if status in {s.value for s in OrderStatus}:
        out.shown["status"] = status
        out.query["statuses"] = [status]
    goal = params.get("goal", "")
    if goal in {g.value for g in Goal}:
        out.shown["goal"] = goal
        out.query["goal"] = goal
    kind = params.get("kind", "")
    if kind in {k.value for k in ContentKind}:
        out.shown["kind"] = kind
        out.query["content_kind"] = kind
    # Dates are whole UTC days: "to" includes its day.
    for name, key, extra in (("from", "created_from", 0), ("to", "created_to", 1)):
        day = forms.day(params.get(name), name)
        if day is not None:
            out.shown[name] = day.isoformat()
            out.query[key] = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(days=extra)
    return out


@router.post("/promote/creators/{creator_id}/contents")
def add_content(visit: OperatorVisit, uow: Uow, creator_id: int) -> Response:
    principal = visit.principal
    form = visit.form
    kind = form.get("kind", "")
    is_video = kind == ContentKind.VIDEO
    content = creators_service.create_content(
        uow,
        principal.workspace_id,
        creator_id,
        kind=kind,
        title=forms.clean(form.get("title", ""), 300),
        has_ecommerce_anchor=is_video and forms.checked(form, "anchor"),
        commercial_music=is_video and forms.checked(form, "commercial_music"),
        on_air=not is_video and forms.checked(form, "on_air"),
        actor=principal.actor,
    )
    visit.flash("success", visit._("Content %(id)s is added.", id=content.id))
    return visit.redirect(f"/promote/creators/{creator_id}#contents")


@router.post("/promote/creators/{creator_id}/coupons")
def issue_coupon(visit: OperatorVisit, uow: Uow, creator_id: int) -> Response:
    principal = visit.principal
    value = forms.whole(visit.form, "value_coins", high=coupons_service.MAX_COUPON_COINS)
    days = forms.whole(visit.form, "days", high=365, default=30)
    coupon = coupons_service.issue_coupon(
        uow,
        principal.workspace_id,
        creator_id,
        value_coins=value,
        valid_until=clock.now() + timedelta(days=days),
        note=forms.clean(visit.form.get("note", ""), 300),
        actor=principal.actor,
    )
    visit.flash(
        "success",
        visit._(
            "Coupon %(id)s worth %(coins)s coins is issued.",
            id=coupon.id,
            coins=f"{coupon.value_coins:,}",
        ),
    )
    return visit.redirect(f"/promote/creators/{creator_id}#coupons")


@router.get("/promote/invoices/{invoice_id}/pdf")
def invoice_pdf(visit: ViewerVisit, uow: Uow, invoice_id: int) -> Response:
    name, data = invoices.invoice_pdf(uow, visit.principal.workspace_id, invoice_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
