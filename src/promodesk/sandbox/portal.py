"""The advertiser authorization page (``/portal/auth``) and its approve form.

The page lists the sandbox's ad accounts with check boxes; approving redirects (302) to
``redirect_uri?auth_code=…&code=…&state=…``. The page's form carries ``from_page``: a user who
unticks every ad account gets the page back with a message and nothing is granted. Scripts post
``/portal/auth/approve`` directly without ``from_page``; with no ``advertiser_ids`` every ad
account of the app is granted.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from promodesk.kit import sandbox_portal
from promodesk.sandbox import generate as gen
from promodesk.sandbox.auth import Auth
from promodesk.sandbox.world.objects import World

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize sandbox app</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;
color:#161823}}
h1{{font-size:1.3rem}} .box{{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0}}
label{{display:block;padding:.25rem 0}} .error{{color:#b00020;font-weight:600}}
button{{background:#fe2c55;color:#fff;border:0;
padding:.6rem 1.4rem;border-radius:4px;font-size:1rem;cursor:pointer}} .muted{{color:#666}}
</style></head><body>
<h1>TikTok for Business sandbox: authorize app {app_id}</h1>
<p class="muted">The app asks to manage ad accounts, ads and audiences and to read reports.
This is the promodesk sandbox: no real TikTok account is involved.</p>
<form method="post" action="auth/approve">
<input type="hidden" name="app_id" value="{app_id}">
<input type="hidden" name="redirect_uri" value="{redirect_uri}">
<input type="hidden" name="state" value="{state}">
<input type="hidden" name="from_page" value="1">
{message}<div class="box"><strong>Ad accounts</strong>{accounts}</div>
<button type="submit" id="approve">Confirm</button>
</form></body></html>
"""


def _accounts(world: World, app_id: str) -> list[int]:
    return [
        i
        for i in world.account_indices()
        if i not in world.created or world.created[i].app_id == app_id
    ]


def _page(
    world: World,
    app_id: str,
    redirect_uri: str,
    state: str,
    *,
    checked: frozenset[str] | None = None,
    message: str = "",
) -> str:
    rows = []
    for index in _accounts(world, app_id):
        value = gen.advertiser_id(index)
        name = escape(world.account(index)["name"])
        tick = " checked" if checked is None or value in checked else ""
        rows.append(
            f'<label><input type="checkbox" name="advertiser_ids" value="{value}"{tick}> '
            f"{name} <span class=muted>({value})</span></label>"
        )
    return PAGE.format(
        app_id=escape(app_id),
        redirect_uri=escape(redirect_uri),
        state=escape(state),
        message=f'<p class="error" role="alert">{escape(message)}</p>' if message else "",
        accounts="".join(rows) or "<p>No ad accounts.</p>",
    )


async def auth_page(request: Request, world: World, auth: Auth) -> Response:
    query = request.query_params
    app_id = query.get("app_id", "")
    redirect_uri = query.get("redirect_uri", "")
    if app_id != auth.config.app_id:
        return sandbox_portal.problem("Unknown app_id.")
    if not sandbox_portal.redirect_ok(redirect_uri):
        return sandbox_portal.problem("redirect_uri must be an http(s) URL.")
    return HTMLResponse(_page(world, app_id, redirect_uri, query.get("state", "")))


async def approve(request: Request, world: World, auth: Auth) -> Response:
    try:
        form = await request.form()
    except Exception:  # a malformed form body is the client's problem, never a 500
        return sandbox_portal.problem("The form could not be read.")
    app_id = str(form.get("app_id") or "")
    redirect_uri = str(form.get("redirect_uri") or "")
    state = str(form.get("state") or "")
    if app_id != auth.config.app_id:
        return sandbox_portal.problem("Unknown app_id.")
    if not sandbox_portal.redirect_ok(redirect_uri):
        return sandbox_portal.problem("redirect_uri must be an http(s) URL.")
    allowed = _accounts(world, app_id)
    wanted = sandbox_portal.chosen([str(v) for v in form.getlist("advertiser_ids")])
    if wanted:
        indices = []
        for value in wanted:
            index = gen.decode_advertiser(value)
            if index is None or index not in allowed:
                return sandbox_portal.problem(f"Unknown advertiser {value}.")
            indices.append(index)
    elif form.get("from_page"):
        page = _page(
            world,
            app_id,
            redirect_uri,
            state,
            checked=frozenset(),
            message="Select at least one ad account to grant.",
        )
        return HTMLResponse(page, status_code=400)
    else:
        indices = allowed
    code = auth.issue_code(app_id, frozenset(indices))
    params = [("auth_code", code), ("code", code), ("state", state)]
    return sandbox_portal.redirect(redirect_uri, params)
