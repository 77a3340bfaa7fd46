"""The seller authorization page (``/shop-portal/authorize``) and its approve form.

The page lists the sandbox's shops with check boxes; approving redirects (302) to
``redirect_uri?code=…&state=…``. The page's form carries ``from_page``: a seller who unticks
every shop gets the page back with a message and nothing is granted. Scripts post
``/shop-portal/authorize/approve`` directly without ``from_page``; with no ``shop_ids`` every
sandbox shop is granted. English only, like the Marketing API sandbox's page.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from promodesk.kit import sandbox_portal
from promodesk.shop_sandbox.auth import Auth
from promodesk.shop_sandbox.world import World

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize app - TikTok Shop sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;
color:#161823}}
h1{{font-size:1.3rem}} .box{{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0}}
label{{display:block;padding:.25rem 0}} .error{{color:#b00020;font-weight:600}}
button{{background:#fe2c55;color:#fff;border:0;
padding:.6rem 1.4rem;border-radius:4px;font-size:1rem;cursor:pointer}} .muted{{color:#666}}
</style></head><body>
<h1>TikTok Shop sandbox: authorize app {app_key}</h1>
<p class="muted">The app asks to read and manage your shops' products, inventory and
promotions. This is the promodesk sandbox: no real TikTok Shop account is involved.</p>
<form method="post" action="authorize/approve">
<input type="hidden" name="app_key" value="{app_key}">
<input type="hidden" name="redirect_uri" value="{redirect_uri}">
<input type="hidden" name="state" value="{state}">
<input type="hidden" name="from_page" value="1">
{message}<div class="box"><strong>Shops</strong>{shops}</div>
<button type="submit" id="approve">Authorize</button>
</form></body></html>
"""


def _page(
    world: World,
    app_key: str,
    redirect_uri: str,
    state: str,
    *,
    checked: frozenset[str] | None = None,
    message: str = "",
) -> str:
    rows = []
    for shop in world.shops:
        tick = " checked" if checked is None or shop.id in checked else ""
        rows.append(
            f'<label><input type="checkbox" name="shop_ids" value="{shop.id}"{tick}> '
            f"{escape(shop.name)} <span class=muted>({shop.region}, {shop.id})</span></label>"
        )
    return PAGE.format(
        app_key=escape(app_key),
        redirect_uri=escape(redirect_uri),
        state=escape(state),
        message=f'<p class="error" role="alert">{escape(message)}</p>' if message else "",
        shops="".join(rows) or "<p>No shops.</p>",
    )


async def authorize_page(request: Request, world: World, auth: Auth) -> Response:
    query = request.query_params
    app_key = query.get("app_key", "")
    redirect_uri = query.get("redirect_uri", "")
    if app_key != auth.config.app_key:
        return sandbox_portal.problem("Unknown app_key.")
    if not sandbox_portal.redirect_ok(redirect_uri):
        return sandbox_portal.problem("redirect_uri must be an http(s) URL.")
    state = query.get("state", "")[:1024]
    return HTMLResponse(_page(world, app_key, redirect_uri, state))


async def approve(request: Request, world: World, auth: Auth) -> Response:
    try:
        form = await request.form()
    except Exception:  # a malformed form body is the client's problem, never a 500
        return sandbox_portal.problem("The form could not be read.")
    app_key = str(form.get("app_key") or "")
    redirect_uri = str(form.get("redirect_uri") or "")
    state = str(form.get("state") or "")[:1024]
    if app_key != auth.config.app_key:
        return sandbox_portal.problem("Unknown app_key.")
    if not sandbox_portal.redirect_ok(redirect_uri):
        return sandbox_portal.problem("redirect_uri must be an http(s) URL.")
    by_id = {shop.id: shop.index for shop in world.shops}
    wanted = sandbox_portal.chosen([str(v) for v in form.getlist("shop_ids")])
    if wanted:
        unknown = [v for v in wanted if v not in by_id]
        if unknown:
            return sandbox_portal.problem(f"Unknown shop {unknown[0][:40]}.")
        shops = frozenset(by_id[v] for v in wanted)
    elif form.get("from_page"):
        page = _page(
            world,
            app_key,
            redirect_uri,
            state,
            checked=frozenset(),
            message="Select at least one shop to authorize.",
        )
        return HTMLResponse(page, status_code=400)
    else:
        shops = frozenset(by_id.values())
    code = auth.issue_code(shops)
    return sandbox_portal.redirect(redirect_uri, [("code", code), ("state", state)])
