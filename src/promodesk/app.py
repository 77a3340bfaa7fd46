"""The FastAPI application factory: API, console, sandbox, metrics and the embedded worker."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from promodesk import __version__
from promodesk.kit import validation
from promodesk.kit.bodylimit import BodyLimitMiddleware
from promodesk.kit.db import BUSY_ERRORS, Database
from promodesk.kit.errors import PromodeskError, ServiceUnavailable
from promodesk.kit.idempotency import IdempotencyMiddleware
from promodesk.kit.jobs.worker import Worker
from promodesk.kit.loopguard import guard_this_loop
from promodesk.kit.metrics import LATENCY, REQUESTS
from promodesk.kit.money import CoinPricing
from promodesk.kit.pagination import MAX_ID
from promodesk.kit.proxy import TrustedProxyMiddleware
from promodesk.kit.security_headers import (
    DOCS_POLICY,
    SANDBOX_POLICY,
    SecurityHeadersMiddleware,
)
from promodesk.settings import Settings, get_settings
from promodesk.web import (
    HTTP_ERRORS,
    AppState,
    ErrorBody,
    error_statuses,
    errors,
    guard_path_ids,
)

log = logging.getLogger("promodesk")
DOCS_ASSETS = "/api/docs/assets"


def build_state(settings: Settings, db: Database | None = None) -> AppState:
    # The key is made and kept on first start so every process (and the vault) reads one key.
    settings.ensure_secret_key()
    return AppState(
        settings=settings,
        db=db or Database.from_settings(settings),
        pricing=CoinPricing.from_settings(
            settings.coin_price_usd,
            settings.coin_price_per,
            settings.min_charge_usd,
            settings.fx_per_usd,
        ),
    )


def make_worker(st: AppState) -> Worker:
    s = st.settings
    return Worker(
        st.db,
        lease_seconds=s.job_lease_seconds,
        poll_seconds=s.job_poll_seconds,
        backoff_base=s.job_backoff_base_seconds,
        backoff_cap=s.job_backoff_max_seconds,
    )


def create_app(
    settings: Settings | None = None, *, db: Database | None = None, worker: bool = False
) -> FastAPI:
    settings = settings or get_settings()
    st = build_state(settings, db)
    load_handlers(settings.job_modules)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        guard_this_loop()  # blocking calls on this loop now fail instead of stalling it
        embedded = make_worker(st) if worker else None
        if embedded:
            embedded.start()
        app.state.worker = embedded
        try:
            yield
        finally:
            if embedded:
                embedded.stop()

    # Swagger UI and ReDoc from the fastapi-offline package's assets, served by this app: the
    # docs work without a CDN (offline, and under a strict Content-Security-Policy).
    app = FastAPIOffline(
        title="promodesk",
        version=__version__,
        description="Start, watch and stop promotions safely, with every coin and cent "
        "accounted for.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url="/api/redoc",
        static_url=DOCS_ASSETS,
        favicon_url="/static/favicon.svg",
        lifespan=lifespan,
        dependencies=[Depends(guard_path_ids)],
        # Every route's; the rest per route (_finish_openapi). Declared here, 422 also stands
        # in for FastAPI's own validation body, which this app never sends.
        responses=errors(413, 422, 503),
    )
    app.state.promodesk = st
    _install_errors(app)
    _include_routes(app, st)
    _finish_openapi(app)
    app.add_middleware(
        IdempotencyMiddleware,
        db=st.db,
        ttl_hours=settings.idempotency_ttl_hours,
        stale_after=timedelta(seconds=settings.idempotency_stale_seconds),
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_limits=dict.fromkeys(_bulk_paths(), settings.max_bulk_body_bytes),
    )
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(
        SecurityHeadersMiddleware,
        path_policies={
            "/api/docs": DOCS_POLICY,
            "/api/redoc": DOCS_POLICY,
            app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect": DOCS_POLICY,
            "/sandbox": SANDBOX_POLICY,
            "/shop-sandbox": SANDBOX_POLICY,
        },
        hsts_seconds=settings.hsts_seconds,
    )
    app.add_middleware(TrustedProxyMiddleware, trusted=settings.trusted_proxies)
    return app


def _bulk_paths() -> list[str]:
    """The paths of the routes whose bodies may be larger than the general cap (their routers
    are included without a prefix, so a route's own path is its path in the app)."""
    from promodesk.promote.api.orders import delivery_batch
    from promodesk.promote.api.orders import router as promote_api
    from promodesk.shop.api.cancel import cancel, preview
    from promodesk.shop.api.cancel import router as shop_cancel_api

    bulk = {delivery_batch, cancel, preview}
    routes = [*promote_api.routes, *shop_cancel_api.routes]
    return [
        route.path for route in routes if isinstance(route, APIRoute) and route.endpoint in bulk
    ]


def load_handlers(extra: list[str] | None = None) -> None:
    """Import every module that registers job handlers (plus ``settings.job_modules``)."""
    import importlib

    import promodesk.accounts.jobs
    import promodesk.campaigns.jobs
    import promodesk.notify.jobs
    import promodesk.operations.jobs
    import promodesk.promote.jobs
    import promodesk.promotions.jobs
    import promodesk.rules.jobs
    import promodesk.shop.jobs
    import promodesk.system.jobs  # noqa: F401

    for module in extra or []:
        importlib.import_module(module)


def _include_routes(app: FastAPI, st: AppState) -> None:
    from promodesk.accounts.api import router as accounts_api
    from promodesk.audit.api import router as audit_api
    from promodesk.campaigns.api.routes import router as campaigns_api
    from promodesk.console import mount as mount_console
    from promodesk.ledger.api import router as ledger_api
    from promodesk.notify.api import router as notify_api
    from promodesk.operations.api import router as operations_api
    from promodesk.promote.api.money import router as promote_money_api
    from promodesk.promote.api.orders import router as promote_api
    from promodesk.promotions.api import router as promotions_api
    from promodesk.rules.api import router as rules_api
    from promodesk.shop.api.routes import router as shop_api
    from promodesk.system.api import api as system_api
    from promodesk.system.api import router as system_router
    from promodesk.tenancy.api import router as tenancy_api

    for router in (
        system_router,
        system_api,
        operations_api,
        tenancy_api,
        ledger_api,
        audit_api,
        promote_api,
        promote_money_api,
        notify_api,
        accounts_api,
        campaigns_api,
        shop_api,
        promotions_api,
        rules_api,
    ):
        app.include_router(router)
    mount_console(app, st)
    if st.settings.demo:  # the TikTok sandbox, so the demo needs no TikTok credentials
        from promodesk.sandbox import create_sandbox_app

        app.mount("/sandbox", create_sandbox_app())
        # The TikTok Shop sandbox beside it, so the demo can link a shop with no credentials.
        from promodesk.shop_sandbox import create_shop_sandbox_app

        app.mount("/shop-sandbox", create_shop_sandbox_app())


def _api_routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """Every published route by its path and method, through included routers."""
    found: dict[tuple[str, str], APIRoute] = {}
    pending: list[Any] = list(app.routes)
    while pending:
        route = pending.pop()
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods or ():
                found[(route.path_format, method.lower())] = route
        original = getattr(route, "original_router", None)
        if original is not None:
            pending.extend(original.routes)
    return found


ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def _finish_openapi(app: FastAPI) -> None:
    """Publish in OpenAPI what the app adds to every route: the id range that
    ``guard_path_ids`` enforces, and each route's own error statuses (``error_statuses``) with
    the one error body."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = generate()
        routes = _api_routes(app)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault(
            "ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for path, item in spec.get("paths", {}).items():
            for method, operation in item.items():
                for param in operation.get("parameters", []):
                    name, schema = param.get("name", ""), param.get("schema", {})
                    is_id = name == "id" or name.endswith("_id")
                    if param.get("in") == "path" and is_id and schema.get("type") == "integer":
                        schema.update(minimum=1, maximum=MAX_ID)
                route = routes.get((path, method))
                if route is None:
                    continue
                responses = operation.setdefault("responses", {})
                reads_body = "requestBody" in operation
                for code in sorted(error_statuses(route, method, reads_body=reads_body)):
                    responses.setdefault(
                        str(code),
                        {
                            "description": HTTP_ERRORS[code],
                            "content": {"application/json": {"schema": ERROR_REF}},
                        },
                    )
                operation["responses"] = dict(sorted(responses.items()))
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(PromodeskError)
    async def _promodesk(_: Request, exc: PromodeskError) -> JSONResponse:
        return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=exc.headers())

    # A bounded wait ran out (lock_timeout, statement_timeout, SQLite busy, no pooled
    # connection free) or the database is unreachable: the transaction rolled back, nothing
    # was done, and the same request can be sent again.
    async def _busy(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database busy or unreachable: %s", str(exc).splitlines()[0][:200])
        return await _promodesk(_, database_busy())

    for busy in BUSY_ERRORS:
        app.add_exception_handler(busy, _busy)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [p for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
        # A JSON syntax error's location is a character offset, not a field.
        syntax = first.get("type") == "json_invalid"
        field = None if syntax else ".".join(str(p) for p in loc) or None
        if not first:
            detail = "invalid request"
        elif syntax:
            detail = str(first.get("msg", "invalid JSON"))
        else:
            detail = validation.describe(first, loc)
        body: dict[str, Any] = {
            "error": "ValidationFailed",
            "detail": detail,
            "field": field,
            "errors": [
                {"loc": [str(p) for p in e.get("loc", ())], "msg": validation.message(e)}
                for e in errors[:20]
            ],
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = HTTP_ERRORS.get(exc.status_code, "HTTPError")
        return JSONResponse(
            {"error": name, "detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    # Safety net: a value the database or the calendar cannot hold (an integer past BIGINT, a
    # NUL character, a lone surrogate, a date past year 9999) is the client's input, not a bug.
    # Routes validate such values up front; this keeps a missed one from becoming a 500.
    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    @app.exception_handler(UnicodeError)
    async def _unstorable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("input refused by the database or runtime: %s", type(exc).__name__)
        return JSONResponse(
            {
                "error": "ValidationFailed",
                "detail": "a value is out of range or contains characters that cannot be stored",
            },
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(
            {"error": "InternalError", "detail": "an unexpected error; it has been logged"},
            status_code=500,
        )


def database_busy() -> ServiceUnavailable:
    return ServiceUnavailable(
        "the database is busy or unreachable; nothing was changed, send the request again",
        retry_after=1,
    )


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            REQUESTS.labels(scope["method"], path, str(status["code"])).inc()
            LATENCY.labels(scope["method"], path).observe(time.perf_counter() - start)
