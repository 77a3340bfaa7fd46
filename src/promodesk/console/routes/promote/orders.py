"""The order wizard (content → eligibility and goals → budget, audience, coupon → preview →
confirm), the order page with its chart, and stopping an order (preview, confirm).

Rules:
- Nothing is paid before the preview: the wizard and the preview are GET pages that write
  nothing; the preview runs the same rules ``place_order`` enforces (eligibility, goal,
  budget and duration, audience, coupon, wallet balance) and a refusal goes back to the wizard
  with the reasons and the values kept.
- A refused action rolls its unit of work back before the flash is written (the ``with``
  block is left by the exception), so a half-placed order never commits.
- There is no pause; the order page says so next to the Stop button.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.formerrors import FormRefused
from promodesk.console.routes.promote.common import reason_text, refusal, wallet_summary
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import (
    OperatorVisit,
    Uow,
    ViewerConfirmingVisit,
    ViewerVisit,
    Visit,
)
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import InsufficientFunds, NotFound, PromodeskError, ValidationFailed
from promodesk.ledger.service import get_account
from promodesk.promote.api.money import money_config
from promodesk.promote.domain.coupons import CouponStatus, check_coupon
from promodesk.promote.domain.eligibility import ContentKind, require_eligible
from promodesk.promote.domain.goals import GOAL_RESULT, Goal, check_budget, check_goal
from promodesk.promote.domain.orders import OPEN, OrderStatus
from promodesk.promote.domain.settlement import refund_split
from promodesk.promote.schemas.orders import order_read
from promodesk.promote.service import coupons as coupons_service
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service.orders import AGE_RANGES, GENDERS, normalize_audience
from promodesk.promote.service.wallet import wallet_view
from promodesk.promote.settings import promote_settings
from promodesk.tenancy.domain import Role

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
FIELDS = (
    "content_id", "goal", "budget_coins", "duration_hours", "audience", "gender", "ages",
    "interests", "coupon_id", "website_url",
)  # fmt: skip


@dataclass(frozen=True)
class OrderInput:
    content_id: int
    goal: str
    budget: int
    duration: int
    audience: dict[str, Any]
    website_url: str | None
    coupon_id: int | None


def _values(request: Request) -> dict[str, str]:
    """The wizard's fields from a query string; the age checkboxes become one ``ages`` field."""
    q = request.query_params
    values = {k: q.get(k, "")[:2000] for k in FIELDS}
    ages = q.getlist("age")
    if ages:
        values["ages"] = ",".join(a for a in ages if a in AGE_RANGES)
    return values


def _parse(values: dict[str, str]) -> OrderInput:
    content_id = forms.whole(values, "content_id")
    custom = values.get("audience") == "custom"
    audience: dict[str, Any] = {"mode": "automatic"}
    if custom:
        audience = {
            "mode": "custom",
            "gender": values.get("gender") or "all",
            "age_ranges": [a for a in (values.get("ages") or "").split(",") if a],
            "interests": [i for i in (values.get("interests") or "").split(",") if i.strip()],
        }
    return OrderInput(
        content_id=content_id,
        goal=values.get("goal", ""),
        budget=forms.whole(values, "budget_coins"),
        duration=forms.whole(values, "duration_hours"),
        audience=normalize_audience(audience),
        website_url=(values.get("website_url") or "").strip() or None,
        coupon_id=_coupon_id(values.get("coupon_id")),
    )


def _coupon_id(raw: str | None) -> int | None:
    """No coupon when the field is empty; anything else must name a coupon (never ignored)."""
    text = (raw or "").strip()
    if not text:
        return None
    found = forms.optional_id(text)
    if found is None:
        raise ValidationFailed(f"coupon {text[:30]} not found", field="coupon_id")
    return found


def _usable_coupons(uow: UnitOfWork, workspace_id: int, creator_id: int) -> list[Any]:
    now = clock.now()
    return [
        c
        for c in coupons_service.list_coupons(uow, workspace_id, creator_id, limit=200)
        if coupons_service.shown_status(c) == CouponStatus.AVAILABLE and c.valid_from <= now
    ]


