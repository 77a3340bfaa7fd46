"""The cancel preview (a GET page that writes nothing), the confirmation (POST), the refusal
with the safer alternatives, and the alternatives themselves (stock to zero, restock, replace,
presale).

Rules:
- The preview is the service's dry run: per item the path and the offers cancelled with it;
  per activity and shop the remaining count and ratio after, the traffic share, the guardrail
  verdict with the rule and numbers, the alternatives and the timing (now, or the next
  low-traffic window in the shop's time zone).
- The confirmation re-checks everything atomically in the service: a violation is refused
  (409 page with the rule, the numbers and the alternatives) unless an admin forces it.
- Replace has its own confirmation page (GET, named by an intent): prices, discount, review,
  checks and every activity touched; its form carries the one-time submit token and the price
  it showed, and a different price now shows the page again instead of replacing.
- "Now" runs inline (all or nothing) up to the inline limit and as a batch job above it (a live
  progress bar); "window" schedules a job per shop and activity, cancellable until it runs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.routes.promote.common import flash_refusal
from promodesk.console.routes.shop.common import (
    ALTERNATIVES,
    BADGES,
    ITEM_CODES,
    PATHS,
    REASONS,
    RULES,
    STATES,
    chosen,
    local,
    page_zone,
    titles,
)
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import (
    OperatorVisit,
    Uow,
    ViewerConfirmingVisit,
    ViewerVisit,
    Visit,
)
from promodesk.kit import money
from promodesk.kit.errors import PromodeskError, ValidationFailed
from promodesk.shop.errors import GuardrailViolation
from promodesk.shop.service import alternatives as alternatives_service
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import catalog as catalog_service
from promodesk.shop.service import presale as presale_service
from promodesk.shop.service import preview as preview_service
from promodesk.shop.service import replace as replace_service
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service import stock_zero as stock_zero_service
from promodesk.shop.service import window as window_service
from promodesk.shop.settings import shop_settings
from promodesk.tenancy.domain import Role, at_least

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _labels() -> dict[str, Any]:
    return {
        "states": STATES,
        "badges": BADGES,
        "reasons": REASONS,
        "paths": PATHS,
        "alternatives": ALTERNATIVES,
        "rules": RULES,
        "codes": ITEM_CODES,
    }


def _context(uow: Any, visit: Visit, view: dict[str, Any]) -> dict[str, Any]:
    workspace_id = visit.principal.workspace_id
    shop_ids = {i["shop_id"] for i in view["items"]}
    shops = {s: shops_service.get_shop(uow, workspace_id, s) for s in shop_ids}
    for g in view["groups"]:
        tz = g["timing"]["timezone"]
        g["timing"]["window_local"] = local(g["timing"]["window_start"], tz)
        g["timing"]["window_end_local"] = local(g["timing"]["window_end"], tz)
        g["shop_name"] = shops[g["shop_id"]].name
    return {
        "view": view,
        "names": titles(uow, workspace_id, shop_ids),
        "can_force": at_least(visit.principal.role, Role.ADMIN),
        "inline_limit": shop_settings().inline_limit,
        "zone": page_zone(list(shops.values())),
        **_labels(),
    }


@router.get("/shop/preview")
def preview(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    q = request.query_params
    values = {k: q.get(k, "")[:20_000] for k in ("ids", "activity_id", "shop_id", "state", "all")}
    picked = q.getlist("e")
    workspace_id = visit.principal.workspace_id
    sel = chosen(values, picked if picked else None)
    view = preview_service.preview(uow, workspace_id, sel.selection)
    return visit.page(
        "shop/preview.html", hidden=sel.hidden, back=_back(values), **_context(uow, visit, view)
    )


def _back(values: dict[str, str]) -> str:
    activity = forms.optional_id(values.get("activity_id"))
    return f"/shop?activity_id={activity}" if activity else "/shop"


@router.post("/shop/cancel")
def cancel(visit: OperatorVisit, uow: Uow) -> Response:
    principal = visit.principal
    workspace_id = principal.workspace_id
    sel = chosen(visit.form)
    mode = visit.form.get("mode", "now")
    if mode not in ("now", "window", "batch"):
        raise ValidationFailed("choose when to run the cancel", field="mode")
    common: dict[str, Any] = {
        "reason": visit.form.get("reason", ""),
        "reason_text": forms.clean(visit.form.get("reason_text", ""), 1000),
        "force": forms.checked(visit.form, "force"),
        "actor": principal.actor,
        "role": principal.role,
    }
    try:
        with uow.savepoint():
            return _run(uow, visit, workspace_id, sel.selection, mode, common)
    except GuardrailViolation as exc:
        # Nothing was written (the savepoint rolled back); the refusal is a page with the
        # rule, the numbers and the alternatives, not a one-line flash.
        view = preview_service.preview(uow, workspace_id, sel.selection)
        return visit.page(
            "shop/refused.html",
            status=409,
            error=exc.to_body(),
            hidden=sel.hidden,
            # what was typed comes back in the form of the refusal page (nothing is lost)
            typed={"mode": mode, "reason": common["reason"], "reason_text": common["reason_text"]},
            **_context(uow, visit, view),
        )


def _run(
    uow: Any, visit: Visit, workspace_id: int, sel: Any, mode: str, common: dict[str, Any]
) -> Response:
    if mode == "window":
        batches = window_service.schedule_in_window(uow, workspace_id, sel, **common)
        for b in batches:
            shop = shops_service.get_shop(uow, workspace_id, b.shop_id or 0)
            visit.flash(
                "success",
                visit._(
                    "%(n)s products will be cancelled in the low-traffic window at %(at)s. You can "
                    "call it off until then.",
                    n=b.total,
                    at=local(b.run_at, shop.timezone),
                ),
            )
        return visit.redirect(
            f"/shop/batches/{batches[0].id}" if len(batches) == 1 else "/shop/batches"
        )
    count = len(batch_service.resolve(uow, workspace_id, sel))
    if mode == "batch" or count > shop_settings().inline_limit:
        if not common["force"]:
            _precheck(uow, workspace_id, sel)
        batch = batch_service.start_batch(uow, workspace_id, sel, **common)
        visit.flash("info", visit._("The cancel of %(n)s products runs as a batch.", n=batch.total))
        return visit.redirect(f"/shop/batches/{batch.id}")
    batch = batch_service.cancel_now(uow, workspace_id, sel, **common)
    visit.flash(
        "success",
        visit._(
            "%(n)s products are cancelled; their linked coupons and discounts were cancelled with "
            "them. Verification follows after the activity's delay.",
            n=batch.done,
        ),
    )
    return visit.redirect(f"/shop/batches/{batch.id}")


def _precheck(uow: Any, workspace_id: int, sel: Any) -> None:
    """A batch refuses up front what an inline cancel would refuse."""
    view = preview_service.preview(uow, workspace_id, sel)
    bad = [g for g in view["groups"] if not g["verdict"]["ok"]]
    if bad:
        raise GuardrailViolation(
            "the cancel would break an activity rule; nothing was changed",
            violations=[
                {"activity_id": g["activity_id"], "shop_id": g["shop_id"], "verdict": g["verdict"]}
                for g in bad
            ],
            alternatives=bad[0]["alternatives"],
            can_force=not any(g["rules"]["immutable"] for g in bad),
        )


# the alternatives ---------------------------------------------------------------------------


def _back_to(visit: Visit, enrollment_id: int) -> Response:
    return visit.redirect(f"/shop/enrollments/{enrollment_id}")


@router.post("/shop/enrollments/{enrollment_id}/stock-zero")
def stock_zero(visit: OperatorVisit, uow: Uow, enrollment_id: int) -> Response:
    principal = visit.principal
    workspace_id = principal.workspace_id
    item = stock_zero_service.check(uow, workspace_id, [enrollment_id])[0]
    if any(not p["selected"] and p["effect"] != "unchanged" for p in item["enrollments"]):
        # The product is in other activities too: confirm on the page that lists them.
        return visit.redirect(f"/shop/stock-zero?e={enrollment_id}")
    e = alternatives_service.stock_to_zero(
        uow, workspace_id, enrollment_id, actor=principal.actor, role=principal.role
    )
    activity = catalog_service.get_activity(uow, workspace_id, e.activity_id)
    shop = shops_service.get_shop(uow, workspace_id, e.shop_id)
    at = e.updated_at + timedelta(minutes=activity.delist_delay_minutes)
    visit.flash(
        "success",
        visit._(
            "Stock is zero: the product stays visible but cannot be bought. It is delisted at "
            "%(at)s unless you restock it first.",
            at=local(at, shop.timezone),
        ),
    )
    return _back_to(visit, enrollment_id)


@router.post("/shop/products/{product_id}/restock")
def restock(visit: OperatorVisit, uow: Uow, product_id: int) -> Response:
    principal = visit.principal
    stock = forms.whole(visit.form, "stock", high=10**12)
    answer = alternatives_service.restock(
        uow, principal.workspace_id, product_id, stock, actor=principal.actor
    )
    n = answer["enrollments_restored"]
    visit.flash(
        "success",
        visit._(
            "Restocked: %(n)s enrollments are back in their stage; the delist will not happen.",
            n=n,
        ),
    )
    activities = sorted({i["activity"] for i in answer["enrollments"] if i["effect"] == "resumes"})
    if len(activities) > 1:
        visit.flash(
            "info",
            visit._(
                "The stock is shared: the product is back in %(n)s activities: %(names)s.",
                n=len(activities),
                names=", ".join(activities),
            ),
        )
    back = forms.optional_id(visit.form.get("enrollment_id"))
    return _back_to(visit, back) if back else visit.redirect("/shop")


def _replace_values(source: Any) -> dict[str, str]:
    return {k: str(source.get(k, "") or "")[:40] for k in ("product_id", "price")}


def _replace_price(uow: Any, workspace_id: int, enrollment_id: int, text: str) -> int | None:
    """The activity price typed in the currency's major unit (159.80), exactly; none: keep
    the discount percentage."""
    if not text.strip():
        return None
    currency = catalog_service.get_enrollment(uow, workspace_id, enrollment_id).currency
    try:
        return money.parse_plain(text, currency).amount
    except ValidationFailed as exc:
        raise ValidationFailed(str(exc), field="activity_price_minor") from None


def _replace_page(
    uow: Any, visit: Visit, enrollment_id: int, values: dict[str, str], *, changed: bool = False
) -> Response:
    workspace_id = visit.principal.workspace_id
    product_id = forms.whole(values, "product_id")
    view = replace_service.preview_replace(
        uow,
        workspace_id,
        enrollment_id,
        product_id,
        activity_price_minor=_replace_price(uow, workspace_id, enrollment_id, values["price"]),
    )
    names = {view["old"]["product_id"]: view["old"]["title"]}
    names[view["new"]["product_id"]] = view["new"]["title"]
    return visit.page(
        "shop/replace_confirm.html",
        view=view,
        values=values,
        changed=changed,
        names=names,
        **_labels(),
    )


@router.get("/shop/enrollments/{enrollment_id}/replace")
def replace_confirm(
    request: Request, visit: ViewerConfirmingVisit, uow: Uow, enrollment_id: int
) -> Response:
    """The confirmation page of a replace: the preview (prices, discount, review, checks,
    every activity touched) and the form that carries the one-time submit token. A refusal
    (the role's too) goes back to the enrollment with the input kept."""
    values = _replace_values(request.query_params)
    try:
        visit.require(Role.OPERATOR)
        return _replace_page(uow, visit, enrollment_id, values)
    except PromodeskError as exc:
        flash_refusal(visit, exc)
        query = urlencode(
            {"replace_product": values["product_id"], "replace_price": values["price"]}
        )
        return visit.redirect(f"/shop/enrollments/{enrollment_id}?{query}#alternatives")


@router.post("/shop/enrollments/{enrollment_id}/replace")
def replace(visit: OperatorVisit, uow: Uow, enrollment_id: int) -> Response:
    """Only from the confirmation page: the price it showed must still be the price now (a
    product's price may have changed meanwhile); otherwise the page is shown again."""
    principal = visit.principal
    workspace_id = principal.workspace_id
    values = _replace_values(visit.form)
    product_id = forms.whole(values, "product_id")
    price = _replace_price(uow, workspace_id, enrollment_id, values["price"])
    view = replace_service.preview_replace(
        uow, workspace_id, enrollment_id, product_id, activity_price_minor=price
    )
    shown = visit.form.get("shown_price_minor", "")
    confirmed = visit.form.get("confirm") == "yes"
    if not confirmed or shown != str(view["new"]["activity_price_minor"]):
        return _replace_page(uow, visit, enrollment_id, values, changed=confirmed)
    new = replace_service.replace(
        uow,
        workspace_id,
        enrollment_id,
        product_id,
        activity_price_minor=price,
        actor=principal.actor,
    )
    price_text = money.price_text(money.Money(new.activity_price_minor, new.currency), visit.locale)
    if new.state == "pending_review":
        text = visit._(
            "Replaced: the new product took the slot and the offers at %(price)s; it waits "
            "for the platform's review before it sells. Undo it from the snapshot.",
            price=price_text,
        )
    else:
        text = visit._(
            "Replaced: the new product took the slot and the offers at %(price)s. Undo it "
            "from the snapshot.",
            price=price_text,
        )
    visit.flash("success", text)
    return _back_to(visit, new.id)


@router.post("/shop/enrollments/{enrollment_id}/presale")
def presale(visit: OperatorVisit, uow: Uow, enrollment_id: int) -> Response:
    principal = visit.principal
    days = forms.whole(visit.form, "shipping_days", high=3650)
    presale_service.set_presale(
        uow, principal.workspace_id, enrollment_id, shipping_days=days, actor=principal.actor
    )
    visit.flash(
        "success", visit._("Presale: buyers are promised shipping within %(n)s days.", n=days)
    )
    return _back_to(visit, enrollment_id)
