"""A shop's platform link over HTTP: the authorization URL, completing the link, its state,
a sync; and the platform's webhooks (signed by the platform, no API key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from promodesk.shop.errors import PlatformChoiceNeeded
from promodesk.shop.schemas.platform import (
    PlatformAuthorizeIn,
    PlatformAuthorizeOut,
    PlatformLinkIn,
    PlatformLinkRead,
    PlatformPickIn,
    PlatformSyncIn,
    PlatformSyncOut,
    PlatformWriteRead,
)
from promodesk.shop.service import platform_writes
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service.platform_links import authorization, linking, reads
from promodesk.shop.service.platform_sync import steps
from promodesk.shop.service.platform_sync import webhooks as platform_webhooks
from promodesk.web import ApiRoute, Caller, RawBody, Uow, Writer, errors

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/shop", tags=["shop"])
WriteKey = Annotated[str | None, Query(min_length=1, max_length=150)]
webhooks = APIRouter(route_class=ApiRoute, prefix="/api/v1/shop-platform", tags=["shop"])


@router.get("/shops/{shop_id}/platform", response_model=PlatformLinkRead | None)
def get_link(shop_id: int, uow: Uow, caller: Caller) -> Any:
    """The shop's platform link (null when the shop has none)."""
    shops_service.get_shop(uow, caller.workspace_id, shop_id)
    row = reads.get_link(uow, caller.workspace_id, shop_id)
    return reads.link_view(row) if row is not None else None


@router.post("/shops/{shop_id}/platform/authorize-url", response_model=PlatformAuthorizeOut)
def authorize_url(shop_id: int, body: PlatformAuthorizeIn, uow: Uow, caller: Writer) -> Any:
    """The platform's authorization page with a signed ``state``; open it in a popup. The
    platform sends the seller back to ``redirect_uri`` with ``code`` and ``state``."""
    url = authorization.authorization_url(
        uow, caller.workspace_id, shop_id, actor=caller.actor, redirect_uri=body.redirect_uri
    )
    return {"url": url}


@router.post("/platform/link", response_model=PlatformLinkRead)
def link(body: PlatformLinkIn, uow: Uow, caller: Writer) -> Any:
    """Exchange the callback's code and link the shop the authorization was started for (its
    signed ``state`` names it). When the authorization covers several platform shops and no
    ``shop_cipher`` picks one, the answer is 409 ``PlatformChoiceNeeded`` listing them with a
    ``pending`` authorization (signed, its tokens encrypted, valid for minutes): send it with
    the chosen cipher to ``/platform/link/pick``."""
    authorized = authorization.authorize(caller.workspace_id, state=body.state, code=body.code)
    try:
        row = linking.link(uow, authorized, shop_cipher=body.shop_cipher, actor=caller.actor)
    except PlatformChoiceNeeded as exc:
        exc.extra["pending"] = authorization.pending_token(authorized)
        raise
    return reads.link_view(row)


@router.post("/platform/link/pick", response_model=PlatformLinkRead)
def pick(body: PlatformPickIn, uow: Uow, caller: Writer) -> Any:
    """Link the shop of a ``pending`` authorization to its platform shop ``shop_cipher``."""
    authorized = authorization.from_pending(caller.workspace_id, body.pending)
    row = linking.link(uow, authorized, shop_cipher=body.shop_cipher, actor=caller.actor)
    return reads.link_view(row)


@router.post("/shops/{shop_id}/platform/sync", response_model=PlatformSyncOut, status_code=202)
def sync(shop_id: int, body: PlatformSyncIn, uow: Uow, caller: Writer) -> Any:
    """Mirror the platform shop's products, activities and coupons (changes since the last
    sync unless ``full``). Progress: ``GET /api/v1/operations/{operation_id}``."""
    job_id, op_id = steps.start_sync(
        uow, caller.workspace_id, shop_id, actor=caller.actor, full=body.full
    )
    return {"job_id": job_id, "operation_id": op_id}


@webhooks.post("/webhooks/tiktok", status_code=200)
def tiktok_webhook(request: Request, raw: RawBody, uow: Uow) -> Any:
    """TikTok Shop's webhooks, signed by the platform (``Authorization``: HMAC-SHA256 of the
    app key and the raw body); a wrong signature is 401, a redelivery is accepted once."""
    headers = {"authorization": request.headers.get("authorization", "")}
    outcome, count = platform_webhooks.receive_webhook(uow, "tiktok_shop", raw, headers)
    return JSONResponse({"code": 0, "message": outcome, "links": count})


@router.get("/platform/writes", response_model=PlatformWriteRead, responses=errors(404))
def write_progress(uow: Uow, caller: Caller, key: WriteKey = None) -> Any:
    """Platform writes, newest first, or the one with ``key`` (a cancel batch's is
    ``batch:<batch id>:activity:<activity id>``): each chunk's status, attempts, and the
    platform's code, message and request id."""
    if key is None:
        return platform_writes.recent(uow, caller.workspace_id)
    return platform_writes.progress(uow, caller.workspace_id, key)
