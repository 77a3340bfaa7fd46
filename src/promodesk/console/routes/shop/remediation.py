"""Remediation after a cancel, in the console: compensation coupons to a product's followers
(value, validity, one batch; the batches already issued are listed on the enrollment page), and
the shop's announcements (title, text, linked replacement products) with a link to the public
storefront that shows them; the shops list leads to both.

Rules:
- The coupon value is typed in the product's currency as a plain decimal (``12.50``; no
  exponent, no sign) and parsed exactly by ``kit.money``; validity is 1..365 days. The
  service issues one coupon per follower, within its caps (value and total).
- Nothing is issued before a confirmation page showing count × value = total cost; the
  confirmation carries the count it showed, and a different count now asks again.
- Replacement products are checkboxes named ``product_<id>`` (the console's form parser keeps
  one value per name); only the shop's listed products are offered.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.routes.shop.common import local, page_zone
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit
from promodesk.kit import money
from promodesk.kit.errors import ValidationFailed
from promodesk.shop.service import remediation as remediation_service
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service.platform_links import reads

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def store_url(slug: str, shop_id: int) -> str:
    return f"/store/{slug}/{shop_id}"


@router.get("/shop/shops")
def shops(visit: ViewerVisit, uow: Uow) -> Response:
    workspace_id = visit.principal.workspace_id
    rows = shops_service.list_shops(uow, workspace_id, limit=200)
    return visit.page(
        "shop/shops.html",
        zone=page_zone(rows),
        rows=rows,
        teams={s.id: shops_service.members(uow, workspace_id, s.id) for s in rows},
        notes={s.id: len(remediation_service.announcements(uow, workspace_id, s.id)) for s in rows},
        slug=visit.principal.workspace_slug,
        links={row.shop_id: row for row in reads.links(uow, workspace_id)},
    )


def _listed(uow: Any, workspace_id: int, shop_id: int) -> list[Any]:
    return [
        p
        for p in shops_service.list_products(uow, workspace_id, shop_id, limit=500)
        if p.status == "listed"
    ]


@router.get("/shop/shops/{shop_id}/announcements")
def announcements(request: Request, visit: ViewerVisit, uow: Uow, shop_id: int) -> Response:
    picked = {
        i
        for part in request.query_params.get("replacement", "")[:2000].split(",")
        if (i := forms.optional_id(part)) is not None
    }
    workspace_id = visit.principal.workspace_id
    shop = shops_service.get_shop(uow, workspace_id, shop_id)
    listed = _listed(uow, workspace_id, shop.id)
    titles = {
        p.id: p.title for p in shops_service.list_products(uow, workspace_id, shop.id, limit=500)
    }
    return visit.page(
        "shop/announcements.html",
        zone=shop.timezone,
        shop=shop,
        rows=remediation_service.announcements(uow, workspace_id, shop.id),
        listed=listed,
        picked=picked,
        titles=titles,
        store=store_url(visit.principal.workspace_slug, shop.id),
    )


@router.post("/shop/shops/{shop_id}/announcements")
def announce(visit: OperatorVisit, uow: Uow, shop_id: int) -> Response:
    principal = visit.principal
    workspace_id = principal.workspace_id
    product_ids = sorted(forms.ticked_ids(visit.form, "product_"))
    row = remediation_service.announce(
        uow,
        workspace_id,
        shop_id,
        title=forms.clean(visit.form.get("title", ""), 200),
        body=visit.form.get("body", "")[:5000].replace("\r\n", "\n"),
        product_ids=product_ids,
        actor=principal.actor,
    )
    visit.flash(
        "success",
        visit._(
            "The announcement “%(title)s” is on the shop's page with %(n)s replacement products.",
            title=row.title,
            n=len(product_ids),
        ),
    )
    return visit.redirect(f"/shop/shops/{shop_id}/announcements")


@router.post("/shop/products/{product_id}/compensation")
def compensate(visit: OperatorVisit, uow: Uow, product_id: int) -> Response:
    principal = visit.principal
    workspace_id = principal.workspace_id
    product = shops_service.get_product(uow, workspace_id, product_id)
    raw = (visit.form.get("value") or "").strip()
    if not raw:
        raise ValidationFailed("give the coupon's value", field="value")
    value = money.parse_plain(raw, product.currency).amount
    days = forms.whole(visit.form, "valid_days", high=365)
    quote = remediation_service.compensation_quote(uow, workspace_id, product.id, value)
    confirmed = visit.form.get("confirm") == "yes"
    if not confirmed or visit.form.get("count") != str(quote.count):
        # count × value = total before anything is issued; asked again when the number
        # of followers changed since the confirmation page was shown
        return visit.page(
            "shop/compensation_confirm.html",
            q=quote,
            value=raw,
            days=days,
            enrollment_id=forms.optional_id(visit.form.get("enrollment_id")),
            recounted=confirmed,
        )
    comp = remediation_service.compensate(
        uow, workspace_id, product.id, value_minor=value, valid_days=days, actor=principal.actor
    )
    shop = shops_service.get_shop(uow, workspace_id, product.shop_id)
    visit.flash(
        "success",
        visit._(
            "%(n)s compensation coupons were issued to the followers of %(title)s, valid "
            "until %(at)s.",
            n=comp.issued,
            title=product.title,
            at=local(comp.valid_until, shop.timezone),
        ),
    )
    back = forms.optional_id(visit.form.get("enrollment_id"))
    return visit.redirect(f"/shop/enrollments/{back}#remediation" if back else "/shop")