def _wizard_url(creator_id: int, values: dict[str, str]) -> str:
    kept = {k: v for k, v in values.items() if v}
    base = f"/promote/creators/{creator_id}/orders/new"
    return base + ("?" + urlencode(kept) if kept else "")


@router.get("/promote/creators/{creator_id}/orders/new")
def order_wizard(request: Request, visit: ViewerVisit, uow: Uow, creator_id: int) -> Response:
    values = _values(request)
    workspace_id = visit.principal.workspace_id
    creator = creators_service.get_creator(uow, workspace_id, creator_id)
    contents = creators_service.list_contents(uow, workspace_id, creator_id, limit=200)
    content_id = forms.optional_id(values.get("content_id"))
    content = reasons = goals = kind = None
    if content_id is not None:
        try:
            content = creators_service.get_content(uow, workspace_id, content_id)
            found, allowed, kind = creators_service.check_eligibility(
                uow, workspace_id, creator_id, content_id
            )
        except NotFound:
            visit.flash("warning", visit._("Pick one of this creator's videos or LIVE rooms."))
            content = None
        else:
            reasons = [reason_text(visit, r) for r in found]
            goals = [g.value for g in allowed]
    limits = promote_settings().limits()
    return visit.page(
        "promote/order_new.html",
        creator=creator,
        contents=contents,
        content=content,
        reasons=reasons,
        goals=goals,
        kind=kind,
        values=values,
        ages=(values.get("ages") or "").split(","),
        age_ranges=AGE_RANGES,
        genders=GENDERS,
        coupons=_usable_coupons(uow, workspace_id, creator_id),
        wallet=wallet_summary(uow, workspace_id, creator_id, money_config(request)),
        limits=limits,
    )


def _check(uow: UnitOfWork, workspace_id: int, creator_id: int, data: OrderInput) -> dict[str, Any]:
    """The rules ``place_order`` enforces, run without writing anything."""
    content = creators_service.get_content(uow, workspace_id, data.content_id)
    if content.creator_id != creator_id:
        raise NotFound(f"content {data.content_id} not found", field="content_id")
    reasons, _goals, _kind = creators_service.check_eligibility(
        uow, workspace_id, creator_id, content.id
    )
    require_eligible(reasons)
    check_goal(creators_service.content_facts(content), data.goal, data.website_url)
    check_budget(data.budget, data.duration, promote_settings().limits())
    coupon = None
    if data.coupon_id is not None:
        coupon = coupons_service.get_coupon(uow, workspace_id, data.coupon_id)
        check_coupon(coupons_service.facts(coupon), creator_id, data.budget, clock.now())
    coupon_value = coupon.value_coins if coupon else 0
    paid = data.budget - coupon_value
    balance = wallet_view(uow, workspace_id, creator_id).balance
    if balance < paid:
        raise InsufficientFunds(
            f"the wallet holds {balance} coins; this order needs {paid}",
            field="budget_coins",
            balance=balance,
            needed=paid,
        )
    return {"content": content, "coupon": coupon, "paid": paid, "balance": balance}


@router.get("/promote/creators/{creator_id}/orders/preview")
def order_preview(
    request: Request, visit: ViewerConfirmingVisit, uow: Uow, creator_id: int
) -> Response:
    values = _values(request)
    try:
        workspace_id = visit.principal.workspace_id
        creator = creators_service.get_creator(uow, workspace_id, creator_id)
        data = _parse(values)
        checked = _check(uow, workspace_id, creator_id, data)
        hidden = {**values, "ages": ",".join(data.audience.get("age_ranges", []))}
        return visit.page(
            "promote/order_preview.html",
            creator=creator,
            data=data,
            hidden={k: v for k, v in hidden.items() if v},
            back=_wizard_url(creator_id, values),
            is_live=checked["content"].kind == ContentKind.LIVE,
            **checked,
        )
    except PromodeskError as exc:
        return _refused(visit, exc, _wizard_url(creator_id, values))


