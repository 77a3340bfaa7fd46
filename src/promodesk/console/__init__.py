"""Server-rendered web console (Jinja2, English and 简体中文) at ``/``.

Pages: login, dashboard, the feature pages, jobs, audit, operations (live progress bars) and
API keys. No CDN and no third-party assets: the CSS and the small script are our own, under
``static/``. Routes live in ``routes/``, one sub-package per feature; what they share is
beside this module (``visit``, ``forms``, ``formerrors``, ``submit``, ``paging``).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from promodesk.console.core import HERE, Console
from promodesk.web import AppState


def mount(app: FastAPI, st: AppState) -> None:
    from promodesk.console.routes import ROUTERS

    app.state.console = Console(st)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="console-static")
    for router in ROUTERS:
        app.include_router(router)
