"""One-time submit tokens for console forms: a form sent twice does its work once.

Rules:
- Every console form carries a fresh random ``submit_token`` (the ``csrf`` macro adds it). A
  POST with one is claimed like an API Idempotency-Key (the same table), scoped to the
  member's session, before the route runs.
- The claim is marked done inside the route's own transaction (``open_visit`` does it, in the
  unit of work that holds the form's work), so the work and the token commit together: after a
  double click, a browser Back then Send again, or a crash, the work has happened at most once.
- A repeat of a done form does nothing and shows the first result: the browser goes where the
  first submission went, with a note that the form had already been sent. A duplicate that
  arrives while the first is still running waits for it (up to the lock timeout), then does
  the same; past that it is told the form is still being processed.
- The same token with other values (Back, change a field, send) is refused: reload the page.
- Only forms answered with a redirect are remembered. A form answered with a page (a preview,
  a form with errors) or an error changed nothing: its claim is forgotten and it may be sent
  again. Without a session (the login form) or a token, a form is not deduplicated.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta

import anyio
from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from promodesk.console.cookies import console_of, session_token
from promodesk.console.core import N_
from promodesk.console.urls import safe_next
from promodesk.console.visit import FORM_CLAIM
from promodesk.kit.db import BUSY_ERRORS
from promodesk.kit.idempotency import (
    IN_PROGRESS,
    MISMATCH,
    Claim,
    claim_key,
    forget,
    release,
    request_fingerprint,
    set_response,
    valid_key,
)

FIELD = "submit_token"
STATE = FORM_CLAIM
WAIT_STEP = 0.1

IGNORED = frozenset({FIELD, "csrf_token", "form_page"})


def _scope(session: str) -> str:
    return hashlib.sha256(b"console-form\n" + session.encode()).hexdigest()[:64]


def _fingerprint(request: Request, form: dict[str, str]) -> str:
    fields = sorted((k, v) for k, v in form.items() if k not in IGNORED)
    body = json.dumps(fields, ensure_ascii=False).encode()
    return request_fingerprint("POST", request.url.path, request.url.query.encode(), body)


@dataclass(frozen=True)
class Answer:
    """What to tell the browser instead of running the route: a flash, and where to go
    (``None``: back to the page the form was on)."""

    level: str
    message: str
    location: str | None = None


async def begin(request: Request) -> Answer | None:
    """Claim the form's token; an answer instead of running the route (a repeat, a duplicate
    still running, a changed form), or None to run it."""
    form: dict[str, str] = getattr(request.state, "form", {})
    token = form.get(FIELD, "")
    session = session_token(request)
    if not token or not valid_key(token) or session is None:
        return None
    settings = console_of(request).st.settings
    args = (
        console_of(request).st.db,
        _scope(session),
        f"form:{token[:64]}:{request.url.path}"[:255],
        "POST",
        request.url.path[:500],
        _fingerprint(request, form),
        timedelta(hours=settings.idempotency_ttl_hours),
        timedelta(seconds=settings.idempotency_stale_seconds),
    )
    deadline = time.monotonic() + settings.db_lock_timeout_seconds
    while True:
        try:
            decision = await run_in_threadpool(claim_key, *args)
        except BUSY_ERRORS:
            decision = IN_PROGRESS
        if isinstance(decision, Claim):
            setattr(request.state, STATE, decision)
            return None
        if decision is not IN_PROGRESS or time.monotonic() > deadline:
            break
        await anyio.sleep(WAIT_STEP)
    if decision is IN_PROGRESS:
        return Answer("warning", N_("This form is still being processed. Please wait."))
    if decision is MISMATCH:
        return Answer(
            "error", N_("This form was already sent. Reload the page to send it with other values.")
        )
    return Answer(
        "info",
        N_("This form had already been sent; here is its result."),
        _stored_location(decision[1]),
    )


async def finish(request: Request, response: Response | None) -> None:
    """After the route: remember where a redirect went; forget a claim whose form was
    answered with a page (nothing was meant to change); release one whose route failed (its
    transaction rolled back, or, if it had committed, the claim stays done)."""
    claim: Claim | None = getattr(request.state, STATE, None)
    if claim is None:
        return
    db = console_of(request).st.db
    location = response.headers.get("location") if response is not None else None
    try:
        if response is None:
            await run_in_threadpool(release, db, claim)
        elif response.status_code in (302, 303) and location:
            body = json.dumps({"location": location})
            await run_in_threadpool(set_response, db, claim, body)
        else:
            await run_in_threadpool(forget, db, claim)
    except BUSY_ERRORS:
        pass  # the claim goes stale by itself


def _stored_location(body: bytes) -> str | None:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None
    location = data.get("location") if isinstance(data, dict) else None
    return safe_next(location) if isinstance(location, str) and location else None