@router.post("/promote/creators/{creator_id}/orders")
def order_place(visit: ViewerVisit, uow: Uow, creator_id: int) -> Response:
    values: dict[str, str] = {}
    try:
        principal = visit.require(Role.OPERATOR)  # refused on the wizard, like the rules
        values = {k: visit.form.get(k, "")[:2000] for k in FIELDS}
        data = _parse(values)
        order = orders_service.place_order(
            uow,
            principal.workspace_id,
            creator_id=creator_id,
            content_id=data.content_id,
            goal=data.goal,
            budget_coins=data.budget,
            duration_hours=data.duration,
            audience=data.audience,
            website_url=data.website_url,
            coupon_id=data.coupon_id,
            actor=principal.actor,
        )
        visit.flash(
            "success",
            visit._(
                "Order %(id)s is placed: %(n)s coins are held for it.",
                id=order.id,
                n=f"{order.budget_coins:,}",
            ),
        )
        return visit.redirect(f"/promote/orders/{order.id}")
    except PromodeskError as exc:
        return _refused(visit, exc, _wizard_url(creator_id, values))


def _refused(visit: Visit, exc: PromodeskError, url: str) -> NoReturn:
    """The wizard again with the refusal beside its field and what was typed kept (``url``:
    the wizard with its values); the unit of work rolls back as the refusal goes up."""
    raise FormRefused(refusal(visit, exc), status=exc.status_code, field=exc.field, page=url)


# the order page ------------------------------------------------------------------------------


def _order_context(uow: UnitOfWork, visit: Visit, order_id: int) -> dict[str, Any]:
    workspace_id = visit.principal.workspace_id
    order = orders_service.get_order(uow, workspace_id, order_id)
    read = order_read(order)
    result_field = GOAL_RESULT[Goal(order.goal)]
    series = [
        {
            "hour": h.hour.isoformat(),
            "spend": int(h.spend_coins),
            "results": int(getattr(h, result_field)),
        }
        for h in orders_service.hourly_series(uow, workspace_id, order_id)
    ]
    return {
        "order": order,
        "read": read,
        "creator": creators_service.get_creator(uow, workspace_id, order.creator_id),
        "content": creators_service.get_content(uow, workspace_id, order.content_id),
        "result_field": result_field,
        "series": series,
        "series_json": json.dumps(series, separators=(",", ":")).replace("<", "\\u003c"),
        "is_open": OrderStatus(order.status) in OPEN,
    }


@router.get("/promote/orders/{order_id}")
def order_page(visit: ViewerVisit, uow: Uow, order_id: int) -> Response:
    return visit.page("promote/order.html", **_order_context(uow, visit, order_id))


@router.get("/promote/orders/{order_id}/stop")
def stop_preview(visit: ViewerConfirmingVisit, uow: Uow, order_id: int) -> Response:
    """What stopping returns now: spend drew on the coupon first; the wallet gets
    ``min(paid, budget − spent)`` and the coupon funding the rest."""
    ctx = _order_context(uow, visit, order_id)
    order = ctx["order"]
    split = None
    if ctx["is_open"] and order.escrow_account_id is not None:
        escrow = get_account(uow, visit.principal.workspace_id, order.escrow_account_id)
        spent = order.paid_coins + order.coupon_coins - escrow.balance
        split = refund_split(order.paid_coins, order.coupon_coins, spent)
        ctx["spent_now"] = spent
    return visit.page("promote/order_stop.html", split=split, **ctx)


@router.post("/promote/orders/{order_id}/stop")
def stop_confirm(visit: OperatorVisit, uow: Uow, order_id: int) -> Response:
    principal = visit.principal
    order = orders_service.stop_order(
        uow,
        principal.workspace_id,
        order_id,
        reason=forms.clean(visit.form.get("reason", ""), 500),
        actor=principal.actor,
    )
    visit.flash(
        "success",
        visit._(
            "Order %(id)s is stopped. Its unspent coins go back to the wallet in a few seconds.",
            id=order.id,
        ),
    )
    return visit.redirect(f"/promote/orders/{order.id}")
