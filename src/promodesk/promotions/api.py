"""Promotions over HTTP: the index of every promotion (page or file), a product's promotions,
and product links (by hand, and the automatic pass over ads)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from promodesk.campaigns.schemas.monitor import ActionItem, NotesRead, NotesUpdate
from promodesk.kit.pagination import MAX_ID
from promodesk.promotions.domain.index import filters
from promodesk.promotions.domain.stop_list import stop_filters
from promodesk.promotions.schemas import (
    AutoLinkCreate,
    AutoLinkRead,
    LinkCreate,
    LinkRead,
    ProductPromotionsRead,
    PromotionPage,
    StopCreate,
    StopPage,
    StopPreviewCreate,
    StopPreviewRead,
    StopRead,
)
from promodesk.promotions.service import (
    export,
    notes,
    products,
    restart,
    stop,
    stop_list,
    stop_watch,
    stops,
)
from promodesk.promotions.service import retry as retries
from promodesk.promotions.service.index import list_promotions
from promodesk.web import ApiRoute, Caller, Cursor, Limit, Uow, Writer, state

router = APIRouter(route_class=ApiRoute, prefix="/api/v1", tags=["promotions"])

Words = Annotated[list[str] | None, Query(max_length=500)]
ProductIds = Annotated[list[int] | None, Query(description="shop product ids")]
FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
        },
        "description": "with format=csv|xlsx: the whole list as a file",
    }
}


@router.get("/promotions", response_model=PromotionPage, responses=FILE)
def list_all(
    uow: Uow,
    caller: Caller,
    channel: Words = None,
    kind: Words = None,
    status: Words = None,
    owner: Words = None,
    product: ProductIds = None,
    search: Annotated[
        str | None, Query(max_length=200, description="part of the name, or an exact id")
    ] = None,
    sort: Annotated[
        str | None,
        Query(max_length=30, description="last_change (default -last_change), spend, budget, name"),
    ] = None,
    range: Annotated[
        str | None,
        Query(
            max_length=20,
            description="the days spend and results cover: lifetime (default), today, "
            "yesterday, last_7_days, last_30_days or custom (with since and until); each ad "
            "account's own days",
        ),
    ] = None,
    since: Annotated[
        str | None, Query(alias="since", max_length=10, description="custom: first day, YYYY-MM-DD")
    ] = None,
    until: Annotated[
        str | None, Query(alias="until", max_length=10, description="custom: last day, YYYY-MM-DD")
    ] = None,
    format: Annotated[str | None, Query(max_length=10, description="csv or xlsx")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> PromotionPage | Response:
    """Every promotion in every channel: TikTok campaigns, ad groups and ads, Promote orders,
    shop activities (per shop) and enrollments, with one status vocabulary (scheduled, live,
    paused, stopping, stopped, ended), owner, budget and spend, results, products and last
    change. Filters may repeat or be comma-separated: ``channel`` (tiktok_ads, promote, shop),
    ``kind``, ``status``, ``owner`` (advertiser:ID, client:ID, ad_account:ID, shop:ID,
    creator:ID), ``product`` (a shop product id). An unknown value is a 422 naming it.
    ``totals`` cover the whole filtered list. ``range`` (with ``from``/``to`` for custom, at
    most 366 days) sets the days of spend and results: TikTok's daily reports in each ad
    account's own time zone, Promote orders' delivery per UTC hour; shop rows have no spend.
    ``format=csv|xlsx``: every row as a file, its range named in the spend column."""
    chosen = filters(
        channel=channel,
        kind=kind,
        status=status,
        owner=owner,
        product=product,
        search=search,
        range=range,
        since=since,
        until=until,
    )
    if format is not None:
        body, media, name = export.export(uow, caller.workspace_id, format, chosen, sort)
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    page = list_promotions(uow, caller.workspace_id, chosen, sort, cursor, limit=limit)
    return PromotionPage.of(page)


ProductId = Annotated[int, Path(ge=1, le=MAX_ID, description="a shop product id")]


@router.get("/promotions/products/{product_id}", response_model=ProductPromotionsRead)
def product_promotions(
    product_id: ProductId, uow: Uow, caller: Caller, status: Words = None
) -> ProductPromotionsRead:
    """Everything that promotes the product in every channel (shop enrollments, linked ads,
    ad groups and campaigns, Promote orders of linked contents), biggest spend first, with
    totals per currency and the product's links (removed ones included)."""
    page = products.promotions_of_product(
        uow, caller.workspace_id, product_id, statuses=filters(status=status)
    )
    return ProductPromotionsRead.of(page)


