"""Login, logout and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.core import LOCALE_COOKIE
from promodesk.console.routing import ConsoleRoute
from promodesk.console.urls import safe_next
from promodesk.console.visit import (
    GuestFormVisit,
    GuestVisit,
    Uow,
    console_of,
)
from promodesk.demo import DEMO_EMAIL, DEMO_PASSWORD
from promodesk.kit.errors import RateLimited, Unauthorized, ValidationFailed
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _hint(request: Request) -> tuple[str, str] | None:
    """The published demo login, on servers started as a demo (``make run``)."""
    return (DEMO_EMAIL, DEMO_PASSWORD) if console_of(request).st.settings.demo else None


@router.get("/login")
def login_page(request: Request, visit: GuestVisit, next: str = "/") -> Response:
    if visit.member is not None:
        return visit.redirect(safe_next(next))
    return visit.page("login.html", email="", next=safe_next(next), demo_hint=_hint(request))


@router.post("/login")
def login_submit(request: Request, visit: GuestFormVisit, uow: Uow) -> Response:
    """Check the password (argon2) under the login throttle; a failure is committed too, so
    the throttle counts it."""
    console = console_of(request)
    settings = console.st.settings
    email = forms.clean(visit.form.get("email", ""), 254)
    nxt = safe_next(visit.form.get("next"))
    client = request.client.host if request.client else "unknown"
    try:
        done = tenancy.login(
            uow,
            email,
            visit.form.get("password", ""),
            client=client,
            max_failures=settings.login_max_failures,
            max_failures_per_account=settings.login_max_failures_per_account,
            max_failures_per_address=settings.login_max_failures_per_address,
            window_seconds=settings.login_window_seconds,
            session_seconds=settings.session_max_age_seconds,
        )
    except RateLimited:
        status = 429
        message = visit._("Too many failed logins. Wait a few minutes and try again.")
    except (Unauthorized, ValidationFailed):
        status = 401
        message = visit._("Wrong email or password.")
    else:
        # The language picked on the login page is the latest choice: keep it on the user.
        chosen = console.catalogs.normalize(request.cookies.get(LOCALE_COOKIE))
        if chosen and chosen != done.user.locale:
            tenancy.set_locale(uow, done.user.id, chosen)
        if visit.session_id:
            tenancy.logout(uow, visit.session_id)
        visit.login_cookie(done.token)
        return visit.redirect(nxt)
    visit.flash("error", message)
    return visit.page("login.html", status=status, email=email, next=nxt, demo_hint=_hint(request))


@router.post("/logout")
def logout(visit: GuestVisit, uow: Uow) -> Response:
    if visit.session_id:
        tenancy.logout(uow, visit.session_id)
        # The login page keeps speaking the language the user chose.
        visit.locale_cookie(visit.locale)
        visit.flash("info", visit._("You have logged out."))
    visit.logout_cookie()
    return visit.redirect("/login")


@router.post("/locale")
def switch_locale(request: Request, visit: GuestFormVisit, uow: Uow) -> Response:
    console = console_of(request)
    chosen = console.catalogs.normalize(visit.form.get("locale"))
    if chosen is None:
        raise ValidationFailed("choose one of the offered languages", field="locale")
    visit.locale_cookie(chosen)
    if visit.member is not None:
        tenancy.set_locale(uow, visit.member.user_id, chosen)
    return visit.redirect(safe_next(visit.form.get("next")))
