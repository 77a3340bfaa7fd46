"""A product across channels: everything that promotes it (shop enrollments, linked ads, ad
groups and campaigns, Promote orders of linked contents) with spend and results, its links,
and linking by hand (``promotions.service.products``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.routes.promotions.index import money_text, row_view, when_text
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit
from promodesk.kit.errors import ValidationFailed
from promodesk.promotions.domain.links import Target
from promodesk.promotions.service import products

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/promotions/products/{product_id}")
def product_page(visit: ViewerVisit, uow: Uow, product_id: int) -> Response:
    found = products.promotions_of_product(uow, visit.principal.workspace_id, product_id)
    channels: dict[str, list[dict[str, object]]] = {}
    for r in found.items:
        channels.setdefault(r.channel.value, []).append(row_view(visit, r))
    return visit.page(
        "promotions/product.html",
        product=found.product,
        channels=channels,
        totals=found.totals,
        links=found.links,
        money=lambda m: money_text(visit, m),
        when=when_text,
        targets=[t.value for t in Target],
    )


@router.post("/promotions/products/{product_id}/link")
def link(visit: OperatorVisit, uow: Uow, product_id: int) -> Response:
    kind = forms.clean(visit.form.get("kind") or "", 30)
    target_id = forms.clean(visit.form.get("target_id") or "", 20)
    note = forms.clean(visit.form.get("note") or "", 500)
    try:
        products.link_product(
            uow,
            visit.principal.workspace_id,
            product_id,
            f"{kind}:{target_id}",
            actor=visit.principal.actor,
            note=note,
        )
    except ValidationFailed as exc:  # the form names the target by kind and id
        if exc.field != "target":
            raise
        raise ValidationFailed(
            exc.detail, field="target_id", message=exc.message, params=exc.params
        ) from None
    visit.flash("success", visit._("The promotion is linked to the product."))
    return visit.redirect(f"/promotions/products/{product_id}")


@router.post("/promotions/products/{product_id}/unlink")
def unlink(visit: OperatorVisit, uow: Uow, product_id: int) -> Response:
    target = forms.clean(visit.form.get("target") or "", 60)
    products.unlink_product(
        uow, visit.principal.workspace_id, product_id, target, actor=visit.principal.actor
    )
    visit.flash("success", visit._("The promotion is unlinked from the product."))
    return visit.redirect(f"/promotions/products/{product_id}")


@router.post("/promotions/products/{product_id}/autolink")
def autolink(visit: OperatorVisit, uow: Uow, product_id: int) -> Response:
    result = products.link_ads_automatically(uow, visit.principal.workspace_id)
    visit.flash(
        "success",
        visit._(
            "Ads read: %(scanned)s; links added: %(added)s; removed: %(removed)s.",
            scanned=result.scanned,
            added=result.added,
            removed=result.removed,
        ),
    )
    return visit.redirect(f"/promotions/products/{product_id}")