@router.post("/promotions/links", response_model=LinkRead, status_code=201)
def link(body: LinkCreate, uow: Uow, caller: Writer) -> LinkRead:
    """Link a campaign, ad group, ad or Promote content (with an e-commerce anchor) to a shop
    product by hand (audited). Linking again changes nothing. 404 for a product or target
    that is not the workspace's."""
    view = products.link_product(
        uow, caller.workspace_id, body.product_id, body.target, actor=caller.actor, note=body.note
    )
    return LinkRead.of(view)


@router.delete("/promotions/links", response_model=LinkRead)
def unlink(
    uow: Uow,
    caller: Writer,
    product_id: Annotated[int, Query(ge=1, le=MAX_ID, description="a shop product id")],
    target: Annotated[str, Query(max_length=60, description="kind:id, as linked")],
) -> LinkRead:
    """Unlink ``target`` from the product (audited); an automatic link stays unlinked. 404
    when it is not linked."""
    view = products.unlink_product(uow, caller.workspace_id, product_id, target, actor=caller.actor)
    return LinkRead.of(view)


@router.post("/promotions/links/auto", response_model=AutoLinkRead)
def link_automatically(body: AutoLinkCreate, uow: Uow, caller: Writer) -> AutoLinkRead:
    """Link ads (of one ad account, or all) to the shop products their platform data names
    (``item_group_ids``, the product id in the landing page URL). Runs by itself after every
    ad account sync; safe to run again."""
    return AutoLinkRead.of(
        products.link_ads_automatically(uow, caller.workspace_id, body.ad_account_id)
    )


@router.post(
    "/promotions/stop/preview",
    response_model=StopPreviewRead,
    openapi_extra={"x-promodesk-dry-run": True},  # changes nothing: viewers may preview
)
def stop_preview(body: StopPreviewCreate, uow: Uow, caller: Caller) -> StopPreviewRead:
    """Stop everywhere, the preview (nothing changes): for the promotions ``refs`` and every
    promotion of ``products``, per channel the path it would take (TikTok ads: pause or delete
    with the budget it frees; Promote: stop with the refund split; shop: the stage-aware path
    under the activity's guardrails, with their verdicts and safer alternatives), the money
    per currency, and what is refused and why. A reason is required (``other`` with a text)."""
    plan = stop.preview_stop(
        uow,
        caller.workspace_id,
        refs=body.refs,
        products=list(body.products),
        reason=body.reason,
        reason_text=body.reason_text,
        ads_action=body.ads_action,
    )
    return StopPreviewRead.of(plan)


@router.post("/promotions/stop", response_model=StopRead, status_code=201)
def stop_everywhere(body: StopCreate, uow: Uow, caller: Writer) -> StopRead:
    """Stop everywhere, the confirm: what the preview with ``fingerprint`` showed is stopped,
    one step per channel through its own use case (TikTok ads: the campaigns' cancellation,
    read back to verify; Promote: the order's stop and refund; shop: a cancel batch under the
    activity's guardrails). A changed situation answers 409 ``PreviewChanged`` with the new
    ``preview``. A failed step leaves the others as they are: retry it. Send an
    ``Idempotency-Key``: a replay answers the first response and stops nothing twice."""
    s = stops.confirm_stop(
        uow,
        caller.workspace_id,
        refs=body.refs,
        products=list(body.products),
        reason=body.reason,
        reason_text=body.reason_text,
        ads_action=body.ads_action,
        fingerprint=body.fingerprint,
        actor=caller.actor,
        role=caller.role,
    )
    return StopRead.model_validate(stop_watch.view(uow, s))


