"""A shop's platform link in the console: its state, "Connect to TikTok Shop" (a popup on the
platform's authorization page), the callback that exchanges the code on "Confirm" (a
CSRF-checked POST), and the choice of a platform shop by its cipher when the seller approved
several.

Rules: no token ever reaches a page; the list of shops to choose from travels in a signed
pending authorization whose tokens are encrypted (``platform_links.authorization.pending_token``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from promodesk.console import forms
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit, console_of
from promodesk.shop.errors import PlatformChoiceNeeded
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service.platform_links import authorization, linking, reads

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
CALLBACK = "/shop/platform/callback"


def _redirect_uri(request: Request) -> str:
    public = console_of(request).st.settings.public_url.rstrip("/")
    base = public or str(request.base_url).rstrip("/")
    return base + CALLBACK


@router.get("/shop/shops/{shop_id}/platform")
def platform_page(visit: ViewerVisit, uow: Uow, shop_id: int) -> Response:
    workspace_id = visit.principal.workspace_id
    shop = shops_service.get_shop(uow, workspace_id, shop_id)
    row = reads.get_link(uow, workspace_id, shop.id)
    return visit.page(
        "shop/platform.html",
        zone=shop.timezone,
        shop=shop,
        link=reads.link_view(row) if row is not None else None,
    )


@router.get("/shop/shops/{shop_id}/platform/connect")
def connect(request: Request, visit: OperatorVisit, uow: Uow, shop_id: int) -> Response:
    """Opened in a popup: on to the platform's authorization page with a signed state."""
    principal = visit.principal
    url = authorization.authorization_url(
        uow,
        principal.workspace_id,
        shop_id,
        actor=principal.actor,
        redirect_uri=_redirect_uri(request),
    )
    return RedirectResponse(url, status_code=303)


@router.get(CALLBACK)
def callback(request: Request, visit: OperatorVisit) -> Response:
    """The platform sends the seller back here; the link is made on "Confirm"."""
    q = request.query_params
    code = forms.clean(q.get("code") or q.get("auth_code") or "", 1000)
    state = forms.clean(q.get("state", ""), 2000)
    return visit.page("shop/platform_callback.html", code=code, state=state, choice=None)


def _done(visit: OperatorVisit, shop_id: int) -> Response:
    return visit.page("shop/platform_callback.html", code="", state="", choice=None, done=shop_id)


@router.post(CALLBACK)
def confirm(visit: OperatorVisit, uow: Uow) -> Response:
    principal = visit.principal
    authorized = authorization.authorize(
        principal.workspace_id,
        state=visit.form.get("state", ""),
        code=visit.form.get("code", ""),
    )
    try:
        linking.link(uow, authorized, actor=principal.actor)
    except PlatformChoiceNeeded:
        return visit.page(
            "shop/platform_callback.html",
            code="",
            state="",
            choice={
                "shops": authorized.shops,
                "pending": authorization.pending_token(authorized),
            },
        )
    return _done(visit, authorized.shop_id)


@router.post("/shop/platform/pick")
def pick(visit: OperatorVisit, uow: Uow) -> Response:
    principal = visit.principal
    authorized = authorization.from_pending(principal.workspace_id, visit.form.get("pending", ""))
    linking.link(
        uow,
        authorized,
        shop_cipher=forms.clean(visit.form.get("shop_cipher", ""), 255) or None,
        actor=principal.actor,
    )
    return _done(visit, authorized.shop_id)
