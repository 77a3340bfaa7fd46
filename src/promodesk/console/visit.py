"""One console request: who is visiting, in which language, with which CSRF token.

Rules:
- The session cookie carries a random token signed with itsdangerous (timed, so an old cookie
  dies with ``session_max_age_seconds`` even if its server row were left behind); the server
  row is found by the token's sha256 and holds the CSRF token of the session.
- Every POST is checked against a CSRF token: the session's once logged in, before login the
  double-submit token of a signed cookie. ``ConsoleRoute`` refuses a POST whose route did not
  check (no form can slip through unchecked).
- Language: a logged-in user's stored locale; before login the locale cookie, then the
  browser's ``Accept-Language``.
- A ``Visit`` holds plain values only, so error pages can still use it after the unit of work
  rolled back.
- A route opens its visit with one of the dependencies at the end of this module
  (``ViewerVisit``, ``OperatorVisit``, ``AdminVisit``; ``GuestVisit`` where no login is needed):
  the session is resolved, the CSRF token of a POST checked and the role required, in the
  request's unit of work (``Uow``), which is the route's transaction: ``ConsoleRoute`` commits it
  when the route returns and rolls it back when it raises, before an error page is shown.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature

from promodesk.console import labels
from promodesk.console.cookies import anonymous_locale, read_flashes, session_token
from promodesk.console.cookies import console_of as console_of  # where the routes take it
from promodesk.console.core import (
    FLASH_COOKIE,
    FORM_COOKIE,
    LOCALE_COOKIE,
    LOCALE_COOKIE_AGE,
    SESSION_COOKIE,
    Console,
)
from promodesk.console.urls import INTENT, INTENT_PATTERN, with_intent
from promodesk.kit import auth
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import PromodeskError
from promodesk.kit.idempotency import Claim, mark_done
from promodesk.tenancy import service as tenancy
from promodesk.tenancy.domain import Principal, Role, at_least

log = logging.getLogger("promodesk.console")
#: parameters of an error's message that are codes, shown as their labels
LABELLED_PARAMS = {
    "state": "shop_state",
    "target_state": "shop_state",
    "change": "shop_change",
    "batch_status": "shop_batch",
}

FLASH_CHARS = 300
FORM_CLAIM = "form_claim"


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page."""


class CsrfRefused(Exception):
    """A POST without the right CSRF token."""


@dataclass(frozen=True)
class Member:
    user_id: int
    email: str
    name: str
    workspace_name: str
    principal: Principal

    @property
    def role(self) -> str:
        return self.principal.role

    def can(self, role: str) -> bool:
        return at_least(self.principal.role, Role(role))


