"""Server-rendered web console (Jinja2, English and 简体中文) at ``/``.

Pages: login, dashboard, the feature pages, jobs, audit, operations (live progress bars) and
API keys. No CDN: the CSS and the small scripts are our own, under ``static/``; the one
third-party asset, plotly.js for charts, comes from the installed ``plotly`` package and is
served at ``/vendor/plotly.min.js`` (nothing of it is committed here). Routes live in
``routes/``, one sub-package per feature; what they share is beside this module (``visit``,
``forms``, ``formerrors``, ``submit``, ``paging``).
"""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles

from promodesk.console.core import HERE, Console
from promodesk.web import AppState


def mount(app: FastAPI, st: AppState) -> None:
    from promodesk.console.routes import ROUTERS

    app.state.console = Console(st)
    app.add_api_route("/vendor/plotly.min.js", _plotly, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="console-static")
    for router in ROUTERS:
        app.include_router(router)


@cache
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs

    js: str = get_plotlyjs()
    return js.encode()


def _plotly() -> Response:
    # A day in caches: the file changes only when the plotly package is upgraded.
    return Response(
        _plotly_js(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