@router.get("/promotions/stops", response_model=StopPage)
def stops_list(
    uow: Uow,
    caller: Caller,
    status: Words = None,
    channel: Words = None,
    reason: Words = None,
    created_by: Annotated[
        str | None,
        Query(max_length=200, description="user:ID, rule:ID… as recorded, or a member's email"),
    ] = None,
    created_since: Annotated[
        str | None, Query(max_length=10, description="first day (UTC), YYYY-MM-DD")
    ] = None,
    created_until: Annotated[
        str | None, Query(max_length=10, description="last day (UTC), YYYY-MM-DD, included")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> StopPage:
    """Stops everywhere, newest first: status (running, done, failed, restarted), per channel
    its steps, the planned money, verification, and whether a retry or a restart is possible.
    Filters may repeat or be comma-separated: ``status``, ``channel`` (tiktok_ads, promote,
    shop), ``reason`` (sold_out, wrong_claim, plan_change, other); ``created_by`` as recorded
    (user:ID, rule:ID) or a member's email; ``created_since``/``created_until`` days (UTC,
    both included). An unknown value is a 422 naming it."""
    chosen = stop_filters(
        status=status,
        channel=channel,
        reason=reason,
        created_by=created_by,
        created_since=created_since,
        created_until=created_until,
    )
    page = stop_list.list_stops(uow, caller.workspace_id, chosen, cursor, limit=limit)
    return StopPage.model_validate(page)


@router.get("/promotions/stops/{stop_id}", response_model=StopRead)
def stop_show(stop_id: Annotated[int, Path(ge=1, le=MAX_ID)], uow: Uow, caller: Caller) -> StopRead:
    """A stop everywhere: its steps (status, verification, error) and progress."""
    return StopRead.model_validate(
        stop_watch.view(uow, stop_watch.get_stop(uow, caller.workspace_id, stop_id))
    )


@router.post("/promotions/stops/{stop_id}/retry", response_model=StopRead)
def stop_retry(
    stop_id: Annotated[int, Path(ge=1, le=MAX_ID)], uow: Uow, caller: Writer
) -> StopRead:
    """Start the failed steps again (409 if none failed); the stopped ones are not touched."""
    s = retries.retry(uow, caller.workspace_id, stop_id, actor=caller.actor, role=caller.role)
    return StopRead.model_validate(stop_watch.view(uow, s))


@router.post("/promotions/stops/{stop_id}/restart", response_model=StopRead)
def stop_restart(
    stop_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request, uow: Uow, caller: Writer
) -> StopRead:
    """Restart everywhere: undo what can be undone (paused TikTok ads switched on again, shop
    enrollments restored from their snapshots); a Promote stop and a TikTok delete are final
    and listed as such (``reversible`` false). 409 when nothing can be undone."""
    stop_watch.get_stop(uow, caller.workspace_id, stop_id)
    uow.commit()  # no transaction stays open while TikTok answers
    data = restart.restart(state(request).db, caller.workspace_id, stop_id, actor=caller.actor)
    return StopRead.model_validate(data)


@router.put("/promotions/stops/{stop_id}/notes", response_model=StopRead)
def stop_notes(
    stop_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: NotesUpdate, uow: Uow, caller: Writer
) -> StopRead:
    """The stop's retrospective: replace what the team learned and/or will do (lessons,
    action items: text, owner, due, done; a field left out is kept), as a campaign
    cancellation's lessons. Audited."""
    items = (
        [i.model_dump(mode="json") for i in body.action_items]
        if body.action_items is not None
        else None
    )
    notes.update_notes(
        uow,
        caller.workspace_id,
        stop_id,
        lessons=body.lessons,
        action_items=items,
        actor=caller.actor,
    )
    return StopRead.model_validate(
        stop_watch.view(uow, stop_watch.get_stop(uow, caller.workspace_id, stop_id))
    )


@router.get("/promotions/stops/{stop_id}/notes", response_model=NotesRead)
def stop_notes_show(
    stop_id: Annotated[int, Path(ge=1, le=MAX_ID)], uow: Uow, caller: Caller
) -> NotesRead:
    """The stop's lessons and action items."""
    return NotesRead(**notes.notes(uow, caller.workspace_id, stop_id))


@router.post("/promotions/stops/{stop_id}/action-items", response_model=NotesRead, status_code=201)
def stop_action_item(
    stop_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: ActionItem, uow: Uow, caller: Writer
) -> NotesRead:
    """Add one action item to the stop's retrospective (audited). Send an
    ``Idempotency-Key``: a retry adds it once."""
    return NotesRead(
        **notes.add_action_item(
            uow, caller.workspace_id, stop_id, body.model_dump(mode="json"), actor=caller.actor
        )
    )