@dataclass
class Visit:
    request: Request
    console: Console
    locale: str
    csrf: str
    form: dict[str, str]
    member: Member | None = None
    session_id: str | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)
    cookies: list[tuple[str, str, int]] = field(default_factory=list)
    drop_cookies: list[str] = field(default_factory=list)

    # -- who ------------------------------------------------------------------------------------
    @property
    def principal(self) -> Principal:
        if self.member is None:
            raise LoginRequired
        return self.member.principal

    def submit_token(self) -> str:
        """The one-time token of a form (see console/submit.py): fresh on every page, except
        on a confirmation page whose URL names an intent (``with_intent``): there it is derived
        from the session and the intent, so the page the browser shows again on Back carries
        the token already spent and paying again does nothing."""
        intent = self.request.query_params.get(INTENT, "")
        if self.request.method == "GET" and self.session_id and INTENT_PATTERN.fullmatch(intent):
            secret = self.console.st.settings.ensure_secret_key().encode()
            seed = f"{self.session_id}\n{self.request.url.path}\n{intent}".encode()
            return hmac.new(secret, seed, hashlib.sha256).hexdigest()[:32]
        return secrets.token_urlsafe(18)

    def require(self, role: Role) -> Principal:
        principal = self.principal
        principal.require(role)
        return principal

    # -- language -------------------------------------------------------------------------------
    def _(self, message: str, **variables: object) -> str:
        return self.console.gettext(self.locale, message, **variables)

    def error_text(
        self, exc: PromodeskError | None, detail: str | None = None, status: int | None = None
    ) -> str:
        """An error's detail in the reader's language: the error's own message when it
        carries one (codes among its params shown as labels), the catalog's translation of the
        English detail, or, rather than English after a translated title, a sentence that
        says what the status means."""
        detail = exc.detail if detail is None and exc is not None else (detail or "")
        status = status or (exc.status_code if exc is not None else 400)
        if exc is not None and exc.message:
            params = {
                name: labels.label(LABELLED_PARAMS[name], value, self._)
                if name in LABELLED_PARAMS
                else value
                for name, value in exc.params.items()
            }
            try:
                return self._(exc.message, **params)
            except (KeyError, TypeError, ValueError):
                log.warning("error message %r does not fit its params", exc.message)
        if not detail:
            return ""
        translated = self._(detail)
        if translated != detail or self.locale == self.console.catalogs.default:
            return translated
        generic = {
            400: self._("A value is missing or not valid."),
            403: self._("Your role does not allow this."),
            409: self._("It does not fit the current state. Reload the page and try again."),
            422: self._("A value is missing or not valid."),
            429: self._("Wait a moment and try again."),
        }
        return generic.get(status, "")

    # -- flashes --------------------------------------------------------------------------------
    def flash(self, level: str, message: str) -> None:
        # Flashes travel in a cookie (about 4 KB at most): a message echoing input is capped.
        self.flashes.append((level, message[:FLASH_CHARS]))

    # -- responses ------------------------------------------------------------------------------
    def page(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        shown, self.flashes = self.flashes, []
        html = self.console.render(
            self.locale,
            template,
            {"visit": self, "member": self.member, "flashes": shown, **context},
        )
        response = HTMLResponse(html, status_code=status)
        self._finish(response, flashes=[])
        response.headers["Cache-Control"] = "no-store"
        return response

    def redirect(self, url: str) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303)
        self._finish(response, flashes=self.flashes)
        return response

    def _finish(self, response: Response, *, flashes: list[tuple[str, str]]) -> None:
        secure = self.console.cookie_secure
        if flashes:
            value = self.console.flash_signer.dumps([list(f) for f in flashes[-5:]])
            response.set_cookie(
                FLASH_COOKIE, value, httponly=True, samesite="lax", secure=secure, path="/"
            )
        elif FLASH_COOKIE in self.request.cookies:
            response.delete_cookie(FLASH_COOKIE, path="/")
        for name, value, max_age in self.cookies:
            response.set_cookie(
                name,
                value,
                max_age=max_age or None,
                httponly=True,
                samesite="lax",
                secure=secure,
                path="/",
            )
        for name in self.drop_cookies:
            response.delete_cookie(name, path="/")

    def login_cookie(self, token: str) -> None:
        value = self.console.session_signer.dumps(token)
        self.cookies.append((SESSION_COOKIE, value, self.console.session_max_age))

    def logout_cookie(self) -> None:
        self.drop_cookies.append(SESSION_COOKIE)

    def locale_cookie(self, locale: str) -> None:
        self.cookies.append((LOCALE_COOKIE, locale, LOCALE_COOKIE_AGE))


def bare_visit(request: Request) -> Visit:
    """A visit without the database: for error pages and the anonymous pages."""
    console = console_of(request)
    form: dict[str, str] = getattr(request.state, "form", {})
    visit = Visit(request, console, anonymous_locale(request), "", form)
    visit.flashes = read_flashes(request)
    raw = request.cookies.get(FORM_COOKIE, "")
    try:
        token = console.form_signer.loads(raw) if raw else None
    except BadSignature:
        token = None
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        visit.cookies.append((FORM_COOKIE, console.form_signer.dumps(token), 0))
    visit.csrf = token
    return visit


