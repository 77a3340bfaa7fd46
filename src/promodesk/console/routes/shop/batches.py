"""Cancel batches (live progress bar, per-item errors, retry of the failed ones, call-off of a
window run, verification results) and snapshots (view, JSON export, restore with a preview).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.paging import PAGE_SIZE, Pager, parse_before
from promodesk.console.routes.shop.common import (
    BADGES,
    ITEM_CODES,
    REASONS,
    STATES,
    local,
    page_zone,
    workspace_zone,
)
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit
from promodesk.operations import service as operations
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import catalog as catalog_service
from promodesk.shop.service import platform_calls
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service import verification as verification_service
from promodesk.shop.service import window as window_service
from promodesk.tenancy import service as tenancy

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PAGE = 50


@router.get("/shop/batches")
def batches(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    before = parse_before(request.query_params.get("before", ""))
    workspace_id = visit.principal.workspace_id
    rows = batch_service.list_batches(uow, workspace_id, before, PAGE_SIZE + 1)
    rows, pager = Pager.of(rows, "/shop/batches", {}, before)
    return visit.page(
        "shop/batches.html",
        rows=rows,
        who=tenancy.actor_names(uow, workspace_id, [b.created_by for b in rows]),
        reasons=REASONS,
        pager=pager,
        zone=workspace_zone(uow, workspace_id),
    )


@router.get("/shop/batches/{batch_id}")
def batch_page(request: Request, visit: ViewerVisit, uow: Uow, batch_id: int) -> Response:
    status = request.query_params.get("status") or None
    workspace_id = visit.principal.workspace_id
    batch = batch_service.get_batch(uow, workspace_id, batch_id)
    items = batch_service.batch_items(uow, workspace_id, batch_id, status=status, limit=200)
    checks = verification_service.results(uow, workspace_id, batch_id=batch_id, limit=200)
    restored = verification_service.restored_ids(uow, workspace_id, batch_id)
    op = None
    if batch.operation_id is not None:
        op = operations.as_dict(operations.get(uow, workspace_id, batch.operation_id))
    shop = shops_service.get_shop(uow, workspace_id, batch.shop_id) if batch.shop_id else None
    listed = items if status is None else batch_service.batch_items(uow, workspace_id, batch_id)
    products = {
        pid: shops_service.get_product(uow, workspace_id, pid)
        for pid in {i.product_id for i in [*items, *listed]}
    }
    # A batch across shops: its times in the zone its products' shops share (UTC otherwise).
    shop_ids = {batch.shop_id} if batch.shop_id else {p.shop_id for p in products.values()}
    shops = [shops_service.get_shop(uow, workspace_id, s) for s in sorted(shop_ids)]
    return visit.page(
        "shop/batch.html",
        platform=platform_calls.batch_calls(uow, workspace_id, batch_id),
        zone=page_zone(shops) if shops else workspace_zone(uow, workspace_id),
        who=tenancy.actor_names(uow, workspace_id, [batch.created_by]),
        batch=batch,
        batch_items=items,
        item_status=status or "",
        op=op,
        running=batch.status in ("running", "scheduled"),
        checks=checks,
        passed=sum(1 for c in checks if c.passed and c.enrollment_id not in restored),
        restored_checks=sum(1 for c in checks if c.enrollment_id in restored),
        failed_checks=sum(1 for c in checks if not c.passed),
        # a linked shop's items: what the platform showed when read back
        platform_checks=[c for c in checks if c.platform],
        run_local=local(batch.run_at, shop.timezone) if shop else None,
        names={pid: p.title for pid, p in products.items()},
        activity_names={
            aid: catalog_service.get_activity(uow, workspace_id, aid).name
            for aid in {i.activity_id for i in items}
        },
        reasons=REASONS,
        codes=ITEM_CODES,
    )


@router.get("/shop/batches/{batch_id}/platform")
def batch_platform(visit: ViewerVisit, uow: Uow, batch_id: int) -> Response:
    """What the cancel sent to the platform, call by call, in the shop's time zone."""
    workspace_id = visit.principal.workspace_id
    batch = batch_service.get_batch(uow, workspace_id, batch_id)
    calls = platform_calls.batch_calls(uow, workspace_id, batch_id)
    shop_ids = calls.shop_ids | ({batch.shop_id} if batch.shop_id else set())
    shops = [shops_service.get_shop(uow, workspace_id, s) for s in sorted(shop_ids)]
    return visit.page(
        "shop/batch_platform.html",
        zone=page_zone(shops) if shops else workspace_zone(uow, workspace_id),
        batch=batch,
        platform=calls,
        running=not calls.settled and bool(calls.calls),
    )


@router.post("/shop/batches/{batch_id}/retry")
def retry(visit: OperatorVisit, uow: Uow, batch_id: int) -> Response:
    principal = visit.principal
    batch = batch_service.retry_failed(
        uow, principal.workspace_id, batch_id, actor=principal.actor, role=principal.role
    )
    visit.flash("info", visit._("The failed items of batch %(id)s run again.", id=batch.id))
    return visit.redirect(f"/shop/batches/{batch.id}")


@router.post("/shop/batches/{batch_id}/call-off")
def call_off(visit: OperatorVisit, uow: Uow, batch_id: int) -> Response:
    principal = visit.principal
    window_service.cancel_scheduled(uow, principal.workspace_id, batch_id, actor=principal.actor)
    visit.flash("success", visit._("The scheduled cancel is called off; nothing changed."))
    return visit.redirect(f"/shop/batches/{batch_id}")


# snapshots ------------------------------------------------------------------------------------


@router.get("/shop/snapshots")
def snapshots(request: Request, visit: ViewerVisit, uow: Uow) -> Response:
    q = request.query_params
    after = forms.optional_id(q.get("after")) or 0
    batch_id = forms.optional_id(q.get("batch_id"))
    enrollment_id = forms.optional_id(q.get("enrollment_id"))
    workspace_id = visit.principal.workspace_id
    rows = snapshots_service.list_snapshots(
        uow,
        workspace_id,
        after_id=after,
        limit=PAGE,
        batch_id=batch_id,
        enrollment_id=enrollment_id,
    )
    return visit.page(
        "shop/snapshots.html",
        zone=workspace_zone(uow, workspace_id),
        rows=rows,
        next_url=f"/shop/snapshots?after={rows[-1].id}" if len(rows) == PAGE else None,
    )


def _restorable(snap: Any) -> bool:
    return snap.restored_at is None and snap.change in snapshots_service.RESTORABLE


@router.get("/shop/snapshots/{snapshot_id}")
def snapshot_page(visit: ViewerVisit, uow: Uow, snapshot_id: int) -> Response:
    workspace_id = visit.principal.workspace_id
    snap = snapshots_service.get(uow, workspace_id, snapshot_id)
    current = catalog_service.get_enrollment(uow, workspace_id, snap.enrollment_id)
    data = snapshots_service.export(snap)
    return visit.page(
        "shop/snapshot.html",
        zone=shops_service.get_shop(uow, workspace_id, current.shop_id).timezone,
        snap=snap,
        data=data,
        current=current,
        pretty=json.dumps(data, ensure_ascii=False, indent=2),
        restorable=_restorable(snap),
        states=STATES,
        badges=BADGES,
    )


@router.get("/shop/snapshots/{snapshot_id}/export.json")
def snapshot_export(visit: ViewerVisit, uow: Uow, snapshot_id: int) -> Response:
    snap = snapshots_service.get(uow, visit.principal.workspace_id, snapshot_id)
    body = json.dumps(snapshots_service.export(snap), ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="snapshot-{snapshot_id}.json"'},
    )


@router.post("/shop/snapshots/{snapshot_id}/restore")
def restore(visit: OperatorVisit, uow: Uow, snapshot_id: int) -> Response:
    principal = visit.principal
    e = snapshots_service.restore(uow, principal.workspace_id, snapshot_id, actor=principal.actor)
    visit.flash(
        "success",
        visit._(
            "Restored from snapshot %(id)s: the enrollment is %(state)s again.",
            id=snapshot_id,
            state=visit._(STATES.get(e.state, e.state)),
        ),
    )
    return visit.redirect(f"/shop/enrollments/{e.id}")