def open_visit(
    request: Request, uow: UnitOfWork, *, login: bool = True, anonymous_form: bool = False
) -> Visit:
    """Resolve the session, pick the language and check the CSRF token of a POST.

    ``anonymous_form``: the form may also have been shown before login (login, language), so
    the pre-login token is accepted as well as the session's.
    """
    visit = bare_visit(request)
    before_login = visit.csrf
    token = session_token(request)
    identity = tenancy.resolve_session(uow, token) if token else None
    if identity is not None:
        user = identity.user
        ws_name = tenancy.get_workspace(uow, identity.principal.workspace_slug).name
        visit.member = Member(user.id, user.email, user.name, ws_name, identity.principal)
        visit.session_id = identity.session_id
        visit.csrf = identity.csrf
        visit.locale = visit.console.catalogs.normalize(user.locale) or visit.locale
    request.state.visit = visit
    if request.method == "POST":
        sent = visit.form.get("csrf_token", "")
        allowed = [visit.csrf, before_login] if anonymous_form else [visit.csrf]
        if not sent or not any(auth.same(sent, token) for token in allowed):
            raise CsrfRefused
        request.state.csrf_checked = True
        claim: Claim | None = getattr(request.state, FORM_CLAIM, None)
        if claim is not None and not claim.stored:
            # The form's one-time token is done if, and only if, this transaction commits
            # (see console/submit.py).
            mark_done(uow, claim, 303, "{}", "console/redirect")
            claim.stored = True
    if login and visit.member is None:
        raise LoginRequired
    return visit


# -- the dependencies that open a route's visit -------------------------------------------------

UNIT = "console_unit"


def unit_of_work(request: Request) -> UnitOfWork:
    """The request's unit of work: opened here, closed by ``ConsoleRoute`` (``close_unit``)
    once the route is done, inside its error handling, so a refused action has rolled back
    before its page is shown again and a failed commit is an error page, never a success."""
    stack = ExitStack()
    uow = stack.enter_context(console_of(request).st.db.transaction())
    setattr(request.state, UNIT, stack)
    return uow


def close_unit(request: Request, exc: BaseException | None) -> None:
    """Commit the request's unit of work (``exc`` None) or roll it back; nothing if there is
    none (any more). A route that goes on to call a remote API commits it first, so that no
    transaction waits on the remote side."""
    stack: ExitStack | None = getattr(request.state, UNIT, None)
    if stack is None:
        return
    setattr(request.state, UNIT, None)
    if exc is None:
        stack.close()
    else:
        stack.__exit__(type(exc), exc, exc.__traceback__)


Uow = Annotated[UnitOfWork, Depends(unit_of_work)]


class Redirected(Exception):
    """Answer with ``response`` instead of running the route (``ConsoleRoute`` sends it)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.headers.get("location", ""))
        self.response = response


def _intent_first(request: Request) -> None:
    """A confirmation page first gets its intent (``with_intent``), before anything is read."""
    again = with_intent(request)
    if again is not None:
        raise Redirected(again)


def guest(request: Request, uow: Uow) -> Visit:
    """A page or form that works without login (the login page, the public storefront)."""
    return open_visit(request, uow, login=False)


def guest_form(request: Request, uow: Uow) -> Visit:
    """A form that may have been shown before login (login, language): the pre-login CSRF
    token is accepted as well as the session's."""
    return open_visit(request, uow, login=False, anonymous_form=True)


def viewer(request: Request, uow: Uow) -> Visit:
    """Any member of the workspace; the login page otherwise."""
    return open_visit(request, uow)


def operator(request: Request, uow: Uow) -> Visit:
    """A member whose role is at least operator; the 403 page otherwise."""
    visit = open_visit(request, uow)
    visit.require(Role.OPERATOR)
    return visit


def admin(request: Request, uow: Uow) -> Visit:
    """A member whose role is at least admin; the 403 page otherwise."""
    visit = open_visit(request, uow)
    visit.require(Role.ADMIN)
    return visit


def viewer_confirming(
    request: Request, _intent: Annotated[None, Depends(_intent_first)], uow: Uow
) -> Visit:
    """A member on a confirmation page (see ``with_intent``)."""
    return viewer(request, uow)


GuestVisit = Annotated[Visit, Depends(guest)]
GuestFormVisit = Annotated[Visit, Depends(guest_form)]
ViewerVisit = Annotated[Visit, Depends(viewer)]
OperatorVisit = Annotated[Visit, Depends(operator)]
AdminVisit = Annotated[Visit, Depends(admin)]
ViewerConfirmingVisit = Annotated[Visit, Depends(viewer_confirming)]
